"""What a page's ActivityPub addresses serve (routes.knowledge): a community's list of pages,
a page at its current version, its history, one version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.documents import knowledge as wire
from fedcop.services.knowledge.federation import page_facts, version_facts
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import history_pages as history_store
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.knowledge.pages import Page


async def page_of_address(
    conn: asyncpg.Connection, name: str, slug: str
) -> tuple[Page, Actor] | None:
    """The page /c/NAME/kb/SLUG of a community here, with its community."""
    local = await actor_store.find_local(conn, name)
    if local is None or local.actor.actor_type != "Group":
        return None
    page = await page_store.find_by_slug(conn, local.actor.id, slug)
    return (page, local.actor) if page is not None else None


# -- what the page's addresses serve to other servers ----------------------------------------

HISTORY_PAGE_SIZE = 20


@dataclass(frozen=True)
class ServedPage:
    """A page of a community here, at its current version, for its ActivityPub addresses."""

    facts: wire.PageFacts
    page: Page
    community: Actor


async def served_page(pool: Any, name: str, slug: str) -> ServedPage | None:
    async with pool.acquire() as conn:
        found = await page_of_address(conn, name, slug)
        if found is None:
            return None
        page, community = found
        return ServedPage(await page_facts(conn, page, community), page, community)


async def served_versions(
    pool: Any, served: ServedPage, below: int | None
) -> tuple[list[wire.VersionFacts], bool]:
    """A page of the history collection: versions under `below` (all when None), newest
    first, and whether older ones remain."""
    async with pool.acquire() as conn:
        chosen = await history_store.versions_below(
            conn, served.page.id, below, HISTORY_PAGE_SIZE + 1
        )
        shown = [await version_facts(conn, v) for v in chosen[:HISTORY_PAGE_SIZE]]
    return shown, len(chosen) > HISTORY_PAGE_SIZE


async def served_version(pool: Any, served: ServedPage, number: int) -> wire.VersionFacts | None:
    async with pool.acquire() as conn:
        version = await version_store.find(conn, served.page.id, number)
        return await version_facts(conn, version) if version is not None else None


# A community's pages listed for a member's node (documents.knowledge.knowledge_base): at most
# this many, the most recently changed first.
MAX_LISTED_PAGES = 200


async def served_index(pool: Any, name: str) -> tuple[Actor, list[str]] | None:
    """The community `name` here and its pages' ids, its charter first. (A GET changes
    nothing: a charter not made yet, when nobody has opened the knowledge base on the web,
    is not listed.)"""
    async with pool.acquire() as conn:
        local = await actor_store.find_local(conn, name)
        if local is None or local.actor.actor_type != "Group":
            return None
        pages = await page_store.of_community(conn, local.actor.id)
    return local.actor, [page.ap_id for page in pages[:MAX_LISTED_PAGES]]
