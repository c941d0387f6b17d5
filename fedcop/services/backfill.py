"""Backfill: a community elsewhere that a member here has just joined shows its recent threads.

A remote community's posts reach this node only as the community announces them, so a member
who joins one would find it empty. When the community accepts the join (Accept(Follow) from a
remote Group, handled by the inbox worker) and this node keeps fewer than BACKFILL_BELOW of its
threads, its outbox is read and up to MAX_ITEMS recent threads are stored, as Lemmy and
PieFed do:

    Accept(Follow) from a remote Group  -> join_accepted(): in one transaction, the membership
                                           accepted and a 'backfill' row due (no network)
    inbox worker, after its batch       -> claims due rows (SKIP LOCKED, a lease) -> backfill()
        fewer than BACKFILL_BELOW threads kept here?
        GET outbox (signed, SSRF-guarded) -> `first` page if it is a collection, then `next`
        items (orderedItems / items), the first MAX_ITEMS (outboxes list newest first):
            Create(obj) | Announce(Create(obj)) | Announce(obj) | obj | "id"  -> the object's id
        each id, oldest first (stored in the order they will be listed)
                -> posts.receive_create(via=community, backfill=True)
                   fetched from its own origin (the id check of the fetch), never taken from
                   the community's copy: the community is not the author; kept only if it is
                   that community's post; nobody notified, nothing relayed
        done -> row deleted | outbox unreadable or too slow -> due again after retry_delay(),
                              given up (kept, with the error) after BACKFILL_ATTEMPTS

Why after the batch, not in the handler and not in a background task: the Accept's row is
finished (and the join accepted) before any of this starts, so a community that is slow or
down never holds the Accept or the rows claimed with it; yet the work stays inside the worker's
run_once(), so a test's drain and an operator's stopped worker see it done or not begun, never
half-way in a task nobody awaits. It blocks the worker at most BACKFILL_SECONDS per community
(each fetch also has the fetch timeouts), which a rare event like a join can afford. What is due
is a row written with the Accept: a worker killed in between leaves it for the next worker, and
several workers never read one outbox twice at once (store/maintenance.py).

A post refused or gone is logged and skipped; the join stays accepted whatever happens here.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import notifications, posts, remote_actors
from fedcop.services.errors import Ignored, Refused, ServiceError
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import maintenance as maintenance_store
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
# A backfill whose outbox cannot be read is tried this many times in all, RETRY_FIRST_DELAY
# after the first failure and six times longer after each next one, then given up.
BACKFILL_ATTEMPTS = 3
RETRY_FIRST_DELAY = timedelta(minutes=10)
# At most this many communities are backfilled after one inbox batch (the rest after the next).
BACKFILLS_PER_BATCH = 3

_WRAPPERS = frozenset({"Create", "Announce"})
# What may go wrong with someone else's server or document: a post's is logged and the post
# skipped; the outbox's fails the backfill (BackfillFailed), to be tried again later.
_FAILURES = (
    Ignored,
    FetchError,
    remote_actors.ActorError,
    Refused,
    ServiceError,
    ValidationError,
    ValueError,
)


class BackfillFailed(Exception):
    """The community's outbox could not be read (or not in time): worth another try later."""


def retry_delay(attempts: int) -> timedelta:
    """How long a backfill that failed `attempts` times waits: 10 minutes, then an hour."""
    return RETRY_FIRST_DELAY * int(6 ** (attempts - 1))


async def join_accepted(pool: Any, follower_uri: str, community: Actor) -> bool:
    """A remote community accepted the join of a member here (`follower_uri`): the membership is
    accepted and, in the same transaction, the community recorded as due for a backfill, so no
    worker can finish the Accept and lose the backfill. False if there was no such join."""
    async with pool.acquire() as conn, conn.transaction():
        follower = await actor_store.find_by_uri(conn, follower_uri)
        if follower is None or not await follow_store.accept(conn, follower.id, community.id):
            return False
        await maintenance_store.schedule_backfill(conn, community.id)
        if community.members_only:
            # A community that decides each join by hand: the person who asked hears of it (one
            # that accepts everyone answers at once, and the join itself says so).
            await notifications.join_decided(conn, community.id, follower.id, accepted=True)
        return True


async def backfill(pool: Any, config: Config, network: Network, community_uri: str) -> int:
    """Store up to MAX_ITEMS recent threads of a remote community, if few are kept here;
    how many of the posts listed are kept here (some may have been kept already). Raises
    BackfillFailed if its outbox cannot be read in time; a post refused or gone is skipped."""
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
        # Posts kept so far stay; the next try reads the outbox again unless they are enough.
        raise BackfillFailed(
            f"stopped after {BACKFILL_SECONDS:.0f} s with {stored} posts kept"
        ) from None
    except _FAILURES as error:
        raise BackfillFailed(f"its outbox could not be read: {error}") from error
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
