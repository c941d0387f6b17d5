-- The Mastodon client API: apps and their tokens, notifications, bookmarks, boosts, read markers,
-- hashtags on posts, and the idempotency keys of posts written through the API.

-- Client applications registered with POST /api/v1/apps.
CREATE TABLE oauth_apps (
    id            bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    client_id     text NOT NULL UNIQUE,
    client_secret text NOT NULL,
    name          text NOT NULL,
    website       text,
    -- Any scheme: apps use custom ones (oauth2redirect://, com.example.app:/cb) and the
    -- out-of-band urn:ietf:wg:oauth:2.0:oob.
    redirect_uris text[] NOT NULL,
    scopes        text[] NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Authorization codes: short-lived, used once. Only their SHA-256 is kept.
CREATE TABLE oauth_codes (
    code_hash             text PRIMARY KEY,
    app_id                bigint NOT NULL REFERENCES oauth_apps (id) ON DELETE CASCADE,
    user_id               bigint NOT NULL REFERENCES users (actor_id) ON DELETE CASCADE,
    redirect_uri          text NOT NULL,
    scopes                text[] NOT NULL,
    -- PKCE (RFC 7636): the S256 challenge the token request's verifier must match.
    code_challenge        text,
    code_challenge_method text,
    expires_at            timestamptz NOT NULL,
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- Bearer tokens. Only their SHA-256 is kept: a copy of the database hands out no access.
CREATE TABLE oauth_tokens (
    id           bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    token_hash   text NOT NULL UNIQUE,
    -- NULL for tokens made by `fedcop admin token`.
    app_id       bigint REFERENCES oauth_apps (id) ON DELETE CASCADE,
    -- NULL for an app's own token (client_credentials): it acts for nobody.
    user_id      bigint REFERENCES users (actor_id) ON DELETE CASCADE,
    scopes       text[] NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    expires_at   timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX oauth_tokens_user ON oauth_tokens (user_id) WHERE user_id IS NOT NULL;

-- What a local user is told about: 'mention' (also replies), 'favourite', 'reblog', 'follow',
-- 'follow_request', 'status', 'update'.
CREATE TABLE notifications (
    id           bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    recipient_id bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    kind         text NOT NULL
                 CHECK (kind IN ('mention', 'status', 'reblog', 'follow', 'follow_request',
                                 'favourite', 'update')),
    from_id      bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id      bigint REFERENCES posts (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now()
);
-- The same event told once (a second delivery of a Like does not notify twice).
CREATE UNIQUE INDEX notifications_once
    ON notifications (recipient_id, kind, from_id, coalesce(post_id, 0));
CREATE INDEX notifications_recipient ON notifications (recipient_id, id DESC);

CREATE TABLE bookmarks (
    id         bigint NOT NULL DEFAULT fedcop_next_id(),
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, post_id)
);
CREATE INDEX bookmarks_actor ON bookmarks (actor_id, id DESC);

-- A boost (Announce) of a post by a person, here or elsewhere.
CREATE TABLE boosts (
    id           bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    post_id      bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    -- The Announce's id, which Undo refers to.
    activity_uri text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (actor_id, post_id)
);
CREATE INDEX boosts_post ON boosts (post_id);

-- Where a user stopped reading ('home' or 'notifications'), shared between their apps.
CREATE TABLE markers (
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    timeline     text NOT NULL CHECK (timeline IN ('home', 'notifications')),
    last_read_id bigint NOT NULL,
    version      integer NOT NULL DEFAULT 1,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, timeline)
);

-- Hashtags (lower case, without '#') of a post, for tag timelines.
ALTER TABLE posts ADD COLUMN tags text[] NOT NULL DEFAULT '{}';
CREATE INDEX posts_tags ON posts USING gin (tags) WHERE tags <> '{}';

-- A client that retries POST /api/v1/statuses with the same Idempotency-Key gets the first
-- post back instead of a second one.
CREATE TABLE api_idempotency (
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    key        text NOT NULL,
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, key)
);
