-- Each host's share of the inbox queue, beside each actor's: many actors of one host together
-- cannot fill the queue or push everyone else's work back.

-- The lower-cased host of a URL, without scheme, user info or port (the host a share belongs
-- to: one server on several ports is still one host); NULL for a string that is not an
-- absolute URL. IMMUTABLE so that a stored column and the queries can use it.
CREATE FUNCTION uri_host(uri text) RETURNS text
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$
        SELECT lower(substring(uri FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#@]*@)?(\[[^]/?#]*\]|[^/?#:]+)'))
    $$;

-- The host of the activity's actor (from actor_uri): the host whose share the row counts in.
ALTER TABLE inbound_activities
    ADD COLUMN actor_host text GENERATED ALWAYS AS (uri_host(actor_uri)) STORED;

-- How many of a host's activities wait (its quota at the inbox: 429 beyond it).
CREATE INDEX inbound_activities_waiting_by_host ON inbound_activities (actor_host)
    WHERE state IN ('unverified', 'pending');
