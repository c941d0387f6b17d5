-- Private communities: only members read them. Their posts are addressed to the members
-- (the Group's followers), never to the public, and are served only to signed requests from
-- servers that have a member.
ALTER TABLE communities ADD COLUMN private boolean NOT NULL DEFAULT false;

-- The community whose members alone may read a published activity (a private community's
-- posts and relays); NULL for public activities, which anyone may fetch.
ALTER TABLE outbound_activities
    ADD COLUMN members_of bigint REFERENCES actors (id) ON DELETE CASCADE;

-- Whether a remote actor approves its followers by hand. A remote community that does is
-- treated as private when members here post into it: their posts go to its members only.
ALTER TABLE actors ADD COLUMN manually_approves_followers boolean NOT NULL DEFAULT false;
