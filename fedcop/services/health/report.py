"""Everything on a community's health page, read from what this node stores.

    facilitated()        only the community's facilitators (and, for a community of this
                         node, its admins) get past it; anyone else: NotFound or InvalidInput,
                         which the page answers 404
    member_statuses()    every member: active, quiet or lapsed, and when last seen
    figures()            people taking part, newcomers, threads, questions over time
    spreads()            organisations and sectors taking part
    health()             the three at once, on their own connections (the page)

The CSV files read only the part they list. Nothing is fetched from other servers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from fedcop.i18n.current import _
from fedcop.services import facilitation
from fedcop.services.errors import NotFound
from fedcop.services.health import activity, periods
from fedcop.services.health.series import Number, Row, Series
from fedcop.services.health.spread import Spread, organisations_and_sectors
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.health import trends
from fedcop.store.health.members import Statuses
from fedcop.store.health.trends import OpenQuestion, QuestionMonth
from fedcop.store.users import User

# Unanswered questions listed on the page (all of them are in the CSV).
UNANSWERED_SHOWN = 20


@dataclass(frozen=True)
class Figures:
    """The community's figures over the last 12 months."""

    newcomers_this_month: int
    questions: QuestionMonth  # the whole 12 months
    unanswered_total: int
    unanswered: list[OpenQuestion]
    threads_per_week: float
    series: list[Series]

    @property
    def solved_share(self) -> float | None:
        return self.questions.solved / self.questions.asked if self.questions.asked else None

    @property
    def median_hours_to_answer(self) -> float | None:
        seconds = self.questions.median_seconds_to_answer
        return None if seconds is None else seconds / 3600

    def series_named(self, key: str) -> Series | None:
        return next((series for series in self.series if series.key == key), None)


@dataclass(frozen=True)
class Health:
    community: Actor
    # How the community is named in this node's URLs: NAME here, NAME@DOMAIN elsewhere.
    handle: str
    now: datetime
    members: Statuses
    figures: Figures
    # Organisations, then sectors.
    spreads: list[Spread]


async def facilitated(pool: Any, name: str, user: User) -> Actor:
    """The community `name` (here, or name@domain) if `user` may see its health."""
    uri = await facilitation.community_uri(pool, name, user)
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, uri)
    if community is None:
        raise NotFound(_("there is no community '%(name)s' here", name=name))
    return community


async def member_statuses(
    pool: Any, community: Actor, now: datetime, listed: int | None = None
) -> Statuses:
    """Members by status, the first `listed` of each in full (None: every member)."""
    async with pool.acquire() as conn:
        return await activity.by_status(conn, community.id, now, listed)


async def spreads(pool: Any, community: Actor, now: datetime) -> list[Spread]:
    async with pool.acquire() as conn:
        return list(await organisations_and_sectors(conn, community.id, periods.months(now)[0]))


async def figures(pool: Any, community: Actor, now: datetime) -> Figures:
    months, weeks = periods.months(now), periods.weeks(now)

    async def activity_counts() -> tuple[dict[date, int], dict[date, int], dict[date, int]]:
        async with pool.acquire() as conn:
            return (
                await trends.taking_part_by_month(conn, community.id, months[0]),
                await trends.newcomers_by_month(conn, community.id, months[0]),
                await trends.threads_by_week(conn, community.id, weeks[0]),
            )

    async def question_counts() -> tuple[list[QuestionMonth], tuple[int, list[OpenQuestion]]]:
        async with pool.acquire() as conn:
            return (
                await trends.questions_by_month(conn, community.id, months[0]),
                await trends.unanswered_questions(conn, community.id, months[0], UNANSWERED_SHOWN),
            )

    # Two independent reads, each on its own connection.
    (
        (taking_part, newcomers, threads),
        (questions, (unanswered_total, unanswered)),
    ) = await asyncio.gather(activity_counts(), question_counts())
    by_month = {q.month: q for q in questions if q.month is not None}
    overall = next((q for q in questions if q.month is None), QuestionMonth(None, 0, 0, 0, None))
    # Titles, descriptions and headings in the reader's language (web.health makes the CSV
    # files speaking English).
    series = [
        _monthly(
            "taking-part", _("People taking part"),
            _("People who wrote a thread or a reply, or voted, in the community each month."),
            (_("People taking part"),), months, lambda m: (taking_part.get(m, 0),),
        ),
        _monthly(
            "newcomers", _("Newcomers"),
            _("Current members by the month they joined."),
            (_("Newcomers"),), months, lambda m: (newcomers.get(m, 0),),
        ),
        Series(
            "threads", _("Threads per week"),
            _("Threads started each week (Monday to Sunday), removed ones aside."),
            _("Week"), (_("Threads"),),
            [Row(periods.week_label(w), (threads.get(w, 0),)) for w in weeks],
        ),
        _monthly(
            "questions", _("Questions"),
            _("Questions asked each month; answered: with a reply by someone other than the "
              "asker; solved: with an accepted answer."),
            (_("Asked"), _("Answered"), _("Solved")), months,
            lambda m: _question_counts(by_month.get(m)),
        ),
        _monthly(
            "time-to-answer", _("Time to first answer"),
            _("Median hours from a question to its first reply by someone other than the "
              "asker, for the questions asked each month that have one."),
            (_("Median hours to first answer"),), months,
            lambda m: (_hours(by_month.get(m)),),
        ),
    ]  # fmt: skip
    weekly = [threads.get(w, 0) for w in weeks]
    return Figures(
        newcomers_this_month=newcomers.get(months[-1], 0),
        questions=overall,
        unanswered_total=unanswered_total,
        unanswered=unanswered,
        threads_per_week=sum(weekly) / len(weekly),
        series=series,
    )


async def health(pool: Any, name: str, user: User, now: datetime, listed: int) -> Health:
    """The page: members by status (the first `listed` of each by name), figures, spreads."""
    community = await facilitated(pool, name, user)
    # Three independent reads, each on its own connection: the page waits for the slowest.
    members, figured, spread = await asyncio.gather(
        member_statuses(pool, community, now, listed),
        figures(pool, community, now),
        spreads(pool, community, now),
    )
    return Health(community, name, now, members, figured, spread)


async def all_unanswered(
    pool: Any, community: Actor, now: datetime, limit: int
) -> list[OpenQuestion]:
    """The period's unanswered questions, newest first, up to `limit` (for the CSV)."""
    async with pool.acquire() as conn:
        _total, questions = await trends.unanswered_questions(
            conn, community.id, periods.months(now)[0], limit
        )
    return questions


def _monthly(
    key: str,
    title: str,
    description: str,
    columns: tuple[str, ...],
    months: list[date],
    values: Any,
) -> Series:
    rows = [Row(periods.month_label(m), tuple(values(m))) for m in months]
    return Series(key, title, description, _("Month"), columns, rows)


def _question_counts(month: QuestionMonth | None) -> tuple[Number, ...]:
    return (0, 0, 0) if month is None else (month.asked, month.answered, month.solved)


def _hours(month: QuestionMonth | None) -> Number:
    if month is None or month.median_seconds_to_answer is None:
        return None
    return round(month.median_seconds_to_answer / 3600, 1)
