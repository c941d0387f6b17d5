-- Edits that people here make to knowledge-base pages of communities on other fedcop nodes.
-- Such an edit is not saved here: it is sent to the page's community as an Update of the page
-- carrying the version it was made from (fedcop:baseVersion), and the community answers with
-- an Accept (it is the page's next version) or a Reject (a conflict, or not allowed). Until
-- then, and after, the editor sees it here with its state.
CREATE TABLE kb_remote_edits (
    id               bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- The copy kept here of the page (store.knowledge.pages, a community elsewhere).
    page_id          bigint NOT NULL REFERENCES kb_pages (id) ON DELETE CASCADE,
    -- The person here who made the edit.
    editor_actor_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The version they edited (what the copy here showed them).
    base_version     integer NOT NULL CHECK (base_version >= 1),
    title            text NOT NULL,
    markdown         text NOT NULL,
    note             text NOT NULL DEFAULT '',
    -- The Update sent to the community: its Accept or Reject names it.
    activity_uri     text NOT NULL UNIQUE,
    -- sent: waiting for the community's answer;
    -- accepted: the community made it the page's version `version`;
    -- conflicted: refused because the page had changed since base_version (it was at
    --   `version`, with current_title and current_markdown): nothing was saved there;
    -- refused: refused for another reason (`reason`: not a member, banned, Closed, only
    --   facilitators edit, too long...);
    -- dismissed: the editor put the edit away (a conflicted or refused one, one whose
    --   delivery was given up, or any one when they make a new edit of the page).
    state            text NOT NULL DEFAULT 'sent'
                     CHECK (state IN ('sent', 'accepted', 'conflicted', 'refused', 'dismissed')),
    -- accepted: the version the edit became; conflicted: the page's version when refused.
    version          integer CHECK (version >= 1),
    -- conflicted: the community's current title and text, shown beside the editor's own.
    current_title    text,
    current_markdown text,
    -- conflicted or refused: the community's sentence (the Reject's summary).
    reason           text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- When the answer came (NULL while sent).
    decided_at       timestamptz
);
COMMENT ON COLUMN kb_remote_edits.state IS
    'sent (waiting for the community), accepted, conflicted (the page changed since base_version), refused (reason), dismissed';
-- An editor's edits of a page, newest first (the page shows them their latest).
CREATE INDEX kb_remote_edits_page_editor
    ON kb_remote_edits (page_id, editor_actor_id, created_at DESC);

-- 'page_edit_conflicted': the recipient's edit of a page of a community elsewhere was refused
-- as a conflict; `from_id` made the version it conflicted with (`kb_version`), and the page
-- shows both texts. It joins the kinds of notification, and names a page as 'page_changed'
-- does.
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite',
                    'update', 'answer_accepted', 'page_changed', 'page_edit_conflicted'));
ALTER TABLE notifications DROP CONSTRAINT notifications_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kb_page_check
    CHECK ((kind IN ('page_changed', 'page_edit_conflicted')) = (kb_page_id IS NOT NULL));
