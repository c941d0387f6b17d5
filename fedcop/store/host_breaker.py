"""The per-host circuit breaker: servers that keep failing are left alone for a while.

```
delivery attempts fail ──> consecutive_failures += n, failing_since kept from the first
   n >= breaker.failures and failing for breaker.period
      ──> suspended_until = now + pause (doubling with every further run of failures, capped)
          its pending deliveries: next_attempt_at pushed to suspended_until (not attempted,
          not counted as attempts); claims skip the host until then
   suspended_until passes ──> a claim takes a few of its deliveries again (a probe)
a 2xx from it (hosts.record_successes) or a verified inbound request (revive) ──> all cleared;
   deliveries postponed by the breaker are due at once
```

The longer rule in hosts.py (failures on UNAVAILABLE_AFTER_DAYS distinct days: `unavailable`,
deliveries given up) still holds; a host that stays dead trips both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.queues import DeliveryBreaker


@dataclass(frozen=True)
class Suspension:
    host: str
    until: datetime
    consecutive_failures: int


async def record_failed_attempts(
    conn: asyncpg.Connection, failures: Mapping[str, int], breaker: DeliveryBreaker
) -> list[Suspension]:
    """Count failed attempts per host (hosts with no success among them); suspend the hosts
    that cross the breaker's threshold and postpone their pending deliveries. Returns the hosts
    suspended by this call."""
    if not failures:
        return []
    counted = sorted({host.lower(): n for host, n in failures.items() if n > 0}.items())
    if not counted:
        return []
    hosts = [host for host, _ in counted]
    await conn.execute(
        """
        INSERT INTO hosts (host, consecutive_failures, failing_since)
        SELECT host, n, now() FROM unnest($1::text[], $2::integer[]) AS f(host, n)
        ON CONFLICT (host) DO UPDATE
        SET consecutive_failures = hosts.consecutive_failures + excluded.consecutive_failures,
            failing_since = coalesce(hosts.failing_since, excluded.failing_since)
        """,
        hosts,
        [n for _, n in counted],
    )
    rows = await conn.fetch(
        """
        UPDATE hosts
        SET suspended_until = now() + least(
                $5::interval,
                $4::interval * power(2, least(20, (consecutive_failures - $2) / $2))
            )
        WHERE host = ANY($1::text[])
          AND consecutive_failures >= $2
          AND now() - failing_since >= $3::interval
          AND (suspended_until IS NULL OR suspended_until <= now())
        RETURNING host, suspended_until, consecutive_failures
        """,
        hosts,
        breaker.failures,
        breaker.period,
        breaker.first_pause,
        breaker.longest_pause,
    )
    suspensions = [
        Suspension(row["host"], row["suspended_until"], row["consecutive_failures"]) for row in rows
    ]
    # Every pending delivery of a suspended host waits for the suspension's end: those of a host
    # suspended just now, and those whose failure is recorded after their host was suspended
    # (attempts in flight when it happened finish later, and their retry time would otherwise
    # bring them back before the pause is over).
    await conn.execute(
        """
        UPDATE deliveries d SET next_attempt_at = h.suspended_until
        FROM hosts h
        WHERE h.host = ANY($1::text[]) AND h.suspended_until > now()
          AND d.host = h.host AND d.state = 'pending' AND d.next_attempt_at < h.suspended_until
        """,
        hosts,
    )
    return suspensions


async def revive(conn: asyncpg.Connection, host: str) -> bool:
    """A verified request came from `host`: it is alive. Clear its failures (the breaker's and
    the failure days) and make the deliveries the breaker postponed due now. True if there was
    anything to clear."""
    async with conn.transaction():
        suspended_until = await conn.fetchrow(
            """
            WITH old AS (
                SELECT host, suspended_until FROM hosts
                WHERE host = $1
                  AND (unavailable OR consecutive_failures > 0 OR suspended_until IS NOT NULL
                       OR failure_days > 0)
                FOR UPDATE
            )
            UPDATE hosts h
            SET failure_days = 0, last_failure_on = NULL, unavailable = false,
                consecutive_failures = 0, failing_since = NULL, suspended_until = NULL,
                last_seen_at = now()
            FROM old
            WHERE h.host = old.host
            RETURNING old.suspended_until
            """,
            host.lower(),
        )
        if suspended_until is None:
            return False
        until = suspended_until["suspended_until"]
        if until is not None:
            await conn.execute(
                """
                UPDATE deliveries SET next_attempt_at = now()
                WHERE host = $1 AND state = 'pending'
                  AND next_attempt_at > now() AND next_attempt_at <= $2
                """,
                host.lower(),
                until,
            )
        return True


async def suspended_hosts(conn: asyncpg.Connection) -> dict[str, datetime]:
    """Hosts the breaker holds off now, and until when."""
    rows = await conn.fetch(
        "SELECT host, suspended_until FROM hosts WHERE suspended_until > now() ORDER BY host"
    )
    return {row["host"]: row["suspended_until"] for row in rows}
