-- The counts the client API shows on every account (followers, following, statuses, last status),
-- kept as they change instead of counted for each author of each page on each request (that was
-- 0.4-0.5 ms per author: up to 299 authors on a thread's context).
--
-- Definitions (as account_facts.counts_of counted them before):
--   followers       follows of the actor in state 'accepted'
--   following       follows by the actor in state 'accepted'
--   statuses        a person's posts neither deleted nor removed; for a Group also the threads in
--                   it neither deleted nor removed (a post counts once even if both apply)
--   last_status_at  the newest `published` among the actor's posts not deleted (removed ones
--                   count: the author did post then)
--
-- Maintained by the triggers below on follows, posts and actors. A separate narrow table rather
-- than columns on `actors`: a counter update then writes a ~60-byte row (HOT, fillfactor leaves
-- room) instead of a new version of the wide actor row with its keys, and never waits on or
-- blocks a transaction refreshing the actor itself.
--
-- Contention: the only rows several writers share are a community's (followers on each join, statuses
-- on each new thread). Every write path updates them inside short per-activity transactions
-- (one inbox activity, one client request), so the row lock is held for a few milliseconds:
-- the same order of cost as posts.reply_count, which every reply already bumps on its thread's
-- row, and replies (by far the most frequent write) do not touch the community's row at all.
-- When one statement changes two actors' counters, the lower actor id is updated first so that
-- two such statements cannot deadlock each other.
--
-- An actor without a row counts zero: rows are created by the first increment (upsert);
-- decrements only update (a row cannot need a decrement before an increment, and while an actor
-- is being deleted its row may already be gone with it).

CREATE TABLE actor_counts (
    actor_id       bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    followers      integer NOT NULL DEFAULT 0,
    following      integer NOT NULL DEFAULT 0,
    statuses       integer NOT NULL DEFAULT 0,
    last_status_at timestamptz
) WITH (fillfactor = 70);

-- Add to one actor's counters. `came` is the `published` of a post that became not-deleted (or
-- was written), `went` of one that became deleted or was erased: if it was the newest,
-- last_status_at is looked up again (posts_author; only then, and only for that author).
CREATE FUNCTION fedcop_count_change(
    actor bigint, d_followers integer, d_following integer, d_statuses integer,
    came timestamptz, went timestamptz
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d_followers >= 0 AND d_following >= 0 AND d_statuses >= 0 AND went IS NULL THEN
        INSERT INTO actor_counts AS c (actor_id, followers, following, statuses, last_status_at)
        VALUES (actor, d_followers, d_following, d_statuses, came)
        ON CONFLICT (actor_id) DO UPDATE
        SET followers = c.followers + d_followers,
            following = c.following + d_following,
            statuses = c.statuses + d_statuses,
            last_status_at = greatest(c.last_status_at, came);
    ELSE
        UPDATE actor_counts c
        SET followers = c.followers + d_followers,
            following = c.following + d_following,
            statuses = c.statuses + d_statuses,
            last_status_at = CASE
                WHEN went >= c.last_status_at THEN
                    (SELECT max(p.published) FROM posts p
                     WHERE p.author_id = actor AND p.deleted_at IS NULL)
                ELSE greatest(c.last_status_at, came)
            END
        WHERE c.actor_id = actor;
    END IF;
END;
$$;

CREATE FUNCTION fedcop_follows_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP <> 'INSERT' AND OLD.state = 'accepted';
    is_now boolean := TG_OP <> 'DELETE' AND NEW.state = 'accepted';
    d integer := is_now::integer - was::integer;
    follower bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.follower_id ELSE NEW.follower_id END;
    followed bigint := CASE WHEN TG_OP = 'DELETE' THEN OLD.followed_id ELSE NEW.followed_id END;
BEGIN
    IF d = 0 THEN
        RETURN NULL;
    END IF;
    IF follower <= followed THEN
        PERFORM fedcop_count_change(follower, 0, d, 0, NULL, NULL);
        PERFORM fedcop_count_change(followed, d, 0, 0, NULL, NULL);
    ELSE
        PERFORM fedcop_count_change(followed, d, 0, 0, NULL, NULL);
        PERFORM fedcop_count_change(follower, 0, d, 0, NULL, NULL);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER follows_counted_insert AFTER INSERT ON follows
    FOR EACH ROW WHEN (NEW.state = 'accepted') EXECUTE FUNCTION fedcop_follows_counted();
CREATE TRIGGER follows_counted_update AFTER UPDATE OF state ON follows
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION fedcop_follows_counted();
CREATE TRIGGER follows_counted_delete AFTER DELETE ON follows
    FOR EACH ROW WHEN (OLD.state = 'accepted') EXECUTE FUNCTION fedcop_follows_counted();

-- A post's author, community, thread and `published` are never changed once written; only
-- deleted_at and removed_at are (and rows are erased, mostly by cascades).
CREATE FUNCTION fedcop_posts_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p posts := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    shown_before boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL AND OLD.removed_at IS NULL;
    shown_now boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL AND NEW.removed_at IS NULL;
    kept_before boolean := TG_OP <> 'INSERT' AND OLD.deleted_at IS NULL;
    kept_now boolean := TG_OP <> 'DELETE' AND NEW.deleted_at IS NULL;
    d integer := shown_now::integer - shown_before::integer;
    came timestamptz := CASE WHEN kept_now AND NOT kept_before THEN p.published END;
    went timestamptz := CASE WHEN kept_before AND NOT kept_now THEN p.published END;
    community bigint;
BEGIN
    IF d <> 0 AND p.thread_id IS NULL AND p.community_id <> p.author_id THEN
        SELECT a.id INTO community FROM actors a
        WHERE a.id = p.community_id AND a.actor_type = 'Group';
    END IF;
    IF community IS NOT NULL AND community < p.author_id THEN
        PERFORM fedcop_count_change(community, 0, 0, d, NULL, NULL);
    END IF;
    IF d <> 0 OR came IS NOT NULL OR went IS NOT NULL THEN
        PERFORM fedcop_count_change(p.author_id, 0, 0, d, came, went);
    END IF;
    IF community IS NOT NULL AND community > p.author_id THEN
        PERFORM fedcop_count_change(community, 0, 0, d, NULL, NULL);
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER posts_counted_insert AFTER INSERT ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_posts_counted();
CREATE TRIGGER posts_counted_update AFTER UPDATE OF deleted_at, removed_at ON posts
    FOR EACH ROW WHEN ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
                       OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL))
    EXECUTE FUNCTION fedcop_posts_counted();
CREATE TRIGGER posts_counted_delete AFTER DELETE ON posts
    FOR EACH ROW EXECUTE FUNCTION fedcop_posts_counted();

-- A remote actor's refresh may change its type: whether it is a Group decides whether the
-- threads in it count as its statuses, so they are counted again (rare: only on such a change).
CREATE FUNCTION fedcop_actor_type_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO actor_counts AS c (actor_id, statuses)
    SELECT NEW.id, count(*) FROM posts p
    WHERE (p.author_id = NEW.id
           OR (NEW.actor_type = 'Group' AND p.community_id = NEW.id AND p.thread_id IS NULL))
      AND p.deleted_at IS NULL AND p.removed_at IS NULL
    ON CONFLICT (actor_id) DO UPDATE SET statuses = excluded.statuses;
    RETURN NULL;
END;
$$;

CREATE TRIGGER actors_type_counted AFTER UPDATE OF actor_type ON actors
    FOR EACH ROW WHEN (OLD.actor_type IS DISTINCT FROM NEW.actor_type)
    EXECUTE FUNCTION fedcop_actor_type_counted();

-- What the triggers would have kept, for the rows already here (one pass over each table).
INSERT INTO actor_counts (actor_id, followers, following, statuses, last_status_at)
SELECT a.id,
       coalesce(followers.n, 0),
       coalesce(following.n, 0),
       coalesce(written.shown, 0) + CASE WHEN a.actor_type = 'Group'
                                         THEN coalesce(threads.n, 0) ELSE 0 END,
       written.newest
FROM actors a
LEFT JOIN (SELECT followed_id AS id, count(*) AS n FROM follows
           WHERE state = 'accepted' GROUP BY followed_id) followers ON followers.id = a.id
LEFT JOIN (SELECT follower_id AS id, count(*) AS n FROM follows
           WHERE state = 'accepted' GROUP BY follower_id) following ON following.id = a.id
LEFT JOIN (SELECT author_id AS id, count(*) FILTER (WHERE removed_at IS NULL) AS shown,
                  max(published) AS newest
           FROM posts WHERE deleted_at IS NULL GROUP BY author_id) written ON written.id = a.id
-- A Group's own threads in itself are counted once, as its writing.
LEFT JOIN (SELECT community_id AS id, count(*) AS n FROM posts
           WHERE thread_id IS NULL AND community_id <> author_id
             AND deleted_at IS NULL AND removed_at IS NULL
           GROUP BY community_id) threads ON threads.id = a.id;
