"""Who took part in a community over a period, counted by the organisation and the sector they
state (actor_profiles): each person once, however often they wrote or voted."""

from __future__ import annotations

from datetime import date

import asyncpg


async def people_by_organisation_and_sector(
    conn: asyncpg.Connection, community_id: int, since: date
) -> tuple[dict[str, int], dict[str, int]]:
    """People who wrote or voted in the community from `since`, by organisation and by sector,
    keyed by the name in lower case without surrounding spaces ("" for those who state none)."""
    rows = await conn.fetch(
        """
        WITH people AS (
            SELECT actor_id FROM community_last_seen
            WHERE community_id = $1 AND last_seen_at >= ($2::date AT TIME ZONE 'UTC')
        )
        , stated AS (
            SELECT lower(trim(coalesce(p.organisation, ''))) AS organisation,
                   lower(trim(coalesce(p.sector, ''))) AS sector
            FROM people LEFT JOIN actor_profiles p ON p.actor_id = people.actor_id
        )
        SELECT organisation, sector, count(*) AS people FROM stated
        GROUP BY GROUPING SETS ((organisation), (sector))
        """,
        community_id,
        since,
    )
    organisations = {r["organisation"]: r["people"] for r in rows if r["organisation"] is not None}
    sectors = {r["sector"]: r["people"] for r in rows if r["sector"] is not None}
    return organisations, sectors
