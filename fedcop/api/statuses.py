"""Statuses: post, read, delete, and act on them (favourite, boost, bookmark).

POST /api/v1/statuses                        write:statuses   a reply, or a thread in the
                                                              community the text mentions, or
                                                              (visibility direct) a direct
                                                              message to the people it names
GET  /api/v1/statuses/:id                    read:statuses    (no token needed for public posts)
DELETE /api/v1/statuses/:id                  write:statuses   own posts only
GET  /api/v1/statuses/:id/context            read:statuses
POST /api/v1/statuses/:id/(un)favourite      write:favourites
POST /api/v1/statuses/:id/(un)reblog         write:statuses
POST /api/v1/statuses/:id/(un)bookmark       write:bookmarks
GET  /api/v1/statuses/:id/favourited_by      read:accounts
GET  /api/v1/statuses/:id/reblogged_by       read:accounts

A post the caller may not read answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import account
from fedcop.api.errors import not_found
from fedcop.api.media import media_ids
from fedcop.api.polls import poll_draft
from fedcop.api.status_entities import (
    reblog_status,
    render_status,
    render_statuses,
    source_text,
)
from fedcop.routes.responses import json_response
from fedcop.services import boosts, status_views, statuses
from fedcop.store.actors import Actor
from fedcop.store.posts import Post

MAX_ACCOUNTS = 80


async def _status(call: Call, post: Post) -> dict[str, Any]:
    rendered = await render_status(call.pool, call.config, call.user, post)
    if rendered is None:
        raise not_found()
    return rendered


@endpoint("write:statuses", user=True)
async def create(call: Call) -> Response:
    params = call.params
    draft = statuses.Draft(
        text=params.text("status") or "",
        in_reply_to_id=params.id("in_reply_to_id"),
        spoiler_text=params.text("spoiler_text") or "",
        sensitive=params.flag("sensitive"),
        visibility=params.text("visibility"),
        poll=poll_draft(params),
        media_ids=media_ids(params),
    )
    written = await statuses.compose(
        call.pool,
        call.config,
        call.network,
        call.me(),
        draft,
        call.request.headers.get("idempotency-key"),
    )
    return json_response(await _status(call, written))


@endpoint("read:statuses")
async def show(call: Call) -> Response:
    post = await statuses.visible(call.pool, call.user, call.path_id())
    return json_response(await _status(call, post))


@endpoint("write:statuses", user=True)
async def delete(call: Call) -> Response:
    me = call.me()
    post = await statuses.visible(call.pool, me, call.path_id())
    if post.author_id != me.actor.id:
        raise not_found()
    entity = await _status(call, post)
    await statuses.delete(call.pool, call.config, me, post.id)
    community_acct = entity["mentions"][0]["acct"] if entity["mentions"] else ""
    entity["text"] = source_text(post, community_acct)
    return json_response(entity)


@endpoint("read:statuses")
async def context(call: Call) -> Response:
    post = await statuses.visible(call.pool, call.user, call.path_id())
    above, below = await statuses.context(call.pool, call.user, post)
    return json_response(
        {
            "ancestors": await render_statuses(call.pool, call.config, call.user, above),
            "descendants": await render_statuses(call.pool, call.config, call.user, below),
        }
    )


@endpoint("write:favourites", user=True)
async def favourite(call: Call) -> Response:
    post = await statuses.favourite(call.pool, call.config, call.me(), call.path_id())
    return json_response(await _status(call, await statuses.visible(call.pool, call.me(), post.id)))


@endpoint("write:favourites", user=True)
async def unfavourite(call: Call) -> Response:
    post = await statuses.unfavourite(call.pool, call.config, call.me(), call.path_id())
    return json_response(await _status(call, await statuses.visible(call.pool, call.me(), post.id)))


@endpoint("write:statuses", user=True)
async def reblog(call: Call) -> Response:
    me = call.me()
    made, post = await boosts.boost(call.pool, call.config, me, call.path_id())
    original = await _status(call, post)
    cards = await status_views.account_cards(call.pool, [me.actor])
    booster = account(cards[me.actor.id], call.config)
    return json_response(
        reblog_status(made.id, made.activity_uri, made.created_at, booster, original)
    )


@endpoint("write:statuses", user=True)
async def unreblog(call: Call) -> Response:
    post = await boosts.unboost(call.pool, call.config, call.me(), call.path_id())
    return json_response(await _status(call, post))


@endpoint("write:bookmarks", user=True)
async def bookmark(call: Call) -> Response:
    post = await statuses.bookmark(call.pool, call.me(), call.path_id(), saved=True)
    return json_response(await _status(call, post))


@endpoint("write:bookmarks", user=True)
async def unbookmark(call: Call) -> Response:
    post = await statuses.bookmark(call.pool, call.me(), call.path_id(), saved=False)
    return json_response(await _status(call, post))


async def _accounts(call: Call, actors: list[Actor]) -> Response:
    cards = await status_views.account_cards(call.pool, actors)
    return json_response([account(cards[actor.id], call.config) for actor in actors])


@endpoint("read:accounts")
async def favourited_by(call: Call) -> Response:
    limit = min(call.params.number("limit", 40) or 40, MAX_ACCOUNTS)
    return await _accounts(
        call, await statuses.favourited_by(call.pool, call.user, call.path_id(), limit)
    )


@endpoint("read:accounts")
async def reblogged_by(call: Call) -> Response:
    limit = min(call.params.number("limit", 40) or 40, MAX_ACCOUNTS)
    return await _accounts(
        call, await statuses.reblogged_by(call.pool, call.user, call.path_id(), limit)
    )


routes: list[BaseRoute] = [
    Route("/api/v1/statuses", create, methods=["POST"]),
    Route("/api/v1/statuses/{id}", show, methods=["GET"]),
    Route("/api/v1/statuses/{id}", delete, methods=["DELETE"]),
    Route("/api/v1/statuses/{id}/context", context, methods=["GET"]),
    Route("/api/v1/statuses/{id}/favourite", favourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unfavourite", unfavourite, methods=["POST"]),
    Route("/api/v1/statuses/{id}/reblog", reblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unreblog", unreblog, methods=["POST"]),
    Route("/api/v1/statuses/{id}/bookmark", bookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/unbookmark", unbookmark, methods=["POST"]),
    Route("/api/v1/statuses/{id}/favourited_by", favourited_by, methods=["GET"]),
    Route("/api/v1/statuses/{id}/reblogged_by", reblogged_by, methods=["GET"]),
]
