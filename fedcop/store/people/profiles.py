"""A person's stated profile: organisation, sector, role, expertise (`actor_profiles`).

One row per actor, local or remote (migrations/0037_profiles.sql). Local people write theirs on
the settings page and through the client API; remote people's is read from their actor document
whenever it is fetched or an `Update` of it arrives. No row reads as an empty profile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import asyncpg
import orjson


@dataclass(frozen=True)
class OtherField:
    """A free profile field of a remote actor besides the four fedcop knows (Mastodon's)."""

    name: str  # plain text
    value_html: str  # sanitised HTML


@dataclass(frozen=True)
class Profile:
    organisation: str = ""
    sector: str = ""
    job_role: str = ""
    expertise: tuple[str, ...] = ()
    other_fields: tuple[OtherField, ...] = field(default=())
    discoverable: bool = False

    @property
    def is_empty(self) -> bool:
        return not (
            self.organisation or self.sector or self.job_role or self.expertise or self.other_fields
        )


EMPTY = Profile()

PROFILE_COLUMNS = """
    p.organisation, p.sector, p.job_role, p.expertise, p.other_fields, p.discoverable
"""


def profile_from_row(row: Any) -> Profile:
    """A Profile from a row with PROFILE_COLUMNS (from a LEFT JOIN: NULLs read as empty)."""
    if row["organisation"] is None:
        return EMPTY
    other = row["other_fields"]
    if isinstance(other, str):
        other = orjson.loads(other)
    return Profile(
        organisation=row["organisation"],
        sector=row["sector"],
        job_role=row["job_role"],
        expertise=tuple(row["expertise"]),
        other_fields=tuple(
            OtherField(str(item["name"]), str(item["value"])) for item in other or []
        ),
        discoverable=bool(row["discoverable"]),
    )


async def profile_of(conn: asyncpg.Connection, actor_id: int) -> Profile:
    row = await conn.fetchrow(
        f"SELECT {PROFILE_COLUMNS} FROM actor_profiles p WHERE p.actor_id = $1", actor_id
    )
    return profile_from_row(row) if row else EMPTY


async def profiles_of(conn: asyncpg.Connection, actor_ids: list[int]) -> dict[int, Profile]:
    """The profiles of these actors that state something, keyed by actor id."""
    if not actor_ids:
        return {}
    rows = await conn.fetch(
        f"""
        SELECT p.actor_id, {PROFILE_COLUMNS} FROM actor_profiles p
        WHERE p.actor_id = ANY($1::bigint[])
        """,
        list(set(actor_ids)),
    )
    return {row["actor_id"]: profile_from_row(row) for row in rows}


async def save(conn: asyncpg.Connection, actor_id: int, profile: Profile) -> None:
    """Write the whole profile of an actor (its `discoverable` included)."""
    await conn.execute(
        """
        INSERT INTO actor_profiles AS p (actor_id, organisation, sector, job_role, expertise,
                                         other_fields, discoverable)
        VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
        ON CONFLICT (actor_id) DO UPDATE SET
            organisation = EXCLUDED.organisation, sector = EXCLUDED.sector,
            job_role = EXCLUDED.job_role, expertise = EXCLUDED.expertise,
            other_fields = EXCLUDED.other_fields, discoverable = EXCLUDED.discoverable,
            updated_at = now()
        WHERE (p.organisation, p.sector, p.job_role, p.expertise, p.other_fields,
               p.discoverable)
          IS DISTINCT FROM (EXCLUDED.organisation, EXCLUDED.sector, EXCLUDED.job_role,
                            EXCLUDED.expertise, EXCLUDED.other_fields, EXCLUDED.discoverable)
        """,
        actor_id,
        profile.organisation,
        profile.sector,
        profile.job_role,
        list(profile.expertise),
        # the pool's jsonb codec encodes the list (fedcop/db/pool.py)
        [{"name": item.name, "value": item.value_html} for item in profile.other_fields],
        profile.discoverable,
    )


async def set_discoverable(conn: asyncpg.Connection, actor_id: int, discoverable: bool) -> None:
    """A local person's choice to be listed in the node's directory."""
    await conn.execute(
        """
        INSERT INTO actor_profiles (actor_id, discoverable) VALUES ($1, $2)
        ON CONFLICT (actor_id) DO UPDATE SET discoverable = EXCLUDED.discoverable,
                                             updated_at = now()
        """,
        actor_id,
        discoverable,
    )
