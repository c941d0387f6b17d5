-- The facilitator's view of a community's health (/c/NAME/manage/health): who is active, quiet
-- or lapsed, and how the community does month by month. Everything it shows is computed from
-- posts, votes and follows already stored here; this migration adds the narrow table and the
-- indexes that keep it fast on a community of thousands of members and hundreds of thousands
-- of posts.

-- When each actor was last seen in each community, month by month: one row per (community,
-- actor, month) in which they wrote a thread or a reply, or voted on a post there, with the
-- latest moment of that month. Kept by the triggers below from posts and votes (local and
-- received alike), so "last seen" and "people taking part each month" are index reads, not
-- scans of every post and vote. Rows are only ever added or moved later: a post deleted
-- afterwards was still seen.
CREATE TABLE community_activity (
    community_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The first day of the month (UTC) this row counts.
    month         date NOT NULL,
    -- The latest post, reply or vote by the actor in the community during that month.
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (community_id, actor_id, month)
);
COMMENT ON TABLE community_activity IS
    'Per community, actor and month (UTC): the latest post, reply or vote seen here; kept by triggers on posts and votes.';
COMMENT ON COLUMN community_activity.month IS
    'The first day (UTC) of the month this row counts.';
COMMENT ON COLUMN community_activity.last_seen_at IS
    'The latest moment in that month the actor wrote or voted in the community.';
-- People taking part, month by month.
CREATE INDEX community_activity_months ON community_activity (community_id, month);

-- When each actor was last seen in each community: the latest of their community_activity rows,
-- kept beside them so that a community's members and their last activity are one join.
CREATE TABLE community_last_seen (
    community_id  bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    actor_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The latest post, reply or vote by the actor in the community stored here.
    last_seen_at  timestamptz NOT NULL,
    PRIMARY KEY (community_id, actor_id)
);
COMMENT ON TABLE community_last_seen IS
    'Per community and actor: the latest post, reply or vote seen here; kept by triggers on posts and votes.';
COMMENT ON COLUMN community_last_seen.last_seen_at IS
    'The latest moment the actor wrote or voted in the community, as stored here.';

CREATE FUNCTION fedcop_seen_in_community(community bigint, actor bigint, seen timestamptz)
RETURNS void LANGUAGE sql AS $$
    INSERT INTO community_activity (community_id, actor_id, month, last_seen_at)
    VALUES (community, actor, date_trunc('month', seen AT TIME ZONE 'UTC')::date, seen)
    ON CONFLICT (community_id, actor_id, month)
    DO UPDATE SET last_seen_at = greatest(community_activity.last_seen_at, excluded.last_seen_at)
    WHERE community_activity.last_seen_at < excluded.last_seen_at;
    INSERT INTO community_last_seen (community_id, actor_id, last_seen_at)
    VALUES (community, actor, seen)
    ON CONFLICT (community_id, actor_id)
    DO UPDATE SET last_seen_at = excluded.last_seen_at
    WHERE community_last_seen.last_seen_at < excluded.last_seen_at
$$;

CREATE FUNCTION fedcop_post_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.community_id IS NOT NULL THEN
        PERFORM fedcop_seen_in_community(NEW.community_id, NEW.author_id, NEW.published);
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION fedcop_vote_seen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM fedcop_seen_in_community(p.community_id, NEW.actor_id, NEW.created_at)
    FROM posts p WHERE p.id = NEW.post_id AND p.community_id IS NOT NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER posts_seen_insert AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_post_seen();
-- A post moved to another community, or whose date is corrected, is seen there and then too.
CREATE TRIGGER posts_seen_update AFTER UPDATE OF published, community_id ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_post_seen();
CREATE TRIGGER votes_seen AFTER INSERT ON votes
    FOR EACH ROW EXECUTE FUNCTION fedcop_vote_seen();

-- What is stored already.
INSERT INTO community_activity (community_id, actor_id, month, last_seen_at)
SELECT community_id, actor_id, month, max(seen) FROM (
    SELECT community_id, author_id AS actor_id, published AS seen,
           date_trunc('month', published AT TIME ZONE 'UTC')::date AS month
    FROM posts WHERE community_id IS NOT NULL
    UNION ALL
    SELECT p.community_id, v.actor_id, v.created_at,
           date_trunc('month', v.created_at AT TIME ZONE 'UTC')::date
    FROM votes v JOIN posts p ON p.id = v.post_id WHERE p.community_id IS NOT NULL
) seen
GROUP BY community_id, actor_id, month;
INSERT INTO community_last_seen (community_id, actor_id, last_seen_at)
SELECT community_id, actor_id, max(last_seen_at) FROM community_activity
GROUP BY community_id, actor_id;

-- A question's first answer: the earliest reply in its thread by someone other than the asker,
-- not removed by a facilitator, read in order of writing without visiting the table.
CREATE INDEX posts_thread_published ON posts (thread_id, published) INCLUDE (author_id)
    WHERE thread_id IS NOT NULL AND removed_at IS NULL;

-- A community's questions with what the view counts of them (asker, accepted answer), read
-- without visiting the table.
CREATE INDEX posts_community_question_facts ON posts (community_id, published)
    INCLUDE (id, author_id, accepted_answer_id)
    WHERE is_question AND thread_id IS NULL AND deleted_at IS NULL AND removed_at IS NULL;

-- Threads per week: a community's threads that were not removed, by date.
CREATE INDEX posts_community_kept_threads ON posts (community_id, published)
    WHERE thread_id IS NULL AND removed_at IS NULL;
