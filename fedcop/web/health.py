"""A community's health, for its facilitators: /c/{name}/manage/health and its CSV files,
/c/{name}/manage/health.csv?metric=KEY (members, unanswered, or a chart's key).

Anyone else gets 404 (signed out: the page sends them to sign in; a CSV answers 404), and
nothing of the community's members or figures.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import N_, _, language, speaking
from fedcop.i18n.languages import DEFAULT
from fedcop.services.errors import ServiceError
from fedcop.services.health import charts, csv_export, report
from fedcop.services.health.activity import ACTIVE_DAYS, LAPSED_DAYS
from fedcop.store.actors import Actor
from fedcop.web.render import go, not_found, render
from fedcop.web.session import viewer

# Members listed by name in each group on the page (the CSV has them all; "check in with all
# lapsed members" sends them all).
LISTED = 100
# The most unanswered questions a CSV lists.
UNANSWERED_CSV = 10_000
NOT_YOURS = N_("there is no such page, or only the community's facilitators may see it")
SERIES = ("taking-part", "newcomers", "threads", "questions", "time-to-answer")
SPREADS = ("organisations", "sectors")


def tenths(value: float) -> str:
    """A figure to one decimal, the reader's way ("6.0", "6,0")."""
    return format_decimal(value, format="#,##0.0", locale=language())


async def health_page(request: Request) -> Response:
    current = await viewer(request)
    name = request.path_params["name"]
    if current.user is None:
        return go(f"/login?next=/c/{name}/manage/health")
    try:
        health = await report.health(
            request.app.state.pool, name, current.user, datetime.now(UTC), LISTED
        )
    except ServiceError:
        return await not_found(request, _(NOT_YOURS))
    drawn = {
        series.key: charts.bar_chart(series.charted, 13 if series.key == "threads" else 3)
        for series in health.figures.series
    }
    categories = {spread.key: charts.category_chart(spread.charted) for spread in health.spreads}
    # Thousands of lapsed members make thousands of these: joined here, not in a template loop.
    every_lapsed = Markup("").join(
        Markup('<input type="hidden" name="member" value="{}">').format(actor_id)
        for actor_id in health.members.lapsed_ids
    )
    return await render(
        request,
        "health/health.html",
        health=health,
        figures=health.figures,
        community=health.community,
        charts=drawn,
        categories=categories,
        every_lapsed=every_lapsed,
        active_days=ACTIVE_DAYS,
        lapsed_days=LAPSED_DAYS,
        tenths=tenths,
    )


async def health_csv(request: Request) -> Response:
    current = await viewer(request)
    name = request.path_params["name"]
    metric = request.query_params.get("metric", "")
    if current.user is None:
        return await not_found(request, _(NOT_YOURS))
    pool, config = request.app.state.pool, request.app.state.config
    now = datetime.now(UTC)
    try:
        community = await report.facilitated(pool, name, current.user)
    except ServiceError:
        return await not_found(request, _(NOT_YOURS))
    if metric == "members":
        groups = await report.member_statuses(pool, community, now)
        text = csv_export.members_csv(groups, config.domain)
    elif metric == "unanswered":
        questions = await report.all_unanswered(pool, community, now, UNANSWERED_CSV)
        text = csv_export.unanswered_csv(questions, config.domain, config.base_url)
    elif metric in SERIES or metric in SPREADS:
        # A data file: its headings and months stay English in any page's language, as the
        # members' and questions' columns do, so one script reads every download.
        with speaking(DEFAULT):
            text = await _figure_csv(pool, community, now, metric)
    else:
        return await not_found(request, _("There is no figure “%(metric)s”.", metric=metric))
    # Names from elsewhere may hold anything: the file name keeps letters, digits, - and _.
    safe = re.sub(r"[^A-Za-z0-9_-]", "", community.username) or "community"
    filename = f"{safe}-{metric}-{now:%Y-%m-%d}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "Vary": "Cookie",
        },
    )


async def _figure_csv(pool: Any, community: Actor, now: datetime, metric: str) -> str:
    if metric in SERIES:
        series = (await report.figures(pool, community, now)).series_named(metric)
        assert series is not None
        return csv_export.series_csv(series)
    spread = next(s for s in await report.spreads(pool, community, now) if s.key == metric)
    return csv_export.spread_csv(spread)


routes = [
    Route("/c/{name}/manage/health", health_page, methods=["GET"]),
    Route("/c/{name}/manage/health.csv", health_csv, methods=["GET"]),
]
