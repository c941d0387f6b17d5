"""GET /api/v1/directory: the profile directory, as Mastodon's.

    offset   skip this many (default 0)
    limit    how many (default 40, at most 80)
    order    `active` (most recent post first, the default) or `new` (newest account first)
    local    true: only people on this node

Lists the people who chose to be listed: here, those who ticked it in their settings or sent
`discoverable` to update_credentials; from elsewhere, those whose server says `discoverable`.
Public, like Mastodon's (no token needed). Bad parameters are a 422.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.account_entities import accounts as account_entities
from fedcop.api.auth import Call, endpoint
from fedcop.api.errors import ApiError
from fedcop.routes.responses import json_response
from fedcop.services.people import directory


@endpoint("read:accounts")
async def directory_list(call: Call) -> Response:
    params = call.params
    order = params.text("order") or "active"
    if order not in ("active", "new"):
        raise ApiError(422, "order must be active or new")
    limit = params.number("limit", directory.DEFAULT_LIMIT) or directory.DEFAULT_LIMIT
    offset = params.number("offset", 0) or 0
    if limit < 1 or offset < 0 or offset > directory.MAX_OFFSET:
        raise ApiError(422, f"limit must be positive, offset from 0 to {directory.MAX_OFFSET}")
    found = await directory.listed(
        call.pool,
        local_only=params.flag("local"),
        order=order,
        limit=min(limit, directory.MOST),
        offset=offset,
    )
    return json_response(await account_entities(call.pool, call.config, [a for a, _ in found]))


routes: list[BaseRoute] = [Route("/api/v1/directory", directory_list, methods=["GET"])]
