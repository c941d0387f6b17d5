"""Organisations and sectors taking part: for each, how many members state it (the members'
spread, store/people/spread.py) and how many people stating it wrote or voted in the community
in the last 12 months (store/health/taking_part.py). The chart draws the second number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from fedcop.store.health import taking_part
from fedcop.store.people import spread as spread_store
from fedcop.store.people.spread import Share

NOT_STATED = "Not stated"
# Organisations (and sectors) listed by name; the members of the others are counted together.
LISTED = 12


@dataclass(frozen=True)
class SpreadRow:
    label: str
    members: int
    # People stating it who wrote or voted in the community in the period.
    taking_part: int


@dataclass(frozen=True)
class Spread:
    # Its name in URLs: /c/NAME/manage/health.csv?metric=KEY
    key: str
    title: str
    description: str
    # The first column's heading: "Organisation" or "Sector".
    heading: str
    rows: list[SpreadRow]
    columns: tuple[str, ...] = ("Members", "Taking part in 12 months")

    @property
    def charted(self) -> list[tuple[str, float]]:
        return [(row.label, float(row.taking_part)) for row in self.rows]

    @property
    def summary(self) -> str:
        if not self.rows:
            return "No members yet."
        parts = [f"{row.label}: {row.taking_part}" for row in self.rows]
        return "People taking part in 12 months, " + "; ".join(parts) + "."


def _rows(
    shares: list[Share], others: int, taking: dict[str, int], other_label: str
) -> list[SpreadRow]:
    rows = []
    named_keys = set()
    for share in shares:
        key = share.label.strip().lower()
        named_keys.add(key)
        rows.append(SpreadRow(share.label or NOT_STATED, share.members, taking.get(key, 0)))
    if others:
        rest = sum(people for key, people in taking.items() if key not in named_keys)
        # The unstated row comes last: the others go just before it.
        at = len(rows) - (1 if rows and rows[-1].label == NOT_STATED else 0)
        rows.insert(at, SpreadRow(other_label, others, rest))
    return rows


async def organisations_and_sectors(
    conn: asyncpg.Connection, community_id: int, since: date
) -> tuple[Spread, Spread]:
    members = await spread_store.member_spread(conn, community_id, limit=LISTED)
    by_organisation, by_sector = await taking_part.people_by_organisation_and_sector(
        conn, community_id, since
    )
    return (
        Spread(
            "organisations", "Organisations taking part",
            "Members by the organisation they state, and how many of the people stating it "
            "wrote or voted in the community in the last 12 months.",
            "Organisation",
            _rows(members.organisations, members.other_organisations, by_organisation,
                  "Other organisations"),
        ),
        Spread(
            "sectors", "Sectors taking part",
            "Members by the sector they state, and how many of the people stating it wrote or "
            "voted in the community in the last 12 months.",
            "Sector",
            _rows(members.sectors, members.other_sectors, by_sector, "Other sectors"),
        ),
    )  # fmt: skip
