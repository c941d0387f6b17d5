"""The search box's answer for words (not a handle or a URL): posts ranked by how well they
match, with highlighted snippets, and the communities and people whose names begin with them.

    /search?q=interlibrary loan               everything the viewer may read
    /search?q=...&community=NAME[@domain]     only that community's posts
    /search?q=...&author=NAME[@domain]        only that person's posts
    /search?q=...&threads=1                   only threads, no replies
    /search?q=...&page=N                      further results
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from fedcop.services import account_directory, post_search
from fedcop.store.actors import Actor
from fedcop.web.render import render
from fedcop.web.session import viewer

PAGE = 20
MOST_PAGES = 50


@dataclass(frozen=True)
class Result:
    hit: post_search.Hit
    community: Actor | None
    author: Actor | None


async def _named(request: Request, handle: str) -> Actor | bool | None:
    """The actor a filter names; False when it names nobody known here."""
    if not handle:
        return None
    found = await account_directory.by_handle(
        request.app.state.pool, request.app.state.config, handle
    )
    return found if found is not None else False


async def results(request: Request, query: str) -> Response:
    pool, config = request.app.state.pool, request.app.state.config
    params = request.query_params
    user = (await viewer(request)).user
    community = await _named(request, params.get("community", "").strip()[:300])
    author = await _named(request, params.get("author", "").strip()[:300])
    page = params.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) <= MOST_PAGES else 1
    hits: list[post_search.Hit] = []
    if community is not False and author is not False:
        hits = await post_search.search(
            pool,
            query,
            viewer_id=user.actor.id if user is not None else None,
            filters=post_search.Filters(
                community_id=community.id if isinstance(community, Actor) else None,
                author_id=author.id if isinstance(author, Actor) else None,
                threads_only=params.get("threads") == "1",
            ),
            limit=PAGE + 1,
            offset=(number - 1) * PAGE,
        )
    ids = {h.post.author_id for h in hits} | {h.post.community_id or 0 for h in hits}
    actors = {a.id: a for a in await account_directory.by_ids(pool, sorted(ids))}
    found = [
        Result(h, actors.get(h.post.community_id or 0), actors.get(h.post.author_id))
        for h in hits[:PAGE]
    ]
    names = []
    if number == 1:
        names = await account_directory.search(
            pool, config, request.app.state.network, query, resolve=False, limit=10
        )
    return await render(
        request,
        "search.html",
        query=query,
        results=found,
        communities=[a for a in names if a.actor_type == "Group"],
        people=[a for a in names if a.actor_type != "Group"],
        page=number,
        more=len(hits) > PAGE,
        filters={k: params[k] for k in ("community", "author", "threads") if params.get(k)},
    )
