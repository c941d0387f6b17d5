-- Facilitators of communities on other nodes, and what a report says about itself.

-- community_facilitators also holds the facilitators of a remote community, as this node last
-- learned them: from its moderators collection (the Group's `attributedTo`, read when a member
-- here joins it and when its actor is refreshed) and from the `Announce(Add|Remove)` of a
-- person to or from that collection. Such rows decide only what this node shows (the
-- Facilitate controls of a member here who facilitates it); the community's own node decides
-- what its facilitators may do. A remote community has no row in `communities`, so the rows
-- refer to its actor.
ALTER TABLE community_facilitators DROP CONSTRAINT community_facilitators_community_id_fkey;
ALTER TABLE community_facilitators ADD CONSTRAINT community_facilitators_community_id_fkey
    FOREIGN KEY (community_id) REFERENCES actors (id) ON DELETE CASCADE;

-- What kind of report it is, as the client API names it: 'spam', 'legal', 'violation' or
-- 'other' (the default, and what a Flag from another server is).
ALTER TABLE reports ADD COLUMN category text NOT NULL DEFAULT 'other'
    CHECK (category IN ('spam', 'legal', 'violation', 'other'));
-- True when a report made here was also sent to the reported person's own server.
ALTER TABLE reports ADD COLUMN forwarded boolean NOT NULL DEFAULT false;
