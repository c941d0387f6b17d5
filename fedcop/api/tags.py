"""Hashtags: the Tag entity, following hashtags, and a person's featured hashtags.

GET    /api/v1/tags/:name                  (no scope)        the Tag, with 7 days of `history`,
                                                             `following` and `featuring`
POST   /api/v1/tags/:name/follow, /unfollow     write:follows    the Tag
POST   /api/v1/tags/:name/feature, /unfeature   write:accounts   the Tag
GET    /api/v1/followed_tags               read:follows      Tags, the latest followed first
GET    /api/v1/featured_tags               read:accounts     the user's FeaturedTags
POST   /api/v1/featured_tags               write:accounts    `name`: the new FeaturedTag
DELETE /api/v1/featured_tags/:id           write:accounts    {}
GET    /api/v1/featured_tags/suggestions   read:accounts     Tags the user used lately and
                                                             does not feature yet
GET    /api/v1/accounts/:id/featured_tags  read:accounts     an account's FeaturedTags (people
                                                             here; an empty list for others)

A name that cannot be a hashtag answers 404, as on Mastodon.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from urllib.parse import quote

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.pagination import Page, link_header
from fedcop.config import Config
from fedcop.routes.responses import json_response
from fedcop.services import tags
from fedcop.services.tags import FeaturedTag, Tag

FOLLOWED_DEFAULT = 100  # Mastodon's page of followed tags
FOLLOWED_MOST = 200


def tag_url(config: Config, name: str) -> str:
    return f"{config.base_url}/tags/{quote(name)}"


def tag_entity(found: Tag, config: Config) -> dict[str, Any]:
    entity: dict[str, Any] = {
        # Tags have no number of their own here: the name is the id (it is unique).
        "id": found.name,
        "name": found.name,
        "url": tag_url(config, found.name),
        "history": [
            {
                "day": str(int(datetime.combine(day.day, time(), UTC).timestamp())),
                "uses": str(day.uses),
                "accounts": str(day.accounts),
            }
            for day in found.history
        ],
    }
    if found.following is not None:
        entity["following"] = found.following
    if found.featuring is not None:
        entity["featuring"] = found.featuring
    return entity


def featured_tag_entity(found: FeaturedTag, config: Config) -> dict[str, Any]:
    return {
        "id": str(found.id),
        "name": found.name,
        "url": tag_url(config, found.name),
        "statuses_count": str(found.statuses),
        "last_status_at": found.last_status_at.isoformat() if found.last_status_at else None,
    }


def _name(call: Call) -> str:
    return str(call.request.path_params["name"])


@endpoint(None)
async def show(call: Call) -> Response:
    return json_response(tag_entity(await tags.tag(call.pool, call.user, _name(call)), call.config))


async def _follow(call: Call, following: bool) -> Response:
    found = await tags.follow(call.pool, call.me(), _name(call), following=following)
    return json_response(tag_entity(found, call.config))


@endpoint("write:follows", user=True)
async def follow(call: Call) -> Response:
    return await _follow(call, True)


@endpoint("write:follows", user=True)
async def unfollow(call: Call) -> Response:
    return await _follow(call, False)


@endpoint("write:accounts", user=True)
async def feature(call: Call) -> Response:
    await tags.feature(call.pool, call.me(), _name(call))
    return json_response(tag_entity(await tags.tag(call.pool, call.me(), _name(call)), call.config))


@endpoint("write:accounts", user=True)
async def unfeature(call: Call) -> Response:
    await tags.unfeature(call.pool, call.me(), text=_name(call))
    return json_response(tag_entity(await tags.tag(call.pool, call.me(), _name(call)), call.config))


@endpoint("read:follows", user=True)
async def followed(call: Call) -> Response:
    page = Page.of(call.params, default=FOLLOWED_DEFAULT, most=FOLLOWED_MOST)
    found = await tags.followed(call.pool, call.me(), page.max_id, page.lower, page.limit)
    body = [tag_entity(one, call.config) for _, one in found]
    return json_response(body, headers=link_header(call.request, [i for i, _ in found]))


@endpoint("read:accounts", user=True)
async def my_featured(call: Call) -> Response:
    found = await tags.featured_of(call.pool, call.me().actor.id)
    return json_response([featured_tag_entity(one, call.config) for one in found])


@endpoint("read:accounts", user=True)
async def suggestions(call: Call) -> Response:
    found = await tags.suggested_features(call.pool, call.me())
    return json_response([tag_entity(one, call.config) for one in found])


@endpoint("write:accounts", user=True)
async def add_featured(call: Call) -> Response:
    found = await tags.feature(call.pool, call.me(), call.params.text("name") or "")
    return json_response(featured_tag_entity(found, call.config))


@endpoint("write:accounts", user=True)
async def remove_featured(call: Call) -> Response:
    await tags.unfeature(call.pool, call.me(), featured_id=call.path_id())
    return json_response({})


@endpoint("read:accounts")
async def account_featured(call: Call) -> Response:
    found = await tags.featured_of(call.pool, call.path_id())
    return json_response([featured_tag_entity(one, call.config) for one in found])


routes: list[BaseRoute] = [
    Route("/api/v1/tags/{name}", show, methods=["GET"]),
    Route("/api/v1/tags/{name}/follow", follow, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfollow", unfollow, methods=["POST"]),
    Route("/api/v1/tags/{name}/feature", feature, methods=["POST"]),
    Route("/api/v1/tags/{name}/unfeature", unfeature, methods=["POST"]),
    Route("/api/v1/followed_tags", followed, methods=["GET"]),
    Route("/api/v1/featured_tags", my_featured, methods=["GET"]),
    Route("/api/v1/featured_tags", add_featured, methods=["POST"]),
    Route("/api/v1/featured_tags/suggestions", suggestions, methods=["GET"]),
    Route("/api/v1/featured_tags/{id}", remove_featured, methods=["DELETE"]),
    Route("/api/v1/accounts/{id}/featured_tags", account_featured, methods=["GET"]),
]
