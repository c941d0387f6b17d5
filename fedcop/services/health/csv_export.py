"""The facilitator's view as CSV files, one per table, for a spreadsheet.

Names and titles come from people and other servers: a cell that a spreadsheet would read as a
formula (starting with = + - @ or a control character) gets a leading apostrophe, as OWASP
advises against CSV injection.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime

from fedcop.services.health.activity import STATUSES
from fedcop.services.health.series import Series
from fedcop.services.health.spread import Spread
from fedcop.store.health.members import Statuses
from fedcop.store.health.trends import OpenQuestion

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    text = str(value)
    if isinstance(value, str) and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue()


def series_csv(series: Series) -> str:
    return _table(
        (series.period, *series.columns), ((row.label, *row.values) for row in series.rows)
    )


def members_csv(groups: Statuses, domain: str) -> str:
    """Every member: their account (name@domain), name, status, when they joined and were last
    seen (empty if never)."""
    rows = [
        (
            f"{member.username}@{member.domain or domain}",
            member.display_name,
            member.status,
            member.joined_at,
            member.last_seen_at,
            member.uri,
        )
        for status in STATUSES
        for member in groups.listed[status]
    ]
    return _table(("account", "name", "status", "joined", "last_seen", "id"), rows)


def unanswered_csv(questions: list[OpenQuestion], domain: str, base_url: str) -> str:
    return _table(
        ("asked", "title", "asker", "thread"),
        (
            (
                q.published,
                q.title,
                f"{q.author_username}@{q.author_domain or domain}",
                f"{base_url}/t/{q.id}",
            )
            for q in questions
        ),
    )


def spread_csv(spread: Spread) -> str:
    return _table(
        (spread.heading, *spread.columns),
        ((row.label, row.members, row.taking_part) for row in spread.rows),
    )
