"""Searching posts by their words, for the web search box and the client API's search.

The store finds and ranks (store/post_search.py); here the reader's query is bounded, its
operators (`from:`, `before:`, `is:solved`... services/search_query.py) become filters, and each
snippet becomes safe HTML: everything escaped, then the match markers turned into `<mark>`.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.services import search_query
from fedcop.services.account_directory import parse_handle
from fedcop.store import account_directory as directory_store
from fedcop.store import post_search as store
from fedcop.store.post_search import CANDIDATES, Filters, Found
from fedcop.store.posts import Post

MAX_QUERY = 300

__all__ = ["CANDIDATES", "MAX_QUERY", "Filters", "Hit", "Page", "search", "search_page"]


@dataclass(frozen=True)
class Hit:
    post: Post
    thread_title: str | None
    # Escaped HTML: the text around the matches, each match in <mark>.
    snippet: str


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    # How many of the newest matches were ranked; when it is `CANDIDATES`, older matches were
    # left out (a page says it shows the best of the newest).
    considered: int

    @property
    def capped(self) -> bool:
        return self.considered >= CANDIDATES


def snippet_html(marked: str) -> str:
    """HTML of a snippet whose matches lie between the store's markers: each piece between the
    markers decoded and escaped again (whatever its entities spell, it stays text), the markers
    alone turned into elements (the store removed the text's own)."""
    pieces = re.split(f"[{store.MARK_START}{store.MARK_STOP}]", marked)
    # split on markers: even pieces lie outside a match, odd ones inside
    return "".join(
        f"<mark>{_text(piece)}</mark>" if index % 2 else _text(piece)
        for index, piece in enumerate(pieces)
        if piece or not index % 2
    )


def _text(piece: str) -> str:
    return html.escape(html.unescape(piece), quote=False)


def _hit(found: Found) -> Hit:
    return Hit(found.post, found.thread_title, snippet_html(found.snippet.strip()))


async def _author_id(
    conn: Any, config: Config | None, handle: str, viewer_id: int | None
) -> int | None:
    """The actor `from:` names (`me`: the reader); None when nobody known here."""
    if handle.lower() == "me":
        return viewer_id
    if config is not None:
        parsed = parse_handle(handle, config)
    else:
        name, _, domain = handle.removeprefix("@").partition("@")
        parsed = (name, domain.lower() or None) if name else None
    if parsed is None:
        return None
    actor = await directory_store.by_handle(conn, *parsed)
    return actor.id if actor is not None else None


def _narrowed(filters: Filters, operators: search_query.Operators) -> Filters:
    """The filters with what the query's operators add (both apply: the narrower wins)."""
    since, until = filters.since, filters.until
    if operators.since is not None:
        since = operators.since if since is None else max(since, operators.since)
    if operators.until is not None:
        until = operators.until if until is None else min(until, operators.until)
    return dataclasses.replace(
        filters, since=since, until=until, question=operators.question or filters.question
    )


async def search_page(
    pool: Any,
    query: str,
    *,
    viewer_id: int | None,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    config: Config | None = None,
) -> Page:
    """Posts whose words match `query` (websearch syntax: "a phrase", -word, or; operators
    from:, before:, after:, during:, is:), best first among the newest matches, of those the
    viewer (an actor id, or None for anyone) may see. Operators or filters without words give
    the newest posts they keep; nothing at all gives nothing."""
    operators = search_query.parse(query.strip()[:MAX_QUERY])
    wanted = _narrowed(filters or Filters(), operators)
    if not operators.words and (wanted == Filters() and operators.author is None):
        return Page([], 0)
    async with pool.acquire() as conn:
        if operators.author is not None:
            author_id = await _author_id(conn, config, operators.author, viewer_id)
            if author_id is None or wanted.author_id not in (None, author_id):
                return Page([], 0)
            wanted = dataclasses.replace(wanted, author_id=author_id)
        if operators.words:
            results = await store.search(
                conn, operators.words, viewer_id=viewer_id, filters=wanted, limit=limit,
                offset=offset,
            )  # fmt: skip
        else:
            # filters alone (`is:unanswered from:me`): the newest posts they keep
            results = await store.newest(
                conn, viewer_id=viewer_id, filters=wanted, limit=limit, offset=offset
            )
    return Page([_hit(item) for item in results.found], results.considered)


async def search(
    pool: Any,
    query: str,
    *,
    viewer_id: int | None,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
    config: Config | None = None,
) -> list[Hit]:
    """The hits of `search_page`."""
    page = await search_page(
        pool, query, viewer_id=viewer_id, filters=filters, limit=limit, offset=offset,
        config=config,
    )  # fmt: skip
    return page.hits
