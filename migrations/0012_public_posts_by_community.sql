-- The public local timeline reads each local community's newest public posts. Through
-- posts_community_recent, a private community (whose posts are members-only) is walked to its
-- first post before the scan finds that none is public: every request read all of those posts
-- (bench/api.py: ~25 ms of a 200,000-post node's ~26 ms query). Public posts by community stop
-- at once where there are none.
CREATE INDEX posts_community_public ON posts (community_id, id DESC) WHERE visibility = 'public';
