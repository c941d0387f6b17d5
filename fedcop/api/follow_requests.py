"""Follow requests waiting on the signed-in user: to their own account, and to each community
they facilitate that approves its members by hand (services.follow_requests).

    GET  /api/v1/follow_requests                          accounts, newest request first
    POST /api/v1/follow_requests/:account_id/authorize    Accept sent; the Relationship
                                                          (followed_by: true, as Mastodon)
    POST /api/v1/follow_requests/:account_id/reject       Reject sent; the Relationship

A request the user does not decide (someone else's community, no request) is 404, and nothing
changes.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.account_entities import accounts as account_entities
from fedcop.api.account_entities import relationship
from fedcop.api.auth import Call, endpoint
from fedcop.api.pagination import Page, link_header
from fedcop.routes.responses import json_response
from fedcop.services import follow_requests
from fedcop.store.relationships import Window


@endpoint("read:follows", user=True)
async def waiting(call: Call) -> Response:
    page = Page.of(call.params, default=40, most=80)
    window = Window(page.max_id, page.lower, page.limit, page.oldest_first)
    found = await follow_requests.waiting(call.pool, call.me(), window)
    body = await account_entities(call.pool, call.config, [actor for _, actor in found])
    return json_response(body, headers=link_header(call.request, [i for i, _ in found]))


async def _decide(call: Call, approve: bool) -> Response:
    requester = call.path_id("account_id")
    found = await follow_requests.decide(
        call.pool, call.config, call.me(), requester, approve=approve
    )
    return json_response(relationship(found))


@endpoint("write:follows", user=True)
async def authorize(call: Call) -> Response:
    return await _decide(call, True)


@endpoint("write:follows", user=True)
async def reject(call: Call) -> Response:
    return await _decide(call, False)


routes: list[BaseRoute] = [
    Route("/api/v1/follow_requests", waiting, methods=["GET"]),
    Route("/api/v1/follow_requests/{account_id}/authorize", authorize, methods=["POST"]),
    Route("/api/v1/follow_requests/{account_id}/reject", reject, methods=["POST"]),
]
