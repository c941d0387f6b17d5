"""Backfill: a community elsewhere that a member here has just joined shows its recent threads.

A remote community's posts reach this node only as the community announces them, so a member
who joins one would find it empty. When the community accepts the join (Accept(Follow) from a
remote Group, handled by the inbox worker) and this node keeps fewer than BACKFILL_BELOW of its
threads, its outbox is read and up to MAX_ITEMS recent threads are stored, as Lemmy and
PieFed do:

    Accept(Follow) from a remote Group  -> handler: due.add(community)      (no network)
    inbox worker, after its batch       -> run_due(): for each community due
        fewer than BACKFILL_BELOW threads kept here?
        GET outbox (signed, SSRF-guarded) -> `first` page if it is a collection, then `next`
        items (orderedItems / items), the first MAX_ITEMS (outboxes list newest first):
            Create(obj) | Announce(Create(obj)) | Announce(obj) | obj | "id"  -> the object's id
        each id, oldest first (stored in the order they will be listed)
                -> posts.receive_create(via=community, backfill=True)
                   fetched from its own origin (the id check of the fetch), never taken from
                   the community's copy: the community is not the author; kept only if it is
                   that community's post; nobody notified, nothing relayed

Why after the batch, not in the handler and not in a background task: the Accept's row is
finished (and the join accepted) before any of this starts, so a community that is slow or
down never holds the Accept or the rows claimed with it; yet the work stays inside the worker's
run_once(), so a test's drain and an operator's stopped worker see it done or not begun, never
half-way in a task nobody awaits. It blocks the worker at most BACKFILL_SECONDS per community
(each fetch also has the fetch timeouts), which a rare event like a join can afford. What is due
lives in memory: a worker killed in between forgets it, and nothing is lost but the convenience
(the next join to that community backfills again, since few threads are kept).

Every failure (the outbox unreachable, an object refused or gone) is logged and skipped; the
join stays accepted whatever happens here.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import posts, remote_actors
from fedcop.services.errors import Refused, ServiceError
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from federation.fetch_errors import FetchError
from federation.validate import ValidationError
from federation.vocab import as_list, first_type, id_of

log = logging.getLogger(__name__)

# A community with fewer threads than this kept here is backfilled when a member joins it.
BACKFILL_BELOW = 5
# At most this many outbox items are fetched and stored per community.
MAX_ITEMS = 20
# At most this many outbox pages are read looking for them.
MAX_PAGES = 3
# The whole backfill of one community takes at most this long (each fetch has its own limits).
BACKFILL_SECONDS = 60.0

_WRAPPERS = frozenset({"Create", "Announce"})
# What may go wrong with someone else's server or document; logged, never raised.
_FAILURES = (
    FetchError,
    remote_actors.ActorError,
    Refused,
    ServiceError,
    ValidationError,
    ValueError,
)


class DueBackfills:
    """Communities whose threads are to be fetched once the inbox worker's batch is done."""

    def __init__(self) -> None:
        self._due: dict[str, None] = {}

    def add(self, community_uri: str) -> None:
        self._due[community_uri] = None

    def take(self) -> list[str]:
        """Every community due, in the order they became due; none is due afterwards."""
        due, self._due = list(self._due), {}
        return due


async def run_due(pool: Any, config: Config, network: Network, due: DueBackfills) -> int:
    """Backfill every community due; how many posts are kept."""
    stored = 0
    for community_uri in due.take():
        try:
            stored += await backfill(pool, config, network, community_uri)
        except Exception:  # a bug here must not stop the inbox worker; the join stands
            log.exception("backfill of %s failed", community_uri)
    return stored


async def backfill(pool: Any, config: Config, network: Network, community_uri: str) -> int:
    """Store up to MAX_ITEMS recent threads of a remote community, if few are kept here;
    how many of the posts listed are kept here (some may have been kept already). Never raises
    for anything the community's server does."""
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
        if community is None or community.is_local or community.actor_type != "Group":
            return 0
        if await post_store.count_threads(conn, community.id) >= BACKFILL_BELOW:
            return 0
    if not community.outbox_url:
        log.info("backfill of %s: it has no outbox", community.uri)
        return 0
    stored = 0
    try:
        async with asyncio.timeout(BACKFILL_SECONDS):
            object_ids = await _outbox_object_ids(network, community.outbox_url)
            # Oldest first: ids here are handed out as posts are stored, and a community's
            # statuses are listed by them, so the newest thread must be stored last.
            for object_id in reversed(object_ids):
                if await _store(pool, config, network, community, object_id):
                    stored += 1
    except TimeoutError:
        log.warning("backfill of %s stopped after %.0f s", community.uri, BACKFILL_SECONDS)
    except _FAILURES as error:
        log.info("backfill of %s: its outbox could not be read: %s", community.uri, error)
    log.info("backfill of %s: %d posts kept", community.uri, stored)
    return stored


async def _store(
    pool: Any, config: Config, network: Network, community: Actor, object_id: str
) -> bool:
    """Fetch one post from its origin and keep it if it is the community's; True if kept."""
    create = {"type": "Create", "id": None, "object": object_id}
    try:
        post = await posts.receive_create(
            pool, config, network, create, via=community, backfill=True
        )
    except _FAILURES as error:
        log.info("backfill of %s: %s not taken: %s", community.uri, object_id, error)
        return False
    if post is None:
        log.info("backfill of %s: %s is not one of its posts", community.uri, object_id)
    return post is not None


async def _outbox_object_ids(network: Network, outbox_url: str) -> list[str]:
    """The ids of the posts an outbox lists, newest first as served, at most MAX_ITEMS."""
    page: Any = await network.fetch(outbox_url)
    found: list[str] = []
    for _ in range(MAX_PAGES):
        if first_type(page) in ("OrderedCollection", "Collection") and "first" in page:
            page = page["first"]
        if isinstance(page, str):
            page = await network.fetch(page)
        if not isinstance(page, dict):
            break
        items = page.get("orderedItems", page.get("items"))
        for item in as_list(items):
            object_id = object_id_of(item)
            if object_id is not None and object_id not in found:
                found.append(object_id)
            if len(found) >= MAX_ITEMS:
                return found
        page = page.get("next")
        if page is None:
            break
    return found


def object_id_of(item: object) -> str | None:
    """The post an outbox item stands for: the object of a Create, of an Announce (of a Create,
    or of the post itself), a bare post, or a bare id. Other activities (votes, moderation, an
    Announce of an Update...) stand for none."""
    for _ in range(3):  # Announce(Create(object)) is as deep as a post is wrapped
        if isinstance(item, str):
            return item or None
        if not isinstance(item, dict):
            return None
        kind = first_type(item)
        if kind in posts.POST_TYPES:
            return id_of(item)
        if kind not in _WRAPPERS:
            return None
        item = item.get("object")
    return None
