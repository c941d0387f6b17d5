"""The periods the facilitator's view counts in: the 12 calendar months (UTC) ending with the
current one, and the 52 weeks (Monday to Sunday) ending with the current one."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date

from fedcop.i18n.current import language

MONTHS = 12
WEEKS = 52


def months(now: datetime) -> list[date]:
    """The first day of each of the last MONTHS months, oldest first, this month last."""
    year, month = now.year, now.month
    firsts = []
    for _ in range(MONTHS):
        firsts.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return firsts[::-1]


def weeks(now: datetime) -> list[date]:
    """The Monday of each of the last WEEKS weeks, oldest first, this week last."""
    monday = now.date() - timedelta(days=now.weekday())
    return [monday - timedelta(weeks=back) for back in range(WEEKS - 1, -1, -1)]


def month_label(first: date) -> str:
    """The month as the reader's language abbreviates it ("Dec 2026", "déc. 2026")."""
    return format_date(first, "MMM y", locale=language())


def week_label(monday: date) -> str:
    return monday.isoformat()
