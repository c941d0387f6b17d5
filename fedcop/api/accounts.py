"""Accounts: people and communities (a community is an account with `group: true`), here and
elsewhere; following them, and how the signed-in user stands with them.

    GET  /api/v1/accounts/:id, /accounts?id[]=, /accounts/lookup?acct=, /accounts/search?q=
    GET  /api/v1/accounts/:id/followers, /:id/following     accepted follows, paged by follow id
    POST /api/v1/accounts/:id/follow, /:id/unfollow          a community: join / leave it
    GET  /api/v1/accounts/relationships?id[]=, /familiar_followers?id[]=

The user's own account (verify_credentials, update_credentials) is in credentials.py; an
account's statuses are in timelines.py. Unknown or malformed ids answer 404 Record not found.
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api import credentials
from fedcop.api.account_entities import accounts as account_entities
from fedcop.api.account_entities import relationship
from fedcop.api.auth import Call, endpoint
from fedcop.api.errors import not_found
from fedcop.api.pagination import Page, link_header
from fedcop.api.params import parse_id
from fedcop.routes.responses import json_response
from fedcop.services import account_directory, relationships
from fedcop.store.relationships import Window

MAX_IDS = 40
LIST_DEFAULT = 40
LIST_MOST = 80


def _ids(call: Call) -> list[int]:
    """The `id[]` parameter; ids that cannot be ids name no account and are left out."""
    found = []
    for value in call.params.texts("id")[:MAX_IDS]:
        if value.isascii() and value.isdigit() and len(value) <= 19 and int(value) < 2**63:
            found.append(parse_id(value))
    return found


@endpoint("read:accounts")
async def show(call: Call) -> Response:
    actor = await relationships.account(call.pool, call.path_id())
    return json_response((await account_entities(call.pool, call.config, [actor]))[0])


@endpoint("read:accounts")
async def many(call: Call) -> Response:
    actors = await account_directory.by_ids(call.pool, _ids(call))
    return json_response(await account_entities(call.pool, call.config, actors))


@endpoint("read:accounts")
async def lookup(call: Call) -> Response:
    actor = await account_directory.by_handle(call.pool, call.config, call.params.required("acct"))
    if actor is None:
        raise not_found()
    return json_response((await account_entities(call.pool, call.config, [actor]))[0])


@endpoint("read:accounts")
async def search(call: Call) -> Response:
    """The account part of /api/v2/search, on its own (Mastodon's accounts/search)."""
    params = call.params
    user = call.user
    limit = max(1, min(params.number("limit", LIST_DEFAULT) or LIST_DEFAULT, LIST_MOST))
    actors = await account_directory.search(
        call.pool,
        call.config,
        call.network,
        params.required("q"),
        resolve=params.flag("resolve") and user is not None,
        limit=limit,
        offset=max(0, params.number("offset", 0) or 0) if user is not None else 0,
        followed_by=user.actor.id if user is not None and params.flag("following") else None,
    )
    return json_response(await account_entities(call.pool, call.config, actors))


async def _follow_list(call: Call, direction: str) -> Response:
    page = Page.of(call.params, default=LIST_DEFAULT, most=LIST_MOST)
    window = Window(page.max_id, page.lower, page.limit, page.oldest_first)
    found = await relationships.follow_list(call.pool, call.path_id(), direction, window, call.user)
    body = await account_entities(call.pool, call.config, [actor for _, actor in found])
    headers = link_header(call.request, [follow_id for follow_id, _ in found])
    return json_response(body, headers=headers)


@endpoint("read:accounts")
async def followers(call: Call) -> Response:
    return await _follow_list(call, "followers")


@endpoint("read:accounts")
async def following(call: Call) -> Response:
    return await _follow_list(call, "following")


@endpoint("write:follows", user=True)
async def follow(call: Call) -> Response:
    found = await relationships.follow(
        call.pool, call.config, call.network, call.me(), call.path_id()
    )
    return json_response(relationship(found))


@endpoint("write:follows", user=True)
async def unfollow(call: Call) -> Response:
    found = await relationships.unfollow(call.pool, call.config, call.me(), call.path_id())
    return json_response(relationship(found))


@endpoint("read:follows", user=True)
async def relationships_of(call: Call) -> Response:
    found = await relationships.relationships(call.pool, call.me(), _ids(call))
    return json_response([relationship(item) for item in found])


@endpoint("read:follows", user=True)
async def familiar_followers(call: Call) -> Response:
    """Who among the people one follows also follows each account: fedcop does not work that
    out (yet), so each account has none."""
    return json_response([{"id": str(i), "accounts": []} for i in dict.fromkeys(_ids(call))])


routes: list[BaseRoute] = [
    *credentials.routes,
    Route("/api/v1/accounts", many, methods=["GET"]),
    Route("/api/v1/accounts/relationships", relationships_of, methods=["GET"]),
    Route("/api/v1/accounts/familiar_followers", familiar_followers, methods=["GET"]),
    Route("/api/v1/accounts/lookup", lookup, methods=["GET"]),
    Route("/api/v1/accounts/search", search, methods=["GET"]),
    Route("/api/v1/accounts/{id}", show, methods=["GET"]),
    Route("/api/v1/accounts/{id}/followers", followers, methods=["GET"]),
    Route("/api/v1/accounts/{id}/following", following, methods=["GET"]),
    Route("/api/v1/accounts/{id}/follow", follow, methods=["POST"]),
    Route("/api/v1/accounts/{id}/unfollow", unfollow, methods=["POST"]),
]
