"""Each account's email address (users.email*) and the node's rule about confirming it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg


@dataclass(frozen=True)
class AccountEmail:
    user_id: int
    email: str | None
    confirmed_at: datetime | None
    disabled_at: datetime | None  # mail turned off after bounces
    disabled_reason: str | None

    @property
    def confirmed(self) -> bool:
        return self.email is not None and self.confirmed_at is not None

    @property
    def deliverable(self) -> bool:
        """Mail may go to it: confirmed and not turned off by bounces."""
        return self.confirmed and self.disabled_at is None


_COLUMNS = "actor_id, email, email_confirmed_at, email_disabled_at, email_disabled_reason"


def _row(row: asyncpg.Record) -> AccountEmail:
    return AccountEmail(
        user_id=row["actor_id"],
        email=row["email"],
        confirmed_at=row["email_confirmed_at"],
        disabled_at=row["email_disabled_at"],
        disabled_reason=row["email_disabled_reason"],
    )


async def email_of(conn: asyncpg.Connection, user_id: int) -> AccountEmail | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE actor_id = $1", user_id)
    return _row(row) if row else None


async def find_by_email(conn: asyncpg.Connection, email: str) -> AccountEmail | None:
    """The account with this address, compared case-insensitively."""
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM users WHERE lower(email) = lower($1)", email)
    return _row(row) if row else None


async def set_email(conn: asyncpg.Connection, user_id: int, email: str | None) -> None:
    """A new address: unconfirmed, and mail to it on again. Same address: nothing changes."""
    await conn.execute(
        """
        UPDATE users SET email = $2, email_confirmed_at = NULL, email_disabled_at = NULL,
               email_disabled_reason = NULL
        WHERE actor_id = $1 AND email IS DISTINCT FROM $2
        """,
        user_id,
        email,
    )


async def confirm_email(conn: asyncpg.Connection, user_id: int, email: str) -> bool:
    """Confirm `email` if it is still the account's address; False when it has changed."""
    result = await conn.execute(
        """
        UPDATE users SET email_confirmed_at = coalesce(email_confirmed_at, now())
        WHERE actor_id = $1 AND email = $2
        """,
        user_id,
        email,
    )
    return bool(result.endswith(" 1"))


async def disable_email(conn: asyncpg.Connection, user_id: int, reason: str) -> None:
    """Turn mail to the account's address off (bounces), with the reason shown to the member."""
    await conn.execute(
        """
        UPDATE users SET email_disabled_at = coalesce(email_disabled_at, now()),
               email_disabled_reason = $2
        WHERE actor_id = $1
        """,
        user_id,
        reason,
    )


async def enable_email(conn: asyncpg.Connection, user_id: int) -> None:
    """Mail to the account's address goes out again (the member asked, after bounces)."""
    await conn.execute(
        """
        UPDATE users SET email_disabled_at = NULL, email_disabled_reason = NULL
        WHERE actor_id = $1
        """,
        user_id,
    )


async def confirmed_email_required(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT require_confirmed_email FROM node"))


async def set_confirmed_email_required(conn: asyncpg.Connection, required: bool) -> None:
    await conn.execute("UPDATE node SET require_confirmed_email = $1", required)
