-- Hashtags in use, so that the hashtag search (/api/v2/search) is an index lookup by prefix
-- instead of `SELECT DISTINCT unnest(tags)` over every tagged public post on each keystroke
-- (~33 ms on a 200,000-post node, and growing with it).
--
-- `posts` counts the posts anyone may read that carry the tag, by the search's definition (as
-- tag_search.tags_starting_with read posts before): not deleted, not removed, public or
-- unlisted, and not in a private community here; a post counts once per tag. A tag is in use
-- while it is above zero. Rows that fall to zero are kept (a tag tends to come back, and never
-- deleting rows means an increment never races a delete); the search skips them.
--
-- Kept by triggers on posts, whatever writes them: post_extras.set_tags (a post written here,
-- received, edited or updated), deletion and moderators' removal, rows erased by cascades, and
-- rows inserted with their tags (a bulk COPY: counted once per statement through its
-- transition table, not once per row). A post's community never changes and a community's
-- `private` is set when it is made, so neither needs a trigger of its own.
--
-- `name` is compared byte-wise (COLLATE "C"): its primary key then serves a prefix as a range
-- whatever the database's locale, also in a generic (prepared) plan, which LIKE cannot.
--
-- Contention: a popular tag's row is updated by every readable post that takes or drops it,
-- inside the short per-activity transaction that does so (the same kind of cost as a thread's
-- reply_count). Rows are always updated in name order, so two posts with the same tags cannot
-- deadlock each other.

CREATE TABLE hashtags (
    name  text COLLATE "C" PRIMARY KEY,
    posts integer NOT NULL DEFAULT 0
) WITH (fillfactor = 70);

-- The tags of a post as the search counts them: none unless anyone may read it.
CREATE FUNCTION fedcop_counted_tags(p posts) RETURNS text[] LANGUAGE sql STABLE AS $$
    SELECT CASE
        WHEN p.tags <> '{}' AND p.deleted_at IS NULL AND p.removed_at IS NULL
             AND p.visibility IN ('public', 'unlisted')
             AND NOT EXISTS (SELECT 1 FROM communities c
                             WHERE c.actor_id = p.community_id AND c.private)
        THEN p.tags
        ELSE '{}'::text[]
    END
$$;

-- One post changed (its tags, whether it is shown, or it was erased): each tag it gained or
-- lost as counted moves by one.
CREATE FUNCTION fedcop_post_tags_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    before text[] := CASE WHEN TG_OP = 'UPDATE' OR TG_OP = 'DELETE'
                          THEN fedcop_counted_tags(OLD) ELSE '{}' END;
    after text[] := CASE WHEN TG_OP = 'UPDATE' THEN fedcop_counted_tags(NEW) ELSE '{}' END;
BEGIN
    IF before = after THEN
        RETURN NULL;
    END IF;
    INSERT INTO hashtags AS h (name, posts)
    SELECT tag, sum(d)::integer FROM (
        SELECT DISTINCT unnest(before) AS tag, -1 AS d
        UNION ALL
        SELECT DISTINCT unnest(after) AS tag, 1 AS d
    ) moved
    GROUP BY tag HAVING sum(d) <> 0
    ORDER BY tag
    ON CONFLICT (name) DO UPDATE SET posts = h.posts + excluded.posts;
    RETURN NULL;
END;
$$;

CREATE TRIGGER posts_tags_counted_update AFTER UPDATE OF tags, deleted_at, removed_at, visibility
    ON posts FOR EACH ROW
    WHEN (OLD.tags IS DISTINCT FROM NEW.tags
          OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
          OR (OLD.removed_at IS NULL) <> (NEW.removed_at IS NULL)
          OR OLD.visibility IS DISTINCT FROM NEW.visibility)
    EXECUTE FUNCTION fedcop_post_tags_counted();
CREATE TRIGGER posts_tags_counted_delete AFTER DELETE ON posts
    FOR EACH ROW WHEN (OLD.tags <> '{}')
    EXECUTE FUNCTION fedcop_post_tags_counted();

-- Posts inserted: written here and received posts get their tags afterwards (set_tags, an
-- update), so this usually finds nothing; a bulk insert with tags is counted in one statement.
CREATE FUNCTION fedcop_new_posts_tags_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hashtags AS h (name, posts)
    SELECT tag, count(*)::integer FROM (
        SELECT DISTINCT n.id, unnest(fedcop_counted_tags(n)) AS tag
        FROM new_posts n WHERE n.tags <> '{}'
    ) tagged
    GROUP BY tag
    ORDER BY tag
    ON CONFLICT (name) DO UPDATE SET posts = h.posts + excluded.posts;
    RETURN NULL;
END;
$$;

CREATE TRIGGER posts_tags_counted_insert AFTER INSERT ON posts
    REFERENCING NEW TABLE AS new_posts
    FOR EACH STATEMENT EXECUTE FUNCTION fedcop_new_posts_tags_counted();

-- The tags of the posts already stored.
INSERT INTO hashtags (name, posts)
SELECT tag, count(*)::integer FROM (
    SELECT DISTINCT p.id, unnest(fedcop_counted_tags(p)) AS tag
    FROM posts p WHERE p.tags <> '{}'
) tagged
GROUP BY tag;
