-- Who a post written here is addressed to besides its community, and the threads started
-- together in several communities.

-- The people a post written here names (`@name`, `@name@host`) or answers (the author of the
-- post it replies to), in the order they were named. Each is a `Mention` tag and in `cc` of
-- the post's document, and their servers receive the Create; kept so that the document served
-- at the post's id, and the Update sent when it is edited, address the same people.
CREATE TABLE post_mentions (
    post_id   bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    actor_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The order in which the post names them (the answered author first).
    position  smallint NOT NULL,
    PRIMARY KEY (post_id, actor_id)
);

-- Threads written here at once in several communities (a cross-post): each row links one of
-- them to the first one written (`first_id`, which has a row of its own pointing at itself),
-- so every thread of the set finds the others.
CREATE TABLE crossposts (
    post_id   bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    first_id  bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE
);
CREATE INDEX crossposts_first ON crossposts (first_id);
