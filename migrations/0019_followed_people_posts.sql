-- Posts outside any community: the public and unlisted posts of people that members here
-- follow (and the replies under them), kept so that the home timeline and the person's
-- profile show them, as Mastodon shows the posts of the accounts one follows.
--
-- posts.community_id is NULL for them. Every read that applies a community's rule (private
-- communities, bans, pins, facilitators) finds no community and applies none: such a post is
-- readable by its visibility alone. Only 'public' and 'unlisted' posts are kept without a
-- community (services.followed_posts): a followers-only or direct post of a person is not
-- kept, and the inbound row records why.
ALTER TABLE posts ALTER COLUMN community_id DROP NOT NULL;
COMMENT ON COLUMN posts.community_id IS
    'The community (a Group, local or remote) the post belongs to; NULL for a post of a person '
    'followed here that belongs to no community (public or unlisted only).';

-- Why an inbound activity ended as it did when nothing was changed: 'ignored' (not for this
-- node, already known, about something we do not have...) or 'rejected' (refused). A short
-- sentence for the operator (shown on /admin); NULL for 'done'. last_error keeps the error of
-- the latest failed attempt.
ALTER TABLE inbound_activities ADD COLUMN reason text;
COMMENT ON COLUMN inbound_activities.reason IS
    'Why the activity was ignored or rejected (a short sentence); NULL when it was handled.';
-- The admin page lists the latest ignored activities with their reason.
CREATE INDEX inbound_activities_ignored ON inbound_activities (finished_at DESC)
    WHERE state = 'ignored';
