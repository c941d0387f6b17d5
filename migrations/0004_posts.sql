-- Posts in communities: threads (with a title) and the replies under them, from any server.

CREATE TABLE posts (
    id               bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- The object's ActivityPub id. Local posts live at {base}/p/{id}.
    uri              text NOT NULL UNIQUE,
    -- The community (a Group, local or remote) the post belongs to.
    community_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    author_id        bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- NULL for a thread; otherwise the thread it belongs to and the post it answers.
    thread_id        bigint REFERENCES posts (id) ON DELETE CASCADE,
    parent_id        bigint REFERENCES posts (id) ON DELETE SET NULL,
    in_reply_to_uri  text,
    -- The ActivityStreams type it arrived as or is served as: 'Page', 'Article', 'Note',
    -- 'Question', 'Event', 'Video', ...
    object_type      text NOT NULL,
    -- Threads have a title; replies do not.
    title            text,
    -- Sanitised HTML.
    content          text NOT NULL DEFAULT '',
    summary          text NOT NULL DEFAULT '',
    url              text,
    -- [{"type", "url", "mediaType", "name"}], links and attachments as sent.
    attachments      jsonb NOT NULL DEFAULT '[]',
    sensitive        boolean NOT NULL DEFAULT false,
    -- 'public': to Public; 'unlisted': Public in cc only; 'followers': members only
    -- (private communities).
    visibility       text NOT NULL DEFAULT 'public'
                     CHECK (visibility IN ('public', 'unlisted', 'followers')),
    -- The id of the Create that brought it (ours or the author's server's): relays wrap it.
    create_uri       text,
    published        timestamptz NOT NULL DEFAULT now(),
    updated          timestamptz,
    -- Set when the author deletes it (served as a Tombstone afterwards).
    deleted_at       timestamptz,
    -- Set when a facilitator removes it; removed posts are hidden but kept for the log.
    removed_at       timestamptz,
    -- A locked thread takes no new replies.
    locked           boolean NOT NULL DEFAULT false,
    like_count       integer NOT NULL DEFAULT 0,
    dislike_count    integer NOT NULL DEFAULT 0,
    reply_count      integer NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now()
);
-- A community's threads, newest first (its outbox and front page), by when they were written.
CREATE INDEX posts_community_threads ON posts (community_id, published DESC, id DESC)
    WHERE thread_id IS NULL;
-- A thread's replies in order.
CREATE INDEX posts_thread ON posts (thread_id, id) WHERE thread_id IS NOT NULL;
CREATE INDEX posts_parent ON posts (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX posts_author ON posts (author_id, id DESC);
CREATE INDEX posts_create_uri ON posts (create_uri) WHERE create_uri IS NOT NULL;

-- One vote per actor per post.
CREATE TABLE votes (
    post_id      bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- 'like' or 'dislike'.
    kind         text NOT NULL CHECK (kind IN ('like', 'dislike')),
    -- The Like/Dislike activity's id, which Undo refers to.
    activity_uri text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, actor_id)
);
CREATE INDEX votes_activity ON votes (activity_uri);

-- What software a server runs (from its NodeInfo), to know how to reach its users: microblog
-- servers get top-level posts announced as objects they show in full.
ALTER TABLE hosts ADD COLUMN software text;
ALTER TABLE hosts ADD COLUMN software_checked_at timestamptz;
