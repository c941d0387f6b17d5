-- People using fedcop in a browser: sessions, registration, profiles.

-- The node's own settings, changed by its admins.
-- Signs session cookies; made once, on first start, by fedcop (32 random bytes, hex).
ALTER TABLE node ADD COLUMN session_secret text;
ALTER TABLE node ADD COLUMN organisation text NOT NULL DEFAULT '';
ALTER TABLE node ADD COLUMN description text NOT NULL DEFAULT '';
-- How people get an account: 'closed' (admins create them), 'open', 'approval' (an admin
-- approves each registration), 'invitation' (a code from an existing member).
ALTER TABLE node ADD COLUMN registrations text NOT NULL DEFAULT 'closed'
    CHECK (registrations IN ('closed', 'open', 'approval', 'invitation'));

-- 'active'; 'pending' until an admin approves the registration; 'suspended' by an admin.
ALTER TABLE users ADD COLUMN state text NOT NULL DEFAULT 'active'
    CHECK (state IN ('active', 'pending', 'suspended'));
-- Raised on every password change: sessions made before it are no longer valid.
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 1;
-- The profile a community of practice cares about.
ALTER TABLE users ADD COLUMN organisation text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN sector text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN job_role text NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN expertise text[] NOT NULL DEFAULT '{}';

CREATE TABLE invitations (
    code        text PRIMARY KEY,
    created_by  bigint REFERENCES actors (id) ON DELETE CASCADE,
    used_by     bigint REFERENCES actors (id) ON DELETE SET NULL,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Failed logins, to slow guessing down (by account name and by address).
CREATE TABLE login_failures (
    key        text NOT NULL,
    failed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_key ON login_failures (key, failed_at);
