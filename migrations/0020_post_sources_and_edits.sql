-- What authors wrote, beside what is shown, and every earlier version of an edited post.

-- The post's text as its author wrote it: Markdown typed here (the web form or a client app),
-- or the `source` of type text/markdown another server sent with it (Lemmy, PieFed, Mbin).
-- NULL when unknown: posts stored before it was kept, and posts sent without a Markdown source.
-- Never shown as it is: `content` (sanitised HTML) is what people see; this is what an edit
-- starts from, and what is sent on as the object's `source`.
ALTER TABLE posts ADD COLUMN source text;

-- A post's earlier versions, one row per edit that changed something: the version the edit
-- replaced, as it was. The current version is the post itself.
CREATE TABLE post_versions (
    id          bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    post_id     bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- The thread's title then (NULL for a reply).
    title       text,
    -- Sanitised HTML, as `posts.content`.
    content     text NOT NULL,
    -- The Markdown it was written in, as `posts.source` (NULL when unknown).
    source      text,
    -- The content warning (sanitised HTML, '' for none), as `posts.summary`.
    summary     text NOT NULL,
    sensitive   boolean NOT NULL,
    -- When this version was written: the post's `published` for the first version, the
    -- `updated` of the edit that made it for later ones.
    written_at  timestamptz NOT NULL,
    -- When the next edit replaced it.
    replaced_at timestamptz NOT NULL DEFAULT now()
);
-- A post's history, oldest first.
CREATE INDEX post_versions_post ON post_versions (post_id, written_at, id);
