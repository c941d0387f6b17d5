-- Direct messages: private posts addressed only to the people they name (Mastodon's `direct`
-- visibility), written here or received. They are posts like any other (outside communities:
-- community_id is NULL), so that the client API, notifications and replies treat them as
-- statuses; who may read one is its author and the people in direct_recipients, on every door
-- (store.timelines.readable_by is the one rule; the ActivityPub GETs check the signer).
ALTER TABLE posts DROP CONSTRAINT posts_visibility_check;
ALTER TABLE posts ADD CONSTRAINT posts_visibility_check
    CHECK (visibility IN ('public', 'unlisted', 'followers', 'direct'));
COMMENT ON COLUMN posts.visibility IS
    'public: to Public; unlisted: Public in cc only; followers: members only (private communities); direct: only its author and the people in direct_recipients (never in a community, never announced).';

-- The people a direct message is addressed to (its `to`), besides its author. Only they, and
-- the author, may read it.
CREATE TABLE direct_recipients (
    post_id   bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    PRIMARY KEY (post_id, actor_id)
);
CREATE INDEX direct_recipients_actor ON direct_recipients (actor_id, post_id DESC);

-- A local person's conversations (Mastodon's Conversation entity): one row per (person,
-- thread of direct messages), the thread named by its first message.
CREATE TABLE direct_conversations (
    actor_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    root_id       bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- The newest message of the thread this person may read.
    last_post_id  bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- true: a message arrived since the person last read the conversation.
    unread        boolean NOT NULL DEFAULT false,
    -- true: the person removed it from their list (DELETE /api/v1/conversations/:id); a new
    -- message brings it back, as on Mastodon.
    hidden        boolean NOT NULL DEFAULT false,
    PRIMARY KEY (actor_id, root_id)
);
CREATE INDEX direct_conversations_recent ON direct_conversations (actor_id, last_post_id DESC)
    WHERE NOT hidden;

-- The activities (Create, Delete) that carry a direct message: GET /activities/N serves them to
-- the message's author and recipients only.
CREATE TABLE direct_activities (
    activity_uri  text PRIMARY KEY,
    post_id       bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE
);

-- Messages a community sent its members privately: a facilitator's check-in, or the welcome a
-- new member gets when their join is accepted. Shown to facilitators so nobody checks in twice
-- by accident; a member is welcomed once per community.
CREATE TABLE community_messages (
    id            bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    community_id  bigint NOT NULL REFERENCES communities (actor_id) ON DELETE CASCADE,
    member_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- 'checkin': a facilitator wrote to the member (/c/NAME/checkins/new);
    -- 'welcome': the community's welcome message, sent when the member's join was accepted.
    kind          text NOT NULL CHECK (kind IN ('checkin', 'welcome')),
    -- The facilitator it was sent by (the author of the direct message).
    sent_by       bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id       bigint REFERENCES posts (id) ON DELETE SET NULL,
    sent_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX community_messages_member ON community_messages (community_id, member_id, sent_at DESC);
CREATE UNIQUE INDEX community_messages_one_welcome ON community_messages (community_id, member_id)
    WHERE kind = 'welcome';

-- A community's welcome message (Markdown), sent privately to every new member by the
-- facilitator who wrote it (welcome_author_id); NULL: no welcome message.
ALTER TABLE communities ADD COLUMN welcome_message text;
ALTER TABLE communities ADD COLUMN welcome_author_id bigint REFERENCES actors (id) ON DELETE SET NULL;
COMMENT ON COLUMN communities.welcome_message IS
    'Markdown sent as a direct message to each member whose join is accepted; NULL for none.';
COMMENT ON COLUMN communities.welcome_author_id IS
    'The facilitator who wrote the welcome message: it is sent in their name.';
