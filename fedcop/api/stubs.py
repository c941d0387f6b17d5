"""Lists that apps fetch when they start and that fedcop keeps empty: lists, filters,
announcements, trends, blocks, mutes, ... An empty answer (with Mastodon's scope checks) spares
people an error message for a feature fedcop does not have."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.routes.responses import json_response
from fedcop.services import relationships


def _empty(scope: str | None, *, user: bool) -> Callable[[Request], Awaitable[Response]]:
    @endpoint(scope, user=user)
    async def empty(call: Call) -> Response:
        return json_response([])

    return empty


# path -> (scope Mastodon checks, whether it needs a signed-in user)
EMPTY_LISTS: dict[str, tuple[str | None, bool]] = {
    "/api/v1/lists": ("read:lists", True),
    "/api/v1/custom_emojis": (None, False),
    "/api/v1/filters": ("read:filters", True),
    "/api/v2/filters": ("read:filters", True),
    "/api/v1/announcements": ("read", True),
    "/api/v1/trends": (None, False),
    "/api/v1/trends/tags": (None, False),
    "/api/v1/trends/statuses": (None, False),
    "/api/v1/trends/links": (None, False),
    "/api/v1/blocks": ("read:blocks", True),
    "/api/v1/mutes": ("read:mutes", True),
    "/api/v1/domain_blocks": ("read:blocks", True),
    "/api/v1/scheduled_statuses": ("read:statuses", True),
    "/api/v1/endorsements": ("read:accounts", True),
    "/api/v1/suggestions": ("read", True),
    "/api/v2/suggestions": ("read", True),
}


@endpoint("read:lists", user=True)
async def account_lists(call: Call) -> Response:
    """The user's lists an account is in: none (an unknown account is still a 404)."""
    await relationships.account(call.pool, call.path_id())
    return json_response([])


routes: list[BaseRoute] = [
    *(
        Route(path, _empty(scope, user=user), methods=["GET"])
        for path, (scope, user) in EMPTY_LISTS.items()
    ),
    Route("/api/v1/accounts/{id}/lists", account_lists, methods=["GET"]),
]
