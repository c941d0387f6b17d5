"""Organisations and sectors taking part: for each, how many members state it (the members'
spread, store/people/spread.py) and how many people stating it wrote or voted in the community
in the last 12 months (store/health/taking_part.py). The chart draws the second number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import asyncpg

from fedcop.i18n.current import _, written_number
from fedcop.store.health import taking_part
from fedcop.store.people import spread as spread_store
from fedcop.store.people.spread import Share

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
    columns: tuple[str, ...]

    @property
    def charted(self) -> list[tuple[str, float]]:
        return [(row.label, float(row.taking_part)) for row in self.rows]

    @property
    def summary(self) -> str:
        if not self.rows:
            return _("No members yet.")
        parts = [
            _(
                "%(category)s: %(number)s",
                category=row.label,
                number=written_number(row.taking_part),
            )
            for row in self.rows
        ]
        return _("People taking part in 12 months, %(counts)s.", counts="; ".join(parts))


def _rows(
    shares: list[Share], others: int, taking: dict[str, int], other_label: str
) -> list[SpreadRow]:
    not_stated = _("Not stated")
    rows = []
    named_keys = set()
    for share in shares:
        key = share.label.strip().lower()
        named_keys.add(key)
        rows.append(SpreadRow(share.label or not_stated, share.members, taking.get(key, 0)))
    if others:
        rest = sum(people for key, people in taking.items() if key not in named_keys)
        # The unstated row comes last: the others go just before it.
        at = len(rows) - (1 if rows and rows[-1].label == not_stated else 0)
        rows.insert(at, SpreadRow(other_label, others, rest))
    return rows


async def organisations_and_sectors(
    conn: asyncpg.Connection, community_id: int, since: date
) -> tuple[Spread, Spread]:
    members = await spread_store.member_spread(conn, community_id, limit=LISTED)
    by_organisation, by_sector = await taking_part.people_by_organisation_and_sector(
        conn, community_id, since
    )
    # Titles, descriptions and headings in the reader's language (web.health makes the CSV
    # files speaking English).
    columns = (_("Members"), _("Taking part in 12 months"))
    return (
        Spread(
            "organisations", _("Organisations taking part"),
            _("Members by the organisation they state, and how many of the people stating it "
              "wrote or voted in the community in the last 12 months."),
            _("Organisation"),
            _rows(members.organisations, members.other_organisations, by_organisation,
                  _("Other organisations")),
            columns,
        ),
        Spread(
            "sectors", _("Sectors taking part"),
            _("Members by the sector they state, and how many of the people stating it wrote "
              "or voted in the community in the last 12 months."),
            _("Sector"),
            _rows(members.sectors, members.other_sectors, by_sector, _("Other sectors")),
            columns,
        ),
    )  # fmt: skip
