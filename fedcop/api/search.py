"""GET /api/v2/search: accounts, statuses and hashtags for a query.

    q = https://...      the account or post with that id; with resolve=true fetched from its
                         server when unknown (services.resolving)
    q = name@domain      that account; with resolve=true found by WebFinger when unknown
    q = text             accounts whose name starts with it; hashtags starting with it;
                         statuses whose words match it (services.post_search: "a phrase",
                         -word, or; operators from:, before:, after:, during:, is:question,
                         is:unanswered, is:solved; ranked among the newest matches, only posts
                         the caller may read; `account_id` keeps those by one author,
                         `min_id` / `max_id` those with ids above / below)

As in Mastodon, `resolve` and `offset` need a user's token (401 without), and a server that
cannot be reached only means no result.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.account_entities import accounts as account_entities
from fedcop.api.auth import Call, endpoint
from fedcop.api.errors import ApiError
from fedcop.api.status_entities import render_statuses
from fedcop.config import Config
from fedcop.routes.responses import json_response
from fedcop.services import account_directory, post_search, resolving, tag_search
from fedcop.store.actors import Actor
from fedcop.store.posts import Post

DEFAULT_LIMIT = 20
MOST = 40
TYPES = ("accounts", "statuses", "hashtags")


def tag_entity(name: str, config: Config) -> dict[str, Any]:
    # Tags have no row of their own here: their id is a stable number derived from the name.
    number = int.from_bytes(hashlib.sha256(name.encode()).digest()[:7], "big")
    return {
        "id": str(number),
        "name": name,
        "url": f"{config.base_url}/tags/{quote(name)}",
        "history": [],
        "following": False,
    }


@endpoint("read:search")
async def search(call: Call) -> Response:
    params = call.params
    query = params.required("q").strip()[: account_directory.MAX_QUERY]
    kind = params.text("type") or None
    if kind is not None and kind not in TYPES:
        raise ApiError(422, "type must be accounts, statuses or hashtags")
    user = call.user
    resolve = params.flag("resolve")
    offset = params.number("offset", 0) or 0
    if user is None and resolve:
        raise ApiError(
            401, "Search queries that resolve remote resources are not supported without a token"
        )
    if user is None and offset:
        raise ApiError(401, "Search queries pagination is not supported without a token")
    if offset < 0:
        raise ApiError(422, "offset must be at least 0")
    limit = params.number("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT
    if limit < 1:
        raise ApiError(422, "limit must be at least 1")
    limit = min(limit, MOST)
    author_id = params.id("account_id")
    min_id, max_id = params.id("min_id"), params.id("max_id")
    following = user is not None and params.flag("following")

    def wanted(name: str) -> bool:
        return kind is None or kind == name

    accounts: list[Actor] = []
    posts: list[Post] = []
    tags: list[str] = []
    if query.startswith(("https://", "http://")):
        if offset == 0 and (wanted("accounts") or wanted("statuses")):
            if resolve:
                found = await resolving.resolve_url(call.pool, call.config, call.network, query)
            else:
                found = await resolving.known(call.pool, query)
            if isinstance(found, Actor) and wanted("accounts"):
                accounts = [found]
            if isinstance(found, Post) and wanted("statuses"):
                posts = [found]
    else:
        if wanted("accounts"):
            accounts = await account_directory.search(
                call.pool,
                call.config,
                call.network,
                query,
                resolve=resolve,
                limit=limit,
                offset=offset,
                followed_by=user.actor.id if user is not None and following else None,
            )
        if wanted("statuses"):
            hits = await post_search.search(
                call.pool,
                query,
                viewer_id=user.actor.id if user is not None else None,
                filters=post_search.Filters(author_id=author_id, min_id=min_id, max_id=max_id),
                limit=limit,
                offset=offset,
                config=call.config,
            )
            posts = [hit.post for hit in hits]
        if wanted("hashtags"):
            tags = await tag_search.starting_with(call.pool, query, limit=limit, offset=offset)
    return json_response(
        {
            "accounts": await account_entities(call.pool, call.config, accounts),
            "statuses": (
                await render_statuses(call.pool, call.config, user, posts) if posts else []
            ),
            "hashtags": [tag_entity(tag, call.config) for tag in tags],
        }
    )


routes: list[BaseRoute] = [Route("/api/v2/search", search, methods=["GET"])]
