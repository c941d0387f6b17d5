-- Fair order in the inbox queue: one actor's backlog does not push everyone else's work back.

-- When the inbox worker takes the row, in its turn among everyone's: the time it arrived, plus a
-- slot for each activity from the same actor still waiting when it arrived (an actor with 500
-- waiting activities has its 501st queued as if it came 500 slots later; a lone activity from
-- anyone else goes before it). Claims order by it; a claim (lease) or a retry sets it to the
-- new due time, as next_attempt_at. Only an order: a flood is still handled when nothing else
-- is waiting.
ALTER TABLE inbound_activities ADD COLUMN fair_at timestamptz NOT NULL DEFAULT now();
UPDATE inbound_activities SET fair_at = next_attempt_at WHERE state IN ('unverified', 'pending');

CREATE INDEX inbound_activities_fair ON inbound_activities (fair_at, id)
    WHERE state IN ('unverified', 'pending');
-- How many of an actor's activities wait (its quota at the inbox: 429 beyond it).
CREATE INDEX inbound_activities_waiting_by_actor ON inbound_activities (actor_uri)
    WHERE state IN ('unverified', 'pending');
