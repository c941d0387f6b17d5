-- Facilitation and moderation of communities. Facilitators may live on any node.

-- Pinned threads: a community's `featured` collection.
CREATE TABLE community_pins (
    community_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id      bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    pinned_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, post_id)
);

-- Members banned from a community (Block with the community as target). expires_at NULL means
-- until lifted; a ban past its expiry no longer counts.
CREATE TABLE community_bans (
    community_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    banned_by    bigint REFERENCES actors (id) ON DELETE SET NULL,
    reason       text NOT NULL DEFAULT '',
    expires_at   timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, actor_id)
);

-- Reports (Flag) about posts or members of a community.
CREATE TABLE reports (
    id            bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    activity_uri  text NOT NULL UNIQUE,
    community_id  bigint REFERENCES actors (id) ON DELETE CASCADE,
    reporter_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- What is reported: post and actor ids, as sent.
    targets       text[] NOT NULL,
    reason        text NOT NULL DEFAULT '',
    -- 'open' until a facilitator closes it.
    state         text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX reports_community ON reports (community_id, state, id DESC);

-- Every facilitation action, for the community's moderation log.
CREATE TABLE moderation_log (
    id            bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    community_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    moderator_id  bigint REFERENCES actors (id) ON DELETE SET NULL,
    -- 'lock', 'unlock', 'remove', 'pin', 'unpin', 'ban', 'unban', 'add_facilitator',
    -- 'remove_facilitator'
    action        text NOT NULL,
    target_uri    text NOT NULL,
    reason        text NOT NULL DEFAULT '',
    -- The activity that carried it (Lock, Block, ...): an Undo names it.
    activity_uri  text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_log_community ON moderation_log (community_id, id DESC);
CREATE INDEX moderation_log_target ON moderation_log (community_id, target_uri, action);
