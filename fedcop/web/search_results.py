"""The search box's answer for words (not a handle or a URL): posts ranked by how well they
match, with highlighted snippets; knowledge-base pages (their current version, title above
text); and the communities and people with those words in their names or bio.

    /search?q=interlibrary loan               everything the viewer may read
    /search?q=...&community=NAME[@domain]     only that community's posts
    /search?q=...&author=NAME[@domain]        only that person's posts
    /search?q=...&threads=1                   only threads, no replies
    /search?q=...&question=unanswered         only in question threads: question (any),
                                              unanswered, solved
    /search?q=...&from=2026-01-01&to=2026-01-31   published in those days (both included, UTC)
    /search?q=...&page=N                      further results

The words may also carry operators (from:NAME, before:/after:/during:DATE, is:solved...:
services/search_query.py). Only the newest matches are ranked (services/post_search.py); when
there were more, the page says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from fedcop.services import account_directory, post_search
from fedcop.services.knowledge import search as page_search
from fedcop.services.search_query import QUESTION_STATES
from fedcop.services.search_query import parse as parse_operators
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


FILTERS = ("community", "author", "threads", "question", "from", "to")


def narrows_posts(request: Request, query: str) -> bool:
    """Whether the search asks for posts by operators in its words (`from:ana@b.example` is
    not a handle to go to) or by the form's filters (which need no words)."""
    operators = parse_operators(query)
    has_operators = operators.words != " ".join(query.split())
    return has_operators or any(request.query_params.get(name) for name in FILTERS)


def _day(text: str) -> date | None:
    try:
        day = date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    # the calendar's last day has no next day to end it: as if none were given
    return day if day < date.max else None


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


async def results(request: Request, query: str) -> Response:
    pool, config = request.app.state.pool, request.app.state.config
    params = request.query_params
    user = (await viewer(request)).user
    community = await _named(request, params.get("community", "").strip()[:300])
    author = await _named(request, params.get("author", "").strip()[:300])
    page = params.get("page", "1")
    number = int(page) if page.isdigit() and 0 < int(page) <= MOST_PAGES else 1
    first, last = _day(params.get("from", "")), _day(params.get("to", ""))
    question = params.get("question", "")
    hits: list[post_search.Hit] = []
    considered = 0
    if community is not False and author is not False:
        found_page = await post_search.search_page(
            pool,
            query,
            viewer_id=user.actor.id if user is not None else None,
            filters=post_search.Filters(
                community_id=community.id if isinstance(community, Actor) else None,
                author_id=author.id if isinstance(author, Actor) else None,
                threads_only=params.get("threads") == "1",
                since=_midnight(first) if first is not None else None,
                until=_midnight(last + timedelta(days=1)) if last is not None else None,
                question=question if question in QUESTION_STATES else None,
            ),
            limit=PAGE + 1,
            offset=(number - 1) * PAGE,
            config=config,
        )
        hits, considered = found_page.hits, found_page.considered
    ids = {h.post.author_id for h in hits} | {h.post.community_id or 0 for h in hits}
    actors = {a.id: a for a in await account_directory.by_ids(pool, sorted(ids))}
    found = [
        Result(h, actors.get(h.post.community_id or 0), actors.get(h.post.author_id))
        for h in hits[:PAGE]
    ]
    pages: list[page_search.PageHit] = []
    # Pages have no author or question state: a search that asks for one lists none.
    if (
        number == 1
        and community is not False
        and not (author or question in QUESTION_STATES or params.get("threads") == "1")
        and not page_search.names_what_pages_lack(query)
    ):
        pages = await page_search.search(
            pool,
            query,
            viewer_id=user.actor.id if user is not None else None,
            community_id=community.id if isinstance(community, Actor) else None,
            since=_midnight(first) if first is not None else None,
            until=_midnight(last + timedelta(days=1)) if last is not None else None,
        )
    names = []
    if number == 1:
        # people and communities by the words alone (`from:ana` names an author of posts)
        words = parse_operators(query).words
        names = await account_directory.search(
            pool, config, request.app.state.network, words, resolve=False, limit=10
        )
    return await render(
        request,
        "search.html",
        query=query,
        results=found,
        pages=pages,
        communities=[a for a in names if a.actor_type == "Group"],
        people=[a for a in names if a.actor_type != "Group"],
        page=number,
        more=len(hits) > PAGE,
        capped=considered >= post_search.CANDIDATES,
        candidates=post_search.CANDIDATES,
        question_states=QUESTION_STATES,
        filters={k: params[k] for k in FILTERS if params.get(k)},
    )
