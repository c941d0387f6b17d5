-- Posts in a private community are its members': before fedcop stored posts arriving there by
-- the community's rule, a member's server could have them stored as public (a Mastodon member
-- addresses a post to everyone). Every read already applies the community's rule; this makes
-- the stored visibility say the same, so apps are shown "private" for them.
UPDATE posts p SET visibility = 'followers'
FROM communities c
WHERE c.actor_id = p.community_id AND c.private AND p.visibility <> 'followers';
