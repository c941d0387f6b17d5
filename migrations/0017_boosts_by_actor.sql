-- Timelines show boosts: the home timeline each followed person's newest boosts (and the
-- user's own), an account's statuses that person's. Each is read newest first by booster and
-- cut to a page, like posts by author; without this index every request would read all of a
-- person's boosts (boosts_actor_id_post_id_key is ordered by post, not by boost) and sort them.
CREATE INDEX boosts_actor_recent ON boosts (actor_id, id DESC);
