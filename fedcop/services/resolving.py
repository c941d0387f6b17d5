"""What a handle or a URL typed into search names, fetched from its server when we do not
know it yet (a search with `resolve=true`).

    name@domain   -> WebFinger + fetch (remote_actors.look_up) -> the actor, stored
    https://...   -> stored actor or post with that id? that one
                  -> a URL of this node: only what is stored, no network
                  -> fetch it (signed, id-checked)
                     an actor -> stored, returned
                     a post   -> its community: `audience`, else a community in to/cc that
                                 we know, else the community of the post it replies to
                                 a community elsewhere -> stored as posts arriving through that
                                 community are (posts.receive_create), returned
                                 a community here -> nothing: what our own community did not
                                 take is not taken through a search either

Anything that fails on the way (unreachable server, not an actor, refused post) gives no
result: a search answers with what it found, never with an error for someone else's server.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import posts, remote_actors
from fedcop.services.errors import Ignored, Refused, ServiceError
from fedcop.store import account_directory
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.fetch_errors import FetchError, IdMismatchError
from federation.validate import ValidationError
from federation.vocab import first_type, id_of, ids_of, reference_of

log = logging.getLogger(__name__)
# Addresses of a fetched post looked up to find its community (one database query each).
MAX_ADDRESS_LOOKUPS = 30

# What may go wrong with someone else's server or document while resolving.
_FAILURES = (
    Ignored,
    FetchError,
    remote_actors.ActorError,
    Refused,
    ServiceError,
    ValidationError,
    ValueError,
)


async def resolve_handle(pool: Any, network: Network, handle: str) -> Actor | None:
    try:
        return await remote_actors.look_up(pool, network, handle)
    except _FAILURES as error:
        log.info("resolving %s found nothing: %s", handle, error)
        return None


async def known(pool: Any, url: str) -> Actor | Post | None:
    """The account or post stored with this id (no network)."""
    async with pool.acquire() as conn:
        actor = await account_directory.by_uri(conn, url)
        if actor is not None:
            return actor
        return await post_store.find_by_uri(conn, url)


async def resolve_url(pool: Any, config: Config, network: Network, url: str) -> Actor | Post | None:
    stored = await known(pool, url)
    if stored is not None or url.startswith(config.base_url + "/"):
        return stored
    try:
        document = await fetch_at_its_id(pool, network, url)
        if not isinstance(document, dict):
            return document
        kind = first_type(document)
        if kind in remote_actors.ACTOR_TYPES:
            return await remote_actors.store_actor(pool, document)
        if kind in posts.POST_TYPES:
            return await _post(pool, config, network, document)
        log.info("resolving %s found a %s, neither an actor nor a post", url, kind)
    except _FAILURES as error:
        log.info("resolving %s found nothing: %s", url, error)
    return None


async def fetch_at_its_id(
    pool: Any, network: Network, url: str
) -> dict[str, Any] | Actor | Post | None:
    """The document a pasted URL names. A page's address (Mastodon's `/@name/123`) may serve
    the document under its own id, elsewhere on the same host: that id is fetched in turn (and
    must serve itself), so nothing is trusted at an address that is not its id. What is
    already kept under that id is answered without fetching."""
    try:
        document: dict[str, Any] = await network.fetch(url)
        return document
    except IdMismatchError as error:
        claimed = error.claimed_id
        if claimed is None or urlsplit(claimed).netloc != urlsplit(error.url or url).netloc:
            raise
        stored = await known(pool, claimed)
        if stored is not None:
            return stored
        fetched: dict[str, Any] = await network.fetch(claimed)
        return fetched


async def _post(pool: Any, config: Config, network: Network, note: dict[str, Any]) -> Post | None:
    uri = str(note["id"])
    async with pool.acquire() as conn:
        stored = await post_store.find_by_uri(conn, uri)
    if stored is not None:
        return stored
    community = await _community_of(pool, network, note)
    if community is None or community.is_local:
        return None
    create = {"type": "Create", "actor": id_of(note.get("attributedTo")), "object": uri}
    return await posts.receive_create(pool, config, network, create, via=community)


async def _community_of(pool: Any, network: Network, note: dict[str, Any]) -> Actor | None:
    audience = ids_of(note.get("audience"))
    if audience:
        actor = await remote_actors.get_actor(pool, network, audience[0])
        return actor if actor.actor_type == "Group" else None
    async with pool.acquire() as conn:
        # The first addresses only: one query each (a community is named among the first).
        for address in [*ids_of(note.get("to")), *ids_of(note.get("cc"))][:MAX_ADDRESS_LOOKUPS]:
            known = await actor_store.find_by_uri(conn, address)
            if known is not None and known.actor_type == "Group":
                return known
        parent_uri = reference_of(note.get("inReplyTo"))
        parent = await post_store.find_by_uri(conn, parent_uri) if parent_uri else None
        if parent is not None and parent.community_id is not None:
            return await actor_store.find_by_id(conn, parent.community_id)
    return None
