"""/c/NAME/members and /c/NAME@DOMAIN/members: a community's members, filters, "who knows about
X", and the organisation and sector spread as charts with tables (services/people/members.py).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import N_, _
from fedcop.services import browsing
from fedcop.services.errors import NotFound
from fedcop.services.people.members import Filters, members_page
from fedcop.web.directory.chart import chart
from fedcop.web.render import not_found, render
from fedcop.web.session import viewer

_GONE = N_("There is no such community here.")


async def _community_uri(request: Request) -> str | None:
    handle = request.path_params["handle"]
    if "@" in handle:
        name, _at, domain = handle.partition("@")
        return await browsing.remote_community_uri(request.app.state.pool, name, domain)
    return f"{request.app.state.config.base_url}/c/{handle}"


def _page_number(text: str | None) -> int:
    return int(text) if text is not None and text.isdigit() and len(text) < 6 else 1


async def members(request: Request) -> Response:
    uri = await _community_uri(request)
    if uri is None:
        return await not_found(request, _(_GONE))
    current = await viewer(request)
    params = request.query_params
    try:
        view = await members_page(
            request.app.state.pool,
            uri,
            current.user.actor.id if current.user else None,
            filters=Filters(
                organisation=params.get("organisation"),
                sector=params.get("sector"),
                expertise=params.get("expertise"),
            ),
            query=params.get("q"),
            page=_page_number(params.get("page")),
        )
    except NotFound:
        return await not_found(request, _(_GONE))
    spread = view.spread
    return await render(
        request,
        "directory/members.html",
        view=view,
        community=view.community,
        handle=request.path_params["handle"],
        organisations=chart(spread.organisations, spread.other_organisations, spread.members),
        sectors=chart(spread.sectors, spread.other_sectors, spread.members),
    )
