"""Searching knowledge-base pages for the search box: the reader's words (operators taken out:
services/search_query.py), pages the reader may read, each with a safe HTML snippet and the
address of the page (/c/NAME/kb/SLUG)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from fedcop.services import search_query
from fedcop.services.post_search import MAX_QUERY, snippet_html
from fedcop.store.knowledge import search as store


@dataclass(frozen=True)
class PageHit:
    title: str
    # The page's address here: /c/NAME/kb/SLUG (NAME@DOMAIN for a community elsewhere).
    path: str
    community_name: str
    updated_at: datetime
    # Escaped HTML: the text around the matches, each match in <mark>.
    snippet: str


async def search(
    pool: Any,
    query: str,
    *,
    viewer_id: int | None,
    community_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 10,
) -> list[PageHit]:
    """Pages whose current version matches `query`, best first (title above text). Operators
    other than dates name what pages do not have (an author, a question state): the caller
    leaves pages out when they are used."""
    operators = search_query.parse(query.strip()[:MAX_QUERY])
    if not operators.words:
        return []
    if operators.since is not None:
        since = operators.since if since is None else max(since, operators.since)
    if operators.until is not None:
        until = operators.until if until is None else min(until, operators.until)
    async with pool.acquire() as conn:
        found = await store.search(
            conn, operators.words, viewer_id=viewer_id, community_id=community_id,
            since=since, until=until, limit=limit,
        )  # fmt: skip
    return [
        PageHit(
            title=page.title,
            path=_path(page),
            community_name=page.community_name,
            updated_at=page.updated_at,
            snippet=snippet_html(page.snippet.strip()),
        )
        for page in found
    ]


def _path(page: store.FoundPage) -> str:
    name = page.community_username
    if page.community_domain is not None:
        name = f"{name}@{page.community_domain}"
    return f"/c/{quote(name, safe='@')}/kb/{quote(page.slug, safe='')}"


def names_what_pages_lack(query: str) -> bool:
    """Whether the words ask for an author or a question state, which pages do not have."""
    operators = search_query.parse(query.strip()[:MAX_QUERY])
    return operators.author is not None or operators.question is not None
