-- Maintenance: remote work about one actor that the inbox worker does after its batch
-- (workers/inbox.py). Kept in a table, not in a worker's memory, so that a worker killed
-- between recording it and doing it loses nothing, and so that any number of worker processes
-- share it: each row is claimed by one of them (FOR UPDATE SKIP LOCKED, then a lease).
-- A row that succeeds is deleted; one that keeps failing is kept, 'given_up', for operators.
CREATE TABLE maintenance (
    -- 'backfill': a remote community a member here has just joined: read its outbox and keep
    --             its recent threads (services/backfill.py); retried a few times
    -- 'refresh':  a cached remote actor read more than a day ago sent an activity: fetch it
    --             again (services/remote_actors.py); tried once, at most once a day
    kind        text NOT NULL CHECK (kind IN ('backfill', 'refresh')),
    actor_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- 'due':      to be done once due_at has passed
    -- 'given_up': failed as often as its kind allows; for a refresh, also the mark that this
    --             actor was tried today (a refresh is not due again before a day has passed)
    state       text NOT NULL DEFAULT 'due' CHECK (state IN ('due', 'given_up')),
    -- When a worker may claim it. Claiming pushes it one lease ahead, so a worker that dies
    -- mid-way leaves the row to be claimed again when the lease ends.
    due_at      timestamptz NOT NULL DEFAULT now(),
    -- Claims so far (a claim counts as an attempt, so a row that kills its worker ends too).
    attempts    integer NOT NULL DEFAULT 0,
    last_error  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, actor_id)
);
CREATE INDEX maintenance_due ON maintenance (kind, due_at) WHERE state = 'due';
