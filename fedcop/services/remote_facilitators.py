"""Who facilitates a community on another node, as this node knows it.

A community's facilitators are its moderators (FEP-1b12, Lemmy): the collection its Group
names as `attributedTo`. A member here who is one of them gets the Facilitate controls on
this node's pages; what they do is sent to the community, whose node decides
(services/moderation.py). This node learns who they are two ways:

    the community announces a change      Announce{Add|Remove{object: person,
                                                    target: <community>/moderators}}
        -> moderation.receive(via=community) -> one row added or removed
        (taken even when nobody here follows the community, when the person is a member here:
        the community's node sends it to the person's server too, as Lemmy's does)
    the moderators collection is read     when a member here joins the community (with its
                                          backfill) and when its actor is refreshed
        -> read_moderators(): the rows become what the collection lists (known actors, and
           at most MAX_FETCHED unknown ones fetched), so the state is right even when an
           Announce was missed

Rows for a remote community decide only what this node shows: nothing here acts on them.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import remote_actors
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor
from federation.fetch_errors import FetchError
from federation.validate import ValidationError
from federation.vocab import as_list, first_type, id_of

log = logging.getLogger(__name__)

# At most this many moderators are read from one collection (Lemmy lists them all, unpaged).
MAX_MODERATORS = 100
# At most this many of them, not yet known here, are fetched when the collection is read.
MAX_FETCHED = 10
_COLLECTIONS = frozenset({"OrderedCollection", "Collection", "OrderedCollectionPage"})
_FAILURES = (FetchError, remote_actors.ActorError, ValidationError, ValueError)


def moderators_url(community: Actor) -> str:
    """Where a community's moderators are listed, when its document was not at hand: Lemmy,
    PieFed, Mbin and fedcop all serve them at `<community>/moderators`."""
    return f"{community.uri}/moderators"


def names_a_member_here(config: Config, community: Actor, activity: dict[str, Any]) -> bool:
    """Whether `activity` (announced by `community`) adds or removes a person of this node
    to or from the community's moderators: worth applying even if nobody here follows it."""
    return (
        first_type(activity) in ("Add", "Remove")
        and id_of(activity.get("target")) == moderators_url(community)
        and (id_of(activity.get("object")) or "").startswith(f"{config.base_url}/")
    )


async def is_facilitator_of(pool: Any, community: Actor, actor_id: int) -> bool:
    """Whether this node knows `actor_id` as one of the (remote) community's facilitators."""
    async with pool.acquire() as conn:
        return await mod_store.is_facilitator(conn, community.id, actor_id)


async def read_moderators(pool: Any, network: Network, community_uri: str) -> int | None:
    """Read a remote community's moderators collection and keep what it lists; how many
    facilitators are kept now, or None if it could not be read (nothing changed then)."""
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
    if community is None or community.is_local or community.actor_type != "Group":
        return None
    try:
        listed = await _listed_moderators(network, community)
        actor_ids = await _known_actor_ids(pool, network, listed)
    except _FAILURES as error:
        log.info("moderators of %s not read: %s", community.uri, error)
        return None
    async with pool.acquire() as conn, conn.transaction():
        added, removed = await mod_store.replace_facilitators(conn, community.id, actor_ids)
    if added or removed:
        log.info("moderators of %s: %d added, %d removed", community.uri, added, removed)
    return len(actor_ids)


async def _listed_moderators(network: Network, community: Actor) -> list[str]:
    """The actor ids the community's moderators collection lists (its first page, if paged)."""
    document = await network.fetch(community.uri)
    reference = document.get("attributedTo", document.get("moderators"))
    collection: Any = reference if isinstance(reference, dict) else None
    if collection is None:
        url = id_of(reference) or moderators_url(community)
        if urlsplit(url).netloc.lower() != community.domain:
            raise ValueError(f"its moderators are listed on another server ({url})")
        collection = await network.fetch(url)
    if first_type(collection) not in _COLLECTIONS:
        raise ValueError(f"its attributedTo is a {first_type(collection)}, not a collection")
    if "orderedItems" not in collection and "items" not in collection:
        first = collection.get("first")
        collection = first if isinstance(first, dict) else await network.fetch(str(id_of(first)))
    items = collection.get("orderedItems", collection.get("items"))
    listed = [uri for uri in (id_of(item) for item in as_list(items)) if uri]
    return list(dict.fromkeys(listed))[:MAX_MODERATORS]


async def _known_actor_ids(pool: Any, network: Network, uris: list[str]) -> list[int]:
    """Ids of the listed actors: those known here, and up to MAX_FETCHED others fetched (one
    that cannot be fetched is left out until the collection is read again)."""
    ids: list[int] = []
    unknown: list[str] = []
    async with pool.acquire() as conn:
        for uri in uris:
            actor = await actor_store.find_by_uri(conn, uri)
            if actor is None:
                unknown.append(uri)
            else:
                ids.append(actor.id)
    for uri in unknown[:MAX_FETCHED]:
        try:
            ids.append((await remote_actors.fetch_actor(pool, network, uri)).id)
        except _FAILURES as error:
            log.info("moderator %s not fetched: %s", uri, error)
    return ids
