"""SQL of the inbound mail queue (inbound_mail) and of delivery failures (mail_bounces)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg


@dataclass(frozen=True)
class InboundMail:
    id: int
    message_id: str | None
    envelope_from: str
    recipients: list[str]
    raw: bytes
    source: str
    state: str
    reason: str | None
    post_id: int | None
    user_id: int | None


_COLUMNS = """id, message_id, envelope_from, recipients, raw, source, state, reason, post_id,
    user_id"""


def _mail(row: asyncpg.Record) -> InboundMail:
    return InboundMail(
        id=row["id"],
        message_id=row["message_id"],
        envelope_from=row["envelope_from"],
        recipients=list(row["recipients"]),
        raw=bytes(row["raw"]),
        source=row["source"],
        state=row["state"],
        reason=row["reason"],
        post_id=row["post_id"],
        user_id=row["user_id"],
    )


async def keep(
    conn: asyncpg.Connection,
    *,
    message_id: str | None,
    envelope_from: str,
    recipients: list[str],
    raw: bytes,
    source: str,
) -> int | None:
    """Queue a message; None when one with the same Message-ID is already kept."""
    value = await conn.fetchval(
        """INSERT INTO inbound_mail (message_id, envelope_from, recipients, raw, source)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (message_id, recipients) WHERE message_id IS NOT NULL DO NOTHING
           RETURNING id""",
        message_id,
        envelope_from,
        recipients,
        raw,
        source,
    )
    return int(value) if value is not None else None


async def claim_waiting(conn: asyncpg.Connection, limit: int) -> list[InboundMail]:
    """Waiting messages, oldest first, locked for this transaction (other workers skip them)."""
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM inbound_mail WHERE state = 'waiting'
            ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED""",
        limit,
    )
    return [_mail(row) for row in rows]


async def settle(
    conn: asyncpg.Connection,
    mail_id: int,
    state: str,
    reason: str | None,
    *,
    post_id: int | None = None,
    user_id: int | None = None,
) -> None:
    await conn.execute(
        """UPDATE inbound_mail SET state = $2, reason = $3, post_id = $4, user_id = $5,
               processed_at = now() WHERE id = $1""",
        mail_id,
        state,
        reason,
        post_id,
        user_id,
    )


async def find(conn: asyncpg.Connection, mail_id: int) -> InboundMail | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM inbound_mail WHERE id = $1", mail_id)
    return _mail(row) if row else None


async def recent(conn: asyncpg.Connection, limit: int = 50) -> list[InboundMail]:
    rows = await conn.fetch(f"SELECT {_COLUMNS} FROM inbound_mail ORDER BY id DESC LIMIT $1", limit)
    return [_mail(row) for row in rows]


@dataclass(frozen=True)
class MailAccount:
    user_id: int
    username: str
    state: str
    email: str | None
    confirmed: bool


async def account(conn: asyncpg.Connection, user_id: int) -> MailAccount | None:
    row = await conn.fetchrow(
        """SELECT u.actor_id, a.username, u.state, u.email,
                  u.email_confirmed_at IS NOT NULL AS confirmed
           FROM users u JOIN actors a ON a.id = u.actor_id WHERE u.actor_id = $1""",
        user_id,
    )
    return _account(row) if row else None


async def account_by_confirmed_email(conn: asyncpg.Connection, address: str) -> MailAccount | None:
    row = await conn.fetchrow(
        """SELECT u.actor_id, a.username, u.state, u.email,
                  u.email_confirmed_at IS NOT NULL AS confirmed
           FROM users u JOIN actors a ON a.id = u.actor_id
           WHERE lower(u.email) = lower($1) AND u.email_confirmed_at IS NOT NULL""",
        address,
    )
    return _account(row) if row else None


def _account(row: asyncpg.Record) -> MailAccount:
    return MailAccount(
        user_id=row["actor_id"],
        username=row["username"],
        state=row["state"],
        email=row["email"],
        confirmed=row["confirmed"],
    )


async def record_bounce(
    conn: asyncpg.Connection, address: str, user_id: int | None, hard: bool, diagnostic: str
) -> None:
    await conn.execute(
        """INSERT INTO mail_bounces (address, user_id, hard, diagnostic)
           VALUES (lower($1), $2, $3, $4)""",
        address,
        user_id,
        hard,
        diagnostic,
    )


async def bounces_since(
    conn: asyncpg.Connection, address: str, window: timedelta
) -> tuple[int, int]:
    """(hard, soft) failures of `address` within `window` of now."""
    row = await conn.fetchrow(
        """SELECT count(*) FILTER (WHERE hard) AS hard, count(*) FILTER (WHERE NOT hard) AS soft
           FROM mail_bounces WHERE address = lower($1) AND received_at > now() - $2::interval""",
        address,
        window,
    )
    assert row is not None
    return int(row["hard"]), int(row["soft"])


async def user_by_email(conn: asyncpg.Connection, address: str) -> int | None:
    value = await conn.fetchval(
        "SELECT actor_id FROM users WHERE lower(email) = lower($1)", address
    )
    return int(value) if value is not None else None


async def disabled_notice(
    conn: asyncpg.Connection, user_id: int
) -> tuple[str, datetime, str] | None:
    """(address, since, reason) when mail to the member's address is turned off."""
    row = await conn.fetchrow(
        """SELECT email, email_disabled_at, email_disabled_reason FROM users
           WHERE actor_id = $1 AND email_disabled_at IS NOT NULL""",
        user_id,
    )
    if row is None:
        return None
    reason = str(row["email_disabled_reason"] or "")
    return str(row["email"] or ""), row["email_disabled_at"], reason


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    """How many inbound messages are in each state."""
    rows = await conn.fetch("SELECT state, count(*) AS n FROM inbound_mail GROUP BY state")
    return {row["state"]: int(row["n"]) for row in rows}


async def latest_refused(conn: asyncpg.Connection, limit: int = 20) -> list[asyncpg.Record]:
    """The newest refused or dropped messages: id, when, sender, recipient, state, reason."""
    return list(
        await conn.fetch(
            """SELECT id, received_at, envelope_from, recipients[1] AS recipient, state, reason
               FROM inbound_mail WHERE state IN ('refused', 'dropped')
               ORDER BY id DESC LIMIT $1""",
            limit,
        )
    )


async def forget_read_before(conn: asyncpg.Connection, age: timedelta, limit: int) -> int:
    """Delete up to `limit` messages read more than `age` ago; how many went."""
    result = await conn.execute(
        """DELETE FROM inbound_mail WHERE id IN (
               SELECT id FROM inbound_mail
               WHERE state <> 'waiting' AND processed_at < now() - $1::interval
               ORDER BY id LIMIT $2)""",
        age,
        limit,
    )
    return int(result.split()[-1])
