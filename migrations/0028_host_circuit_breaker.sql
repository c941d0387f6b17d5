-- A circuit breaker per host: a server that keeps failing (timeouts, refused connections, 5xx)
-- is left alone for a while instead of holding delivery slots with requests it will not answer.
--
-- consecutive_failures counts failed delivery attempts since the host's last success (a 2xx, or
-- a verified inbound request from it); failing_since is when that run of failures began.
-- With DeliveryBreaker.failures failures in a row spread over at least DeliveryBreaker.period, the
-- host is suspended until suspended_until: its deliveries are postponed to that moment (not
-- attempted, not counted as attempts), then a few are tried again. Each further failure while the
-- breaker is open doubles the pause (capped); one success or one verified inbound request clears
-- all three columns and makes the postponed deliveries due at once.
-- The older, longer rule stays: failures on UNAVAILABLE_AFTER_DAYS distinct days mark the host
-- `unavailable`, and deliveries to it are then given up.
ALTER TABLE hosts
    ADD COLUMN consecutive_failures integer NOT NULL DEFAULT 0,
    ADD COLUMN failing_since timestamptz,
    ADD COLUMN suspended_until timestamptz;

-- Postponing and reviving a host's deliveries finds them by host.
CREATE INDEX deliveries_pending_by_host ON deliveries (host, next_attempt_at) WHERE state = 'pending';
