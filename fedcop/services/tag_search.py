"""Hashtags for search: those in use on readable posts, found by how they begin."""

from __future__ import annotations

from typing import Any

from fedcop.store import tag_search as store

MAX_TAG = 100


def as_tag(text: str) -> str | None:
    """The tag a query names (`#Data` or `data` -> `data`); None if it cannot be a tag."""
    tag = text.strip().removeprefix("#").lower()
    if not tag or len(tag) > MAX_TAG or not all(c.isalnum() or c == "_" for c in tag):
        return None
    return tag


async def starting_with(pool: Any, text: str, *, limit: int, offset: int = 0) -> list[str]:
    prefix = as_tag(text)
    if prefix is None:
        return []
    async with pool.acquire() as conn:
        return await store.tags_starting_with(conn, prefix, limit=limit, offset=offset)
