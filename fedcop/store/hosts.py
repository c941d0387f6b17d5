"""What we know of other servers: blocks, delivery health, and the signature scheme they accept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import asyncpg

from fedcop.queues import UNAVAILABLE_AFTER_DAYS


async def is_blocked(conn: asyncpg.Connection, host: str) -> bool:
    return bool(await conn.fetchval("SELECT blocked FROM hosts WHERE host = $1", host.lower()))


async def blocked_hosts(conn: asyncpg.Connection) -> set[str]:
    return {row["host"] for row in await conn.fetch("SELECT host FROM hosts WHERE blocked")}


async def set_blocked(conn: asyncpg.Connection, host: str, blocked: bool) -> None:
    await conn.execute(
        """
        INSERT INTO hosts (host, blocked) VALUES ($1, $2)
        ON CONFLICT (host) DO UPDATE SET blocked = excluded.blocked
        """,
        host.lower(),
        blocked,
    )


async def record_success(conn: asyncpg.Connection, host: str) -> None:
    """A delivery succeeded, or a verified request came from the host: it is alive."""
    await conn.execute(
        """
        INSERT INTO hosts (host, last_success_at, last_seen_at) VALUES ($1, now(), now())
        ON CONFLICT (host) DO UPDATE
        SET failure_days = 0, last_failure_on = NULL, unavailable = false,
            consecutive_failures = 0, failing_since = NULL, suspended_until = NULL,
            last_success_at = now(), last_seen_at = now()
        """,
        host.lower(),
    )


async def record_successes(conn: asyncpg.Connection, hosts: Iterable[str]) -> None:
    """`record_success` for several hosts in one statement (in sorted order, so that two
    workers recording overlapping hosts lock their rows in the same order)."""
    distinct = sorted({host.lower() for host in hosts})
    if not distinct:
        return
    await conn.execute(
        """
        INSERT INTO hosts (host, last_success_at, last_seen_at)
        SELECT host, now(), now() FROM unnest($1::text[]) AS host
        ON CONFLICT (host) DO UPDATE
        SET failure_days = 0, last_failure_on = NULL, unavailable = false,
            consecutive_failures = 0, failing_since = NULL, suspended_until = NULL,
            last_success_at = now(), last_seen_at = now()
        """,
        distinct,
    )


async def record_failure(conn: asyncpg.Connection, host: str) -> bool:
    """Count today as a failure day (once); returns whether the host is now unavailable."""
    return bool(
        await conn.fetchval(
            """
            INSERT INTO hosts (host, failure_days, last_failure_on) VALUES ($1, 1, current_date)
            ON CONFLICT (host) DO UPDATE
            SET failure_days = hosts.failure_days
                    + CASE WHEN hosts.last_failure_on = current_date THEN 0 ELSE 1 END,
                last_failure_on = current_date,
                unavailable = hosts.failure_days
                    + CASE WHEN hosts.last_failure_on = current_date THEN 0 ELSE 1 END >= $2
            RETURNING unavailable
            """,
            host.lower(),
            UNAVAILABLE_AFTER_DAYS,
        )
    )


async def is_unavailable(conn: asyncpg.Connection, host: str) -> bool:
    return bool(await conn.fetchval("SELECT unavailable FROM hosts WHERE host = $1", host.lower()))


async def remember_signature_schemes(conn: asyncpg.Connection, schemes: Mapping[str, str]) -> None:
    """Record, per host, the HTTP signature scheme it just accepted a delivery signed with
    ('draft-cavage' or 'rfc9421'); the delivery worker signs with it first from then on. One
    statement for all hosts, in sorted order (see record_successes)."""
    if not schemes:
        return
    hosts = sorted({host.lower(): scheme for host, scheme in schemes.items()}.items())
    await conn.execute(
        """
        INSERT INTO hosts (host, signature_scheme)
        SELECT host, scheme FROM unnest($1::text[], $2::text[]) AS s(host, scheme)
        ON CONFLICT (host) DO UPDATE SET signature_scheme = excluded.signature_scheme
        """,
        [host for host, _ in hosts],
        [scheme for _, scheme in hosts],
    )


async def signature_scheme(conn: asyncpg.Connection, host: str) -> str | None:
    """The scheme `host` last accepted a delivery signed with; None if not known yet."""
    value = await conn.fetchval("SELECT signature_scheme FROM hosts WHERE host = $1", host.lower())
    return str(value) if value is not None else None
