-- Browser sessions kept on the server, so that signing out ends a session for good.
-- The session cookie (signed with the node's secret) carries a random token; this table keeps
-- its SHA-256, never the token. A cookie whose row is gone opens nothing, even a copy taken
-- before signing out. A row is deleted when its browser signs out; all of an account's rows
-- when it ends every session, changes or is given a new password, or is suspended; and any
-- row once older than a session may live (30 days, the cookie's own lifetime).
CREATE TABLE web_sessions (
    token_hash  bytea PRIMARY KEY,
    actor_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX web_sessions_actor ON web_sessions (actor_id);

-- Failed password checks, now counted per (account, address) and per address, never per account
-- alone (which let anyone lock anyone out). Keys:
--   'pair:<lower-cased name> <address>'  one account from one address (an IPv6 address is its /64)
--   'address:<address>'                  every account from one address
-- An attempt is written here before its password is checked and removed if it matched, so
-- attempts made in parallel count as the failures they mostly are. Rows of the old
-- 'name:<name>' form are no longer read and expire with the rest after a day.
COMMENT ON TABLE login_failures IS 'failed (or still running) password checks, by throttle key';

-- Keys fedcop refused when it fetched them (RSA under 1024 or over 8192 bits, not RSA, not a
-- PEM key: federation/keys.py), with the reason. Further requests signed with one are answered
-- 401 at the inbox at once, rather than queued and the key fetched again. A row is deleted when
-- the actor is fetched again with an acceptable key, and is no longer read after a day (the
-- actor may have changed its key in the meantime).
CREATE TABLE refused_keys (
    key_id      text PRIMARY KEY,
    reason      text NOT NULL,
    refused_at  timestamptz NOT NULL DEFAULT now()
);
