"""Direct conversations, as Mastodon apps read them.

GET    /api/v1/conversations              read:statuses    the user's conversations, the one
                                                           with the newest message first
POST   /api/v1/conversations/:id/read     write:conversations
DELETE /api/v1/conversations/:id         write:conversations  removed from the list (a new
                                                           message brings it back)

A Conversation is {id, unread, accounts (everyone in it but the user), last_status}; its id is
the id of its first message. Paged (max_id, since_id, min_id) on the last message's id, with
a Link header. Writing is POST /api/v1/statuses with `visibility: direct`.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import account
from fedcop.api.errors import not_found
from fedcop.api.pagination import Page, link_header
from fedcop.api.status_entities import render_statuses
from fedcop.routes.responses import json_response
from fedcop.services import status_views
from fedcop.services.errors import NotFound
from fedcop.services.messages import reading
from fedcop.services.messages.reading import Conversation


async def _entities(call: Call, found: list[Conversation]) -> list[dict[str, Any]]:
    people = {actor.id: actor for c in found for actor in c.others}
    cards = await status_views.account_cards(call.pool, list(people.values()))
    statuses = await render_statuses(call.pool, call.config, call.me(), [c.last for c in found])
    by_id = {status["id"]: status for status in statuses}
    return [
        {
            "id": str(c.root_id),
            "unread": c.unread,
            "accounts": [account(cards[actor.id], call.config) for actor in c.others],
            "last_status": by_id.get(str(c.last.id)),
        }
        for c in found
    ]


@endpoint("read:statuses", user=True)
async def index(call: Call) -> Response:
    page = Page.of(call.params)
    found = await reading.conversations(
        call.pool, call.me().actor.id, before=page.max_id, after=page.lower, limit=page.limit
    )
    return json_response(
        await _entities(call, found),
        headers=link_header(call.request, [c.last.id for c in found]),
    )


@endpoint("write:conversations", user=True)
async def read(call: Call) -> Response:
    me = call.me()
    try:
        found = await reading.conversation(call.pool, me.actor.id, call.path_id())
    except NotFound:
        raise not_found() from None
    await reading.mark_read(call.pool, me.actor.id, found.root_id)
    marked = await reading.conversation(call.pool, me.actor.id, found.root_id)
    return json_response((await _entities(call, [marked]))[0])


@endpoint("write:conversations", user=True)
async def remove(call: Call) -> Response:
    if not await reading.hide(call.pool, call.me().actor.id, call.path_id()):
        raise not_found()
    return json_response({})


routes: list[BaseRoute] = [
    Route("/api/v1/conversations", index, methods=["GET"]),
    # Mastodon.py asks with a trailing slash; a redirect would name this node's public host.
    Route("/api/v1/conversations/", index, methods=["GET"]),
    Route("/api/v1/conversations/{id}/read", read, methods=["POST"]),
    Route("/api/v1/conversations/{id}", remove, methods=["DELETE"]),
]
