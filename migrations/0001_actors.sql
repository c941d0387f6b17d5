-- Actors: the people, communities and the instance actor of this node, and (later) the remote
-- actors it has met. Local and remote actors share one table so that follows, posts and keys can
-- point at either without caring where the actor lives.

-- Time-sortable 64-bit ids: milliseconds since the Unix epoch in the high bits, a counter in the
-- low 16, so ids made in the same millisecond still order by creation. They read well as strings
-- in the Mastodon client API.
CREATE SEQUENCE fedcop_id_counter;
CREATE FUNCTION fedcop_next_id() RETURNS bigint
LANGUAGE sql VOLATILE AS $$
    SELECT (floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint << 16)
         | (nextval('fedcop_id_counter') % 65536)
$$;

CREATE TABLE actors (
    id               bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- The ActivityPub id (an absolute URL). For local actors it is derived from the base URL.
    uri              text NOT NULL UNIQUE,
    -- 'Person' (a user), 'Group' (a community), 'Application' (this node's instance actor);
    -- remote actors may also be 'Service' or 'Organization'.
    actor_type       text NOT NULL
                     CHECK (actor_type IN ('Person', 'Group', 'Application', 'Service', 'Organization')),
    username         text NOT NULL,
    -- NULL for actors hosted on this node; the remote host (e.g. 'lemmy.example') otherwise.
    domain           text,
    display_name     text NOT NULL DEFAULT '',
    summary          text NOT NULL DEFAULT '',
    inbox_url        text,
    shared_inbox_url text,
    outbox_url       text,
    followers_url    text,
    public_key_id    text NOT NULL,
    public_key_pem   text NOT NULL,
    -- Only local actors have a private key. It is never served.
    private_key_pem  text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK ((domain IS NULL) = (private_key_pem IS NOT NULL))
);

-- Users and communities share one namespace on this node: 'acct:name@domain' names exactly one
-- local actor. Other servers may give a user and a community the same name (Lemmy does), so
-- remote names are looked up, not unique.
CREATE UNIQUE INDEX actors_local_username ON actors (lower(username)) WHERE domain IS NULL;
CREATE INDEX actors_remote_username ON actors (lower(username), domain) WHERE domain IS NOT NULL;

CREATE TABLE users (
    actor_id       bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    -- scrypt, as 'scrypt$n$r$p$salt_b64$hash_b64'.
    password_hash  text NOT NULL,
    -- Node administrators manage the node itself (settings, domain blocks, any community).
    is_admin       boolean NOT NULL DEFAULT false,
    -- Last time the user did something signed in; NULL until then. Feeds NodeInfo's activity counts.
    last_active_at timestamptz
);

CREATE TABLE communities (
    actor_id                   bigint PRIMARY KEY REFERENCES actors (id) ON DELETE CASCADE,
    -- When true only facilitators may start threads (announcement-style communities).
    posting_restricted_to_mods boolean NOT NULL DEFAULT false,
    -- When true a facilitator approves each join (Follow) by hand; otherwise joins are automatic.
    manually_approves_followers boolean NOT NULL DEFAULT false
);

-- Who cultivates a community. Facilitators are the Group's moderators on the wire
-- (its `attributedTo` collection).
CREATE TABLE community_facilitators (
    community_id bigint NOT NULL REFERENCES communities (actor_id) ON DELETE CASCADE,
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    added_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (community_id, actor_id)
);
CREATE INDEX community_facilitators_actor ON community_facilitators (actor_id);
