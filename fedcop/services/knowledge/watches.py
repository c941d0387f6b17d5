"""Watching a page: a user here is told of every change of it but their own (the
'page_changed' notification, made by services.knowledge.commits). Writing or editing a page
watches it, as wikis do; anyone who may read a page may watch it."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.services.knowledge.pages import find_page, local_person
from fedcop.store.knowledge import watches as watch_store


async def watch(pool: Any, config: Config, *, community: str, slug: str, by: str) -> bool:
    """False when they already watched it."""
    async with pool.acquire() as conn, conn.transaction():
        person = await local_person(conn, by)
        _, page = await find_page(conn, config, community, slug, person.id)
        return await watch_store.add(conn, page.id, person.id)


async def unwatch(pool: Any, config: Config, *, community: str, slug: str, by: str) -> bool:
    """False when they did not watch it."""
    async with pool.acquire() as conn, conn.transaction():
        person = await local_person(conn, by)
        _, page = await find_page(conn, config, community, slug, person.id)
        return await watch_store.remove(conn, page.id, person.id)
