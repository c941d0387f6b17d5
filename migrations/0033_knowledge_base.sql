-- A knowledge base per community: pages of Markdown with a stable address, every version kept.
--
-- Pages are keyed by the community's actor, not by the local `communities` table, so that the
-- same tables hold the pages of communities here and the copies kept here of pages of
-- communities on other fedcop nodes (filled in by the knowledge base's federation).

-- Who may write and edit the community's pages: 'members' (any member; the default) or
-- 'facilitators' (its facilitators alone). Facilitators may always edit.
ALTER TABLE communities ADD COLUMN kb_editors text NOT NULL DEFAULT 'members'
    CHECK (kb_editors IN ('members', 'facilitators'));
COMMENT ON COLUMN communities.kb_editors IS
    'who may write and edit knowledge-base pages: members (default) or facilitators alone';

CREATE TABLE kb_pages (
    id                 bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- The community (a Group, here or elsewhere) that owns the page.
    community_actor_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The last part of the page's address (/c/NAME/kb/SLUG): made from the first title, and
    -- never changed afterwards, even when the title is.
    slug               text NOT NULL
                       CHECK (slug <> '' AND length(slug) <= 200 AND strpos(slug, '/') = 0),
    -- The page's ActivityPub id: https://NODE/c/NAME/kb/SLUG for a page here, its owner's id
    -- for a copy of a page elsewhere.
    ap_id              text NOT NULL UNIQUE,
    -- The number of the version shown (the newest: a restore is a new version).
    current_version    integer NOT NULL CHECK (current_version >= 1),
    -- The community's charter page (its purpose and how it works together), listed first;
    -- at most one per community.
    is_charter         boolean NOT NULL DEFAULT false,
    -- The thread or reply (a solved question, a summary) the page was made from; NULL when it
    -- was written from scratch or that post is gone.
    from_post_id       bigint REFERENCES posts (id) ON DELETE SET NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    -- When its newest version was made.
    updated_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (community_actor_id, slug)
);
CREATE UNIQUE INDEX kb_pages_one_charter ON kb_pages (community_actor_id) WHERE is_charter;
-- A community's pages, most recently changed first (its index and its feed).
CREATE INDEX kb_pages_recent ON kb_pages (community_actor_id, updated_at DESC);

-- Every version of every page, never changed or deleted once written.
CREATE TABLE kb_versions (
    page_id         bigint NOT NULL REFERENCES kb_pages (id) ON DELETE CASCADE,
    -- 1 for the first version, then one more for each edit or restore.
    version         integer NOT NULL CHECK (version >= 1),
    title           text NOT NULL CHECK (title <> ''),
    -- What the editor wrote.
    markdown        text NOT NULL,
    -- The Markdown rendered and sanitised (services.markdown), as pages show it.
    html            text NOT NULL,
    -- Who made this version: a person here or elsewhere (or the community itself, for a
    -- charter page made from its settings). History is kept: such an actor cannot be deleted.
    editor_actor_id bigint NOT NULL REFERENCES actors (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- The editor's note on what they changed ('' for none).
    note            text NOT NULL DEFAULT '',
    -- This version restores that older version's text; NULL for an ordinary edit.
    restored_from   integer CHECK (restored_from >= 1),
    -- The activity that brought or announced this version (a Create or Update of the page),
    -- when it travelled; NULL for versions nobody sent yet. Lets a repeated delivery be seen.
    activity_uri    text UNIQUE,
    PRIMARY KEY (page_id, version)
);

-- Local users who want to hear of every change of a page.
CREATE TABLE kb_watches (
    page_id    bigint NOT NULL REFERENCES kb_pages (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (actor_id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (page_id, user_id)
);
CREATE INDEX kb_watches_user ON kb_watches (user_id);

-- 'page_changed': a page the recipient watches has a new version, made by `from_id` (never
-- their own). It joins the kinds of notification. Such a notification
-- names the page and the version (post_id stays NULL).
ALTER TABLE notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite',
                    'update', 'answer_accepted', 'page_changed'));
ALTER TABLE notifications ADD COLUMN kb_page_id bigint REFERENCES kb_pages (id) ON DELETE CASCADE;
COMMENT ON COLUMN notifications.kb_page_id IS
    'page_changed: the knowledge-base page that changed; NULL for every other kind';
ALTER TABLE notifications ADD COLUMN kb_version integer;
COMMENT ON COLUMN notifications.kb_version IS
    'page_changed: the version the change made; NULL for every other kind';
ALTER TABLE notifications ADD CHECK ((kind = 'page_changed') = (kb_page_id IS NOT NULL));
-- Each change is told once: the page and the version are part of what makes an event.
DROP INDEX notifications_once;
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, kind, from_id, coalesce(post_id, 0), coalesce(kb_page_id, 0),
                      coalesce(kb_version, 0));
