-- The picture a person or a community here shows beside its name (its avatar, or a community's
-- icon): an upload through the media service, sent as the actor's `icon`. One row per actor
-- that chose one; an actor without a row shows a picture generated from its name
-- (fedcop/services/avatars.py). Replacing the picture deletes the old upload (its bytes go
-- through media_files_to_delete, as every media row's do).
CREATE TABLE actor_icons (
    -- the person or community here
    actor_id   bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    -- their uploaded picture (a ready image owned by them or, for a community, by the
    -- facilitator who chose it)
    media_id   bigint NOT NULL REFERENCES media (id) ON DELETE CASCADE,
    -- when it was chosen (an actor document's `icon` changes with it)
    chosen_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX actor_icons_media ON actor_icons (media_id);
