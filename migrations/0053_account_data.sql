-- A member's own data: deleting their account, and the follows they import from a Mastodon CSV.

-- 'deleted': the member (or an administrator) deleted the account. The row and its actor stay,
-- so that the name is never given to someone else (as Mastodon reserves it) and the actor's key
-- signs the Delete still waiting to be delivered; nobody signs in to it again, its sessions and
-- tokens are ended, its actor is served as gone (410).
ALTER TABLE users DROP CONSTRAINT users_state_check;
ALTER TABLE users ADD CONSTRAINT users_state_check
    CHECK (state IN ('active', 'pending', 'suspended', 'deleted'));
-- When the account was deleted; NULL for every other state.
ALTER TABLE users ADD COLUMN deleted_at timestamptz;
COMMENT ON COLUMN users.deleted_at IS 'When the account was deleted (state deleted), else NULL.';

-- One row per account address of an imported follows CSV (Mastodon's "Account address,Show
-- boosts,Notify on new posts,Languages"). The inbox worker resolves each address (WebFinger,
-- then the actor) and follows it through the ordinary follow path: never in the request.
CREATE TABLE follow_imports (
    id           bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- Who imported the list: their follows are made.
    actor_id     bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The address as written in the file, made lower case: name@host.
    address      text NOT NULL CHECK (address <> ''),
    -- pending: not yet resolved; followed: the Follow (or join) was sent; failed: see reason.
    state        text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'followed', 'failed')),
    -- Why the address could not be followed (shown on the result page); NULL otherwise.
    reason       text,
    attempts     integer NOT NULL DEFAULT 0,
    -- A claimed row is leased until then, so that two workers never resolve it at once.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    UNIQUE (actor_id, address)
);
COMMENT ON TABLE follow_imports IS
    'Accounts named in an imported follows CSV, resolved and followed by the inbox worker.';
COMMENT ON COLUMN follow_imports.state IS
    'pending: waiting for the worker; followed: Follow sent (or community joined); '
    'failed: not followed, reason says why.';
CREATE INDEX follow_imports_due ON follow_imports (next_attempt_at) WHERE state = 'pending';

-- A member here moving to an account elsewhere. The new account must list this one in its
-- alsoKnownAs (checked before the Move is sent); this one lists its other accounts here, served
-- as its own alsoKnownAs (Mastodon's aliases), so that a move towards it can be believed.
CREATE TABLE account_aliases (
    actor_id   bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The other account's ActivityPub id, as fetched when the alias was added.
    alias_uri  text NOT NULL CHECK (alias_uri <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor_id, alias_uri)
);
COMMENT ON TABLE account_aliases IS
    'The accounts elsewhere a member here says are also theirs: their actor''s alsoKnownAs.';
-- The account the member moved to (their actor's movedTo); NULL while they have not moved.
ALTER TABLE users ADD COLUMN moved_to text;
COMMENT ON COLUMN users.moved_to IS
    'The ActivityPub id of the account this member moved to (movedTo); NULL if not moved.';
