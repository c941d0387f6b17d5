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

-- The picture an actor elsewhere states as its `icon`, shown here only through the media proxy
-- (fedcop/services/media/proxy.py, GET /media/proxy/TOKEN), so a visitor's browser never asks
-- the actor's server, and the proxy fetches only what an actor kept here names (it is no open
-- proxy). Kept when the actor's document is (fetched or refreshed); gone with the icon.
CREATE TABLE remote_actor_icons (
    -- the actor elsewhere
    actor_id  bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    -- its icon's address, as its document states it (http(s), at most 2048 characters)
    url       text NOT NULL,
    -- the proxy token it is shown through; a new address gets a new token (and so a new fetch)
    proxy     text NOT NULL UNIQUE
);
