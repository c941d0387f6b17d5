"""Timelines and other lists of statuses, paged with max_id / since_id / min_id / limit and a
`Link` header whose URLs fetch the next and previous pages.

GET /api/v1/timelines/home                 read:statuses (user)  communities joined, actors
                                                                  followed, own posts; boosts
                                                                  by those followed and own
GET /api/v1/timelines/public               read:statuses         public posts (local=true: in
                                                                  communities here; remote=true:
                                                                  elsewhere)
GET /api/v1/timelines/tag/:hashtag         read:statuses
GET /api/v1/timelines/list/:id             read:lists            fedcop has no lists: 404
GET /api/v1/accounts/:id/statuses          read:statuses         a person's posts and boosts
                                                                  (exclude_reblogs: not those);
                                                                  a community's threads
                                                                  (pinned: its pins;
                                                                  tagged: with a hashtag)
GET /api/v1/favourites                     read:favourites (user)
GET /api/v1/bookmarks                      read:bookmarks (user)
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.errors import not_found
from fedcop.api.pagination import Page, link_header
from fedcop.api.params import checked_text
from fedcop.api.status_entities import render_entries, render_statuses
from fedcop.routes.responses import json_response
from fedcop.services import timelines
from fedcop.services.timelines import Entry, Window
from fedcop.store.posts import Post


def window_of(call: Call) -> Window:
    page = Page.of(call.params)
    return Window(
        before=page.max_id, after=page.lower, limit=page.limit, oldest_first=page.oldest_first
    )


async def _statuses(call: Call, posts: list[Post]) -> Response:
    rendered = await render_statuses(call.pool, call.config, call.user, posts)
    return json_response(rendered, headers=link_header(call.request, [post.id for post in posts]))


async def _entries(call: Call, entries: list[Entry]) -> Response:
    """Entries (posts and boosts) paged on their own ids: a boost's is the boost's."""
    rendered = await render_entries(call.pool, call.config, call.user, entries)
    ids = [entry.id for entry in entries]
    return json_response(rendered, headers=link_header(call.request, ids))


@endpoint("read:statuses", user=True)
async def home(call: Call) -> Response:
    return await _entries(call, await timelines.home(call.pool, call.me(), window_of(call)))


@endpoint("read:statuses")
async def public(call: Call) -> Response:
    local: bool | None = None
    if call.params.flag("local"):
        local = True
    elif call.params.flag("remote"):
        local = False
    if call.params.flag("only_media"):
        return json_response([])
    found = await timelines.public(call.pool, call.user, window_of(call), local=local)
    return await _statuses(call, found)


@endpoint("read:statuses")
async def tag(call: Call) -> Response:
    hashtag = checked_text("hashtag", str(call.request.path_params["hashtag"]))
    if call.params.flag("only_media"):
        return json_response([])
    found = await timelines.tagged(call.pool, call.user, hashtag, window_of(call))
    return await _statuses(call, found)


@endpoint("read:lists", user=True)
async def list_timeline(call: Call) -> Response:
    raise not_found()


@endpoint("read:statuses")
async def account_statuses(call: Call) -> Response:
    account_id = call.path_id()
    params = call.params
    window = window_of(call)
    if params.flag("only_media"):
        # Checked only after the account: an unknown account is still a 404.
        await timelines.account(
            call.pool,
            call.user,
            account_id,
            window,
            exclude_replies=True,
            exclude_reblogs=True,
            pinned=True,
        )
        return json_response([])
    found = await timelines.account(
        call.pool,
        call.user,
        account_id,
        window,
        exclude_replies=params.flag("exclude_replies"),
        exclude_reblogs=params.flag("exclude_reblogs"),
        pinned=params.flag("pinned"),
        tagged=params.text("tagged") or None,
    )
    return await _entries(call, found)


@endpoint("read:favourites", user=True)
async def favourites(call: Call) -> Response:
    return await _statuses(call, await timelines.favourites(call.pool, call.me(), window_of(call)))


@endpoint("read:bookmarks", user=True)
async def bookmarks(call: Call) -> Response:
    found = await timelines.bookmarks(call.pool, call.me(), window_of(call))
    rendered = await render_statuses(call.pool, call.config, call.user, [p for _, p in found])
    return json_response(rendered, headers=link_header(call.request, [mark for mark, _ in found]))


routes: list[BaseRoute] = [
    Route("/api/v1/timelines/home", home, methods=["GET"]),
    Route("/api/v1/timelines/public", public, methods=["GET"]),
    Route("/api/v1/timelines/tag/{hashtag}", tag, methods=["GET"]),
    Route("/api/v1/timelines/list/{id}", list_timeline, methods=["GET"]),
    Route("/api/v1/accounts/{id}/statuses", account_statuses, methods=["GET"]),
    Route("/api/v1/favourites", favourites, methods=["GET"]),
    Route("/api/v1/bookmarks", bookmarks, methods=["GET"]),
]
