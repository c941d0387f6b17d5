"""/directory: the people of this node who chose to be listed, with what they state."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedcop.services.people import directory
from fedcop.web.render import render

PAGE_SIZE = 40


async def directory_page(request: Request) -> Response:
    order = "new" if request.query_params.get("order") == "new" else "active"
    text = request.query_params.get("page", "1")
    page = int(text) if text.isdigit() and len(text) < 5 and int(text) > 0 else 1
    found = await directory.listed(
        request.app.state.pool,
        local_only=True,
        order=order,
        limit=PAGE_SIZE + 1,
        offset=(page - 1) * PAGE_SIZE,
    )
    return await render(
        request,
        "directory/node.html",
        people=found[:PAGE_SIZE],
        more=len(found) > PAGE_SIZE,
        page=page,
        order=order,
    )
