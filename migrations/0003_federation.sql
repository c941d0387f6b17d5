-- Federation: the durable inbound and outbound queues, follows, and what we know of other hosts.

-- Remote actors are cached in `actors` (domain NOT NULL). fetched_at says when we last read the
-- actor document, so stale keys can be refreshed.
ALTER TABLE actors ADD COLUMN fetched_at timestamptz;
CREATE INDEX actors_public_key_id ON actors (public_key_id);

-- Other servers, by host name.
CREATE TABLE hosts (
    host             text PRIMARY KEY,
    -- An administrator's domain block: its requests are refused (403) and nothing is sent there.
    blocked          boolean NOT NULL DEFAULT false,
    -- Delivery health. failure_days counts distinct days with failed deliveries since the last
    -- success; at UNAVAILABLE_AFTER_DAYS the host is marked unavailable and skipped. One
    -- successful delivery, or one verified inbound request from it, revives it.
    failure_days     integer NOT NULL DEFAULT 0,
    last_failure_on  date,
    unavailable      boolean NOT NULL DEFAULT false,
    last_success_at  timestamptz,
    last_seen_at     timestamptz
);

-- The inbox queue: every activity accepted with a 202, before anything acts on it.
CREATE TABLE inbound_activities (
    id              bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    -- The activity's id: a second delivery of the same activity is not queued again.
    activity_id     text NOT NULL UNIQUE,
    activity_type   text NOT NULL,
    actor_uri       text NOT NULL,
    document        jsonb NOT NULL,
    -- The signature, kept only while it still has to be verified (state 'unverified').
    signed_request  jsonb,
    -- 'unverified': signed with a key not cached yet; the worker fetches it and verifies
    -- 'pending':    verified, waiting for its handler
    -- 'done':       handled
    -- 'ignored':    nothing to do (unknown type, or about something we do not have)
    -- 'rejected':   failed verification or an origin check after fetching; never acted on
    -- 'failed':     the handler kept failing; left for an operator to look at
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('unverified', 'pending', 'done', 'ignored', 'rejected', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    -- When a worker may next claim it. Claiming pushes it one lease ahead, so a worker that dies
    -- mid-way leaves the row to be claimed again when the lease ends.
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    received_at     timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz
);
CREATE INDEX inbound_activities_due ON inbound_activities (next_attempt_at)
    WHERE state IN ('unverified', 'pending');

-- Activities this node has published. Each is served at its id.
CREATE TABLE outbound_activities (
    id          bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    uri         text NOT NULL UNIQUE,
    actor_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    document    jsonb NOT NULL,
    -- The document exactly as serialised once: what every delivery sends and GET serves
    -- (jsonb would reorder its keys and re-space it).
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The delivery queue: one row per (activity, destination inbox). Shared inboxes are
-- deduplicated before rows are made, so a server gets each activity once.
CREATE TABLE deliveries (
    id              bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    activity_id     bigint NOT NULL REFERENCES outbound_activities (id) ON DELETE CASCADE,
    inbox_url       text NOT NULL,
    host            text NOT NULL,
    -- 'pending':  to be sent (again) at next_attempt_at
    -- 'done':     the inbox answered 2xx
    -- 'given_up': a permanent refusal (4xx other than 401/408/429), the retries ran out, or the
    --             host is blocked or unavailable
    state           text NOT NULL DEFAULT 'pending'
                    CHECK (state IN ('pending', 'done', 'given_up')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_status     integer,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    UNIQUE (activity_id, inbox_url)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';

-- Who follows whom. For a community, its followers are its members.
CREATE TABLE follows (
    id             bigint PRIMARY KEY DEFAULT fedcop_next_id(),
    follower_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    followed_id    bigint NOT NULL REFERENCES actors (id) ON DELETE CASCADE,
    -- The Follow activity's id, which Accept, Reject and Undo refer to.
    follow_uri     text NOT NULL,
    -- 'pending':  asked, not yet accepted (a community that approves members by hand, or a
    --             remote actor that has not answered)
    -- 'accepted': in force
    state          text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'accepted')),
    created_at     timestamptz NOT NULL DEFAULT now(),
    accepted_at    timestamptz,
    UNIQUE (follower_id, followed_id)
);
CREATE INDEX follows_followed ON follows (followed_id, state);
CREATE INDEX follows_uri ON follows (follow_uri);
