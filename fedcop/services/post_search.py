"""Searching posts by their words, for the web search box and the client API's search.

The store finds and ranks (store/post_search.py); here the reader's query is bounded and each
snippet becomes safe HTML: everything escaped, then the match markers turned into `<mark>`.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from fedcop.store import post_search as store
from fedcop.store.post_search import Filters, Found
from fedcop.store.posts import Post

MAX_QUERY = 300

__all__ = ["MAX_QUERY", "Filters", "Hit", "search", "snippet_html"]


@dataclass(frozen=True)
class Hit:
    post: Post
    thread_title: str | None
    # Escaped HTML: the text around the matches, each match in <mark>.
    snippet: str


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


async def search(
    pool: Any,
    query: str,
    *,
    viewer_id: int | None,
    filters: Filters | None = None,
    limit: int = 20,
    offset: int = 0,
) -> list[Hit]:
    """Posts whose words match `query` (websearch syntax: "a phrase", -word, or), best first,
    among those the viewer (an actor id, or None for anyone) may see."""
    text = query.strip()[:MAX_QUERY]
    if not text:
        return []
    async with pool.acquire() as conn:
        found = await store.search(
            conn, text, viewer_id=viewer_id, filters=filters or Filters(), limit=limit,
            offset=offset,
        )  # fmt: skip
    return [_hit(item) for item in found]
