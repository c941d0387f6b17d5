"""Finding accounts for the client API: by id, by handle, and by search.

    "bob"                      people and communities with a word of their username, display
                               name or bio starting with "bob" ("interlibrary loan": both
                               words), here and stored from elsewhere (no network)
    "bob@b.example"            that account as stored; with resolve, WebFinger + fetch when it
                               is not stored yet; without, accounts named bob on b.example...
    "https://b.example/u/bob"  that account as stored; with resolve, fetched (see resolving)

A handle naming this node's own domain is an account here.
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import resolving
from fedcop.store import account_directory as store
from fedcop.store import follows as follow_store
from fedcop.store.actors import Actor

MAX_QUERY = 300


def parse_handle(text: str, config: Config) -> tuple[str, str | None] | None:
    """(username, domain) of `name`, `@name`, `name@domain` or `@name@domain`; domain None for
    an account here. None if the text is not shaped like a handle."""
    handle = text.strip().removeprefix("@")
    name, _, domain = handle.partition("@")
    if not name or "@" in domain or any(c.isspace() or c in "/?#" for c in handle):
        return None
    domain = domain.lower()
    if domain == config.domain.lower():
        return name, None
    return name, domain or None


async def by_ids(pool: Any, ids: list[int]) -> list[Actor]:
    """The accounts of `ids` that exist, in the order asked."""
    async with pool.acquire() as conn:
        found = {actor.id: actor for actor in await store.by_ids(conn, ids)}
    return [found[i] for i in dict.fromkeys(ids) if i in found]


async def by_handle(pool: Any, config: Config, acct: str) -> Actor | None:
    """The account a handle names, as stored here (no network)."""
    parsed = parse_handle(acct, config)
    if parsed is None:
        return None
    async with pool.acquire() as conn:
        return await store.by_handle(conn, *parsed)


async def search(
    pool: Any,
    config: Config,
    network: Network,
    query: str,
    *,
    resolve: bool,
    limit: int,
    offset: int = 0,
    followed_by: int | None = None,
) -> list[Actor]:
    text = query.strip()[:MAX_QUERY]
    if not text:
        return []
    found: list[Actor] = []
    if text.startswith(("https://", "http://")):
        async with pool.acquire() as conn:
            stored = await store.by_uri(conn, text)
        if stored is None and resolve:
            resolved = await resolving.resolve_url(pool, config, network, text)
            stored = resolved if isinstance(resolved, Actor) else None
        found = [stored] if stored is not None and offset == 0 else []
        return await _followed_only(pool, found, followed_by)
    parsed = parse_handle(text, config)
    if parsed is not None and parsed[1] is not None:
        name, domain = parsed
        async with pool.acquire() as conn:
            exact = await store.by_handle(conn, name, domain)
        if exact is None and resolve:
            exact = await resolving.resolve_handle(pool, network, f"{name}@{domain}")
        if exact is not None:
            found = [exact] if offset == 0 else []
            return await _followed_only(pool, found, followed_by)
        async with pool.acquire() as conn:
            return await store.matching(
                conn, name, domain=domain, followed_by=followed_by, limit=limit, offset=offset
            )
    name = parsed[0] if parsed is not None else text
    async with pool.acquire() as conn:
        return await store.matching_words(
            conn, name, followed_by=followed_by, limit=limit, offset=offset
        )


async def _followed_only(pool: Any, found: list[Actor], followed_by: int | None) -> list[Actor]:
    if followed_by is None or not found:
        return found
    async with pool.acquire() as conn:
        return [
            actor
            for actor in found
            if await follow_store.is_accepted_follower(conn, followed_by, actor.id)
        ]
