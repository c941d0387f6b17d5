"""What a person does with a status for themselves: pin it on their profile, mute its
conversation; and reading several statuses at once.

POST /api/v1/statuses/:id/pin, /unpin      write:accounts   own public or unlisted posts, at
                                                            most 5 (services.profile_pins)
POST /api/v1/statuses/:id/mute, /unmute    write:mutes      no notification from that thread
                                                            (services.conversation_mutes)
GET  /api/v1/statuses?id[]=                read:statuses    the statuses the caller may read,
                                                            in the order asked; others left out;
                                                            a boost's id gives its wrapper

Each answers the status as the caller now sees it (`pinned`, `muted`). A post the caller may
not read answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.errors import ApiError, not_found
from fedcop.api.status_entities import render_entries, render_status
from fedcop.routes.responses import json_response
from fedcop.services import conversation_mutes, profile_pins, status_views
from fedcop.store.posts import Post

MAX_IDS = 40  # as many as one page of a timeline


async def _answer(call: Call, post: Post) -> Response:
    rendered = await render_status(call.pool, call.config, call.user, post)
    if rendered is None:
        raise not_found()
    return json_response(rendered)


@endpoint("write:accounts", user=True)
async def pin(call: Call) -> Response:
    post = await profile_pins.pin(call.pool, call.config, call.me(), call.path_id())
    return await _answer(call, post)


@endpoint("write:accounts", user=True)
async def unpin(call: Call) -> Response:
    post = await profile_pins.unpin(call.pool, call.config, call.me(), call.path_id())
    return await _answer(call, post)


@endpoint("write:mutes", user=True)
async def mute(call: Call) -> Response:
    post = await conversation_mutes.mute(call.pool, call.me(), call.path_id(), muted=True)
    return await _answer(call, post)


@endpoint("write:mutes", user=True)
async def unmute(call: Call) -> Response:
    post = await conversation_mutes.mute(call.pool, call.me(), call.path_id(), muted=False)
    return await _answer(call, post)


@endpoint("read:statuses")
async def many(call: Call) -> Response:
    asked = call.params.texts("id")
    # Refused rather than cut short: an app takes a status missing from the answer for deleted.
    if len(asked) > MAX_IDS:
        raise ApiError(422, f"Too many ids: ask for at most {MAX_IDS} statuses at a time")
    # Ids that cannot be ids name no status and are left out, like unknown ones.
    wanted = [
        int(value)
        for value in asked
        if value.isascii() and value.isdigit() and len(value) <= 19 and int(value) < 2**63
    ]
    # A boost's id gives the booster's status wrapping the post, as in timelines (Phanpy asks
    # again for every id of its cached timeline, and takes a missing one for a deleted status).
    entries = await status_views.entries_by_ids(call.pool, wanted)
    # render_entries leaves out what the caller may not read, deleted and removed posts too.
    return json_response(await render_entries(call.pool, call.config, call.user, entries))


routes: list[BaseRoute] = [
    Route("/api/v1/statuses", many, methods=["GET"]),
    Route("/api/v1/statuses/{id}/pin", pin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unpin", unpin, methods=["POST"]),
    Route("/api/v1/statuses/{id}/mute", mute, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unmute", unmute, methods=["POST"]),
]
