-- Timelines of the client API page through a community's posts (threads and replies) by id:
-- the home timeline reads each joined community's newest posts, the public local timeline each
-- local community's, and a community account its threads. Without this index each of them
-- walks the whole posts table backwards.
CREATE INDEX posts_community_recent ON posts (community_id, id DESC);
