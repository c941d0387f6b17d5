"""Local user accounts: sign-in state, profiles, invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.actors import _ACTOR_COLUMNS, Actor, _actor


@dataclass(frozen=True)
class User:
    actor: Actor
    is_admin: bool
    state: str
    session_version: int
    organisation: str
    sector: str
    job_role: str
    expertise: list[str]
    # Listed in the node's directory (actor_profiles.discoverable).
    discoverable: bool = False


# A person's profile lives in actor_profiles (store/people/profiles.py), shared with remote people.
_USER_COLUMNS = f"""
    {_ACTOR_COLUMNS}, u.is_admin, u.state, u.session_version,
    coalesce(p.organisation, '') AS organisation, coalesce(p.sector, '') AS sector,
    coalesce(p.job_role, '') AS job_role, coalesce(p.expertise, '{{}}') AS expertise,
    coalesce(p.discoverable, false) AS discoverable
"""
_USERS = """
    users u JOIN actors a ON a.id = u.actor_id LEFT JOIN actor_profiles p ON p.actor_id = a.id
"""


def _user(row: asyncpg.Record) -> User:
    return User(
        actor=_actor(row),
        is_admin=row["is_admin"],
        state=row["state"],
        session_version=row["session_version"],
        organisation=row["organisation"],
        sector=row["sector"],
        job_role=row["job_role"],
        expertise=list(row["expertise"]),
        discoverable=row["discoverable"],
    )


async def find_by_id(conn: asyncpg.Connection, actor_id: int) -> User | None:
    row = await conn.fetchrow(
        f"SELECT {_USER_COLUMNS} FROM {_USERS} WHERE a.id = $1",
        actor_id,
    )
    return _user(row) if row else None


async def find_by_ids(conn: asyncpg.Connection, actor_ids: list[int]) -> dict[int, User]:
    """The users among these actors (keyed by actor id), in one query."""
    if not actor_ids:
        return {}
    rows = await conn.fetch(
        f"""
        SELECT {_USER_COLUMNS} FROM {_USERS}
        WHERE u.actor_id = ANY($1::bigint[])
        """,
        list(set(actor_ids)),
    )
    return {row["id"]: _user(row) for row in rows}


async def find_by_name(conn: asyncpg.Connection, name: str) -> User | None:
    row = await conn.fetchrow(
        f"""
        SELECT {_USER_COLUMNS} FROM {_USERS}
        WHERE a.domain IS NULL AND lower(a.username) = lower($1)
        """,
        name,
    )
    return _user(row) if row else None


async def set_password(conn: asyncpg.Connection, actor_id: int, password_hash: str) -> None:
    """A new password; every session of the account ends."""
    await conn.execute(
        """
        UPDATE users SET password_hash = $2, session_version = session_version + 1
        WHERE actor_id = $1
        """,
        actor_id,
        password_hash,
    )
    await conn.execute("DELETE FROM web_sessions WHERE actor_id = $1", actor_id)


async def set_state(conn: asyncpg.Connection, actor_id: int, state: str) -> None:
    """A new state ('active', 'pending', 'suspended'); every session of the account ends."""
    await conn.execute(
        "UPDATE users SET state = $2, session_version = session_version + 1 WHERE actor_id = $1",
        actor_id,
        state,
    )
    await conn.execute("DELETE FROM web_sessions WHERE actor_id = $1", actor_id)


async def touch(conn: asyncpg.Connection, actor_id: int) -> None:
    await conn.execute(
        """
        UPDATE users SET last_active_at = now()
        WHERE actor_id = $1
          AND (last_active_at IS NULL OR last_active_at < now() - interval '1 hour')
        """,
        actor_id,
    )


async def update_profile(
    conn: asyncpg.Connection,
    actor_id: int,
    *,
    display_name: str,
    summary: str,
    organisation: str,
    sector: str,
    job_role: str,
    expertise: list[str],
) -> None:
    await conn.execute(
        """
        INSERT INTO actor_profiles AS p (actor_id, organisation, sector, job_role, expertise)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (actor_id) DO UPDATE SET
            organisation = EXCLUDED.organisation, sector = EXCLUDED.sector,
            job_role = EXCLUDED.job_role, expertise = EXCLUDED.expertise, updated_at = now()
        """,
        actor_id,
        organisation,
        sector,
        job_role,
        expertise,
    )
    await conn.execute(
        "UPDATE actors SET display_name = $2, summary = $3, updated_at = now() WHERE id = $1",
        actor_id,
        display_name,
        summary,
    )


async def create_invitation(
    conn: asyncpg.Connection, code: str, created_by: int, expires_at: datetime
) -> None:
    await conn.execute(
        "INSERT INTO invitations (code, created_by, expires_at) VALUES ($1, $2, $3)",
        code,
        created_by,
        expires_at,
    )


async def use_invitation(conn: asyncpg.Connection, code: str, used_by: int) -> bool:
    result = await conn.execute(
        """
        UPDATE invitations SET used_by = $2
        WHERE code = $1 AND used_by IS NULL AND expires_at > now()
        """,
        code,
        used_by,
    )
    return bool(result != "UPDATE 0")


async def pending(conn: asyncpg.Connection) -> list[User]:
    rows = await conn.fetch(
        f"""
        SELECT {_USER_COLUMNS} FROM {_USERS}
        WHERE u.state = 'pending' ORDER BY a.id
        """
    )
    return [_user(row) for row in rows]


async def all_accounts(conn: asyncpg.Connection, limit: int = 500) -> list[User]:
    rows = await conn.fetch(
        f"""
        SELECT {_USER_COLUMNS} FROM {_USERS}
        ORDER BY lower(a.username) LIMIT $1
        """,
        limit,
    )
    return [_user(row) for row in rows]
