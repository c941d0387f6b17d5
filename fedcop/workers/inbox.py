"""The inbox worker: verify what still needs its key, then hand each activity to its handler.

claim due rows (lease, SKIP LOCKED); the batch's actors are handled side by side (at most
INBOX_CONCURRENT_ACTORS known actors and as many unknown ones at once), each actor's rows in
order; every fetch is bounded by the
fetch deadline (config fetch_deadline_seconds), so a server that never answers delays only its
own actor's rows, which go back to the queue for later
  unverified -> fetch the signer's key (signed GET, SSRF-guarded) -> verify as received
                -> pending, or rejected (bad key, bad signature, wrong owner)
  pending    -> handlers[dispatch_key] -> done | ignored (an Ignored, with the reason: no
                handler for the type, not addressed to anyone here, about nothing kept here)
                refused (a Refused, or a fetch no retry can cure) -> rejected, with the reason
                a peer that is down -> retried with the delivery backoff (about 3 days)
                a handler that raises -> retried later, 'failed' after INBOUND_MAX_ATTEMPTS
after the batch: maintenance (store/maintenance.py; side by side too), remote work no activity
  waits for:
  actors whose activities were handled and whose cached copy is over a day old
                -> 'refresh' rows due (services.remote_actors)
  claim due rows (lease, SKIP LOCKED): BACKFILLS_PER_BATCH 'backfill' rows (written with the
  Accept of a join, services.backfill) and REFRESHES_PER_BATCH 'refresh' rows
                -> done: deleted | failed: due again later, or given up (kept, with the error)
then polls (services.polls.upkeep): the Updates carrying new counts that are due, and the polls
  that ended (closed, final counts sent, voters told)
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections import deque
from datetime import datetime, timedelta

from fedcop.db.outage import database_unavailable
from fedcop.handlers import HANDLERS, HandlerContext, dispatch_key
from fedcop.observability import metrics
from fedcop.queues import (
    INBOUND_BATCH,
    INBOUND_LEASE,
    INBOUND_MAX_ATTEMPTS,
    INBOUND_RETRY_DELAY,
    INBOX_CONCURRENT_ACTORS,
    InboundState,
)
from fedcop.services import backfill, remote_actors, remote_facilitators
from fedcop.services.account_data import follow_imports
from fedcop.services.errors import Ignored, Refused
from fedcop.services.knowledge import page_backfill
from fedcop.services.polls import upkeep as poll_upkeep
from fedcop.store import actors as actor_store
from fedcop.store import host_breaker
from fedcop.store import inbound as inbound_store
from fedcop.store import maintenance as maintenance_store
from fedcop.store.actors import CachedKey
from fedcop.store.inbound import ClaimedInbound
from fedcop.store.maintenance import ClaimedTask, MaintenanceKind
from fedcop.workers.loop import run_batches
from federation.fetch_errors import (
    FetchError,
    InvalidResponseError,
    RequestRefusedError,
    StatusError,
    TransportError,
)
from federation.keys import load_public_key
from federation.retry_policy import MAX_ATTEMPTS as PASSING_FAILURE_ATTEMPTS
from federation.retry_policy import backoff_seconds, is_permanent_failure
from federation.signatures import (
    ParsedSignature,
    SignatureError,
    parse_signature,
    verify_signature,
)
from federation.vocab import host_of

log = logging.getLogger(__name__)

# How long claimed maintenance rows are left to their worker: longer than a batch's share of it
# can take (BACKFILLS_PER_BATCH backfills of BACKFILL_SECONDS, REFRESHES_PER_BATCH fetches).
MAINTENANCE_LEASE = timedelta(minutes=15)
# What a maintenance task may meet on someone else's server: logged quietly, not as a bug.
_MAINTENANCE_FAILURES = (backfill.BackfillFailed, FetchError, remote_actors.ActorError, ValueError)


class _Retry(Exception):
    """A passing failure (network, a peer's 5xx): try this row again later."""


def _is_passing(error: Exception) -> bool:
    """A failure that time can cure: the network, a peer's 5xx / 408 / 429, or this node's
    database going away mid-handling (not a handler bug: the row must not run out of tries)."""
    if isinstance(error, (_Retry, TransportError)) or database_unavailable(error):
        return True
    return isinstance(error, StatusError) and not is_permanent_failure(error.status)


def _fails_for_good(error: Exception) -> bool:
    """A fetch no retry can cure, and no bug: fedcop will not send it (an http id on an https
    node, a private address), the peer answered for good (404, 410...), or what it serves is not
    a usable document (too large, not JSON, not served at its id, not an actor)."""
    if isinstance(error, (RequestRefusedError, InvalidResponseError, remote_actors.ActorError)):
        return True
    return isinstance(error, StatusError) and is_permanent_failure(error.status)


def _verifies(
    parsed: ParsedSignature, key: CachedKey, actor_uri: str, body: bytes, at: datetime
) -> bool:
    if key.owner_uri != actor_uri:
        return False
    try:
        verify_signature(parsed, load_public_key(key.public_key_pem), body, now=at)
    except (SignatureError, ValueError):
        return False
    return True


def _unhandled(key: str) -> str:
    """Why an activity with no handler is ignored."""
    outer, _, inner = key.partition(":")
    if inner == "Unknown":
        return f"an {outer} of an activity this node does not know"
    return f"fedcop does not act on {key.replace(':', ' of ')} activities"


class HostRateLimit:
    """At most `limit` key fetches per host in any `window` seconds: a flood of requests signed
    with unknown keys cannot make this node hammer one server (or be used to)."""

    def __init__(self, limit: int = 30, window: float = 60.0) -> None:
        self.limit, self.window = limit, window
        self._recent: dict[str, deque[float]] = {}

    def allow(self, host: str) -> bool:
        now = time.monotonic()
        recent = self._recent.setdefault(host, deque())
        while recent and now - recent[0] > self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        if len(self._recent) > 10_000:
            self._recent = {host: recent}
        return True


class InboxWorker:
    def __init__(self, ctx: HandlerContext, *, lease: timedelta = INBOUND_LEASE) -> None:
        self.ctx = ctx
        self.lease = lease
        self._key_fetches = HostRateLimit()
        self.heartbeat = time.monotonic()  # last tick, for /readyz

    async def run_once(self) -> int:
        """Claim and process one batch of due activities, then the maintenance due; return how
        many rows (activities and maintenance) were claimed."""
        handled = await self.handle_batch()
        # Once every claimed row is finished: a slow community never holds the batch up.
        handled += await self.run_maintenance()
        # Polls' counts due out, and polls that ended (services.polls.upkeep).
        handled += await poll_upkeep.run(self.ctx.pool, self.ctx.config)
        # Addresses of imported follows CSVs: resolved and followed here, never in a request.
        return handled + await follow_imports.run(self.ctx.pool, self.ctx.config, self.ctx.network)

    async def handle_batch(self) -> int:
        """Claim and process one batch of due activities; schedule a refresh of their actors
        whose cached copy is old. How many were claimed."""
        self.heartbeat = time.monotonic()
        async with self.ctx.pool.acquire() as conn:
            rows = await inbound_store.claim(conn, INBOUND_BATCH, self.lease)
        senders: set[str] = set()
        # Each actor's rows in claim order (a Create before the Update of the same post), the
        # actors side by side: a row waiting on a server that does not answer (until the fetch
        # deadline) holds up its own actor's rows, not the batch.
        by_actor: dict[str, list[ClaimedInbound]] = {}
        for row in rows:
            by_actor.setdefault(row.actor_uri, []).append(row)
        async with self.ctx.pool.acquire() as conn:
            known = await actor_store.cached_uris(conn, list(by_actor))
        # Actors already known (their key cached, most often) and actors to fetch first have
        # slots of their own: the second kind waiting on silent servers never takes the slots
        # of the first.
        known_slots = asyncio.Semaphore(INBOX_CONCURRENT_ACTORS)
        unknown_slots = asyncio.Semaphore(INBOX_CONCURRENT_ACTORS)

        async def process_in_order(actor_rows: list[ClaimedInbound]) -> None:
            actor = actor_rows[0].actor_uri
            async with known_slots if actor in known else unknown_slots:
                for row in actor_rows:
                    if await self._process(row):
                        senders.add(row.actor_uri)
                    self.heartbeat = time.monotonic()

        await asyncio.gather(*(process_in_order(group) for group in by_actor.values()))
        await remote_actors.schedule_refreshes(self.ctx.pool, sorted(senders))
        return len(rows)

    async def run_maintenance(self) -> int:
        """Claim and run the maintenance due (a bounded number of each kind); how many."""
        async with self.ctx.pool.acquire() as conn:
            tasks = await maintenance_store.claim(
                conn, MaintenanceKind.BACKFILL, backfill.BACKFILLS_PER_BATCH, MAINTENANCE_LEASE
            )
            tasks += await maintenance_store.claim(
                conn, MaintenanceKind.REFRESH, remote_actors.REFRESHES_PER_BATCH, MAINTENANCE_LEASE
            )
        slots = asyncio.Semaphore(INBOX_CONCURRENT_ACTORS)

        async def maintain(task: ClaimedTask) -> None:
            async with slots:  # side by side: one silent server delays only its own task
                await self._maintain(task)
                self.heartbeat = time.monotonic()

        await asyncio.gather(*(maintain(task) for task in tasks))
        return len(tasks)

    async def _maintain(self, task: ClaimedTask) -> None:
        ctx = self.ctx
        try:
            if task.kind == MaintenanceKind.BACKFILL:
                # A community just joined: who facilitates it, then its recent threads.
                await remote_facilitators.read_moderators(ctx.pool, ctx.network, task.actor_uri)
                await backfill.backfill(ctx.pool, ctx.config, ctx.network, task.actor_uri)
                # and, from a fedcop community, copies of its knowledge base's pages
                await page_backfill.read_pages(ctx.pool, ctx.config, ctx.network, task.actor_uri)
            else:
                refreshed = await remote_actors.refresh(ctx.pool, ctx.network, task.actor_uri)
                if refreshed.actor_type == "Group":
                    await remote_facilitators.read_moderators(ctx.pool, ctx.network, refreshed.uri)
        except Exception as error:  # a bug here must not stop the worker; a join stays accepted
            reason = f"{type(error).__name__}: {error}"
            if isinstance(error, _MAINTENANCE_FAILURES):
                log.info("%s of %s failed: %s", task.kind, task.actor_uri, reason)
            else:
                log.exception("%s of %s failed", task.kind, task.actor_uri)
            # A refresh is tried once: the given-up row marks the day's try.
            limit = backfill.BACKFILL_ATTEMPTS if task.kind == MaintenanceKind.BACKFILL else 1
            async with ctx.pool.acquire() as conn:
                if task.attempts >= limit:
                    await maintenance_store.give_up(conn, task, reason)
                else:
                    delay = backfill.retry_delay(task.attempts)
                    await maintenance_store.retry_later(conn, task, delay, reason)
            return
        async with ctx.pool.acquire() as conn:
            await maintenance_store.done(conn, task)

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        """Batch after batch until `stop` is set (the batch under way is finished first)."""
        await run_batches(self.run_once, "inbox worker", stop)

    async def _process(self, row: ClaimedInbound) -> bool:
        """Handle one row; True if it is verified as its actor's (whatever the outcome)."""
        verified = row.state != InboundState.UNVERIFIED
        try:
            if not verified:
                problem = await self._verify(row)
                if problem is not None:
                    metrics.SIGNATURE_FAILURES.labels("worker").inc()
                    await self._finish(row, InboundState.REJECTED, problem)
                    return False
                verified = True
            await self._revive_host(row.actor_uri)
            key = await dispatch_key(self.ctx, row.document)
            handler = HANDLERS.get(key)
            if handler is None:
                await self._finish(row, InboundState.IGNORED, _unhandled(key))
                return True
            state = await handler(self.ctx, row.document)
            reason = f"{key}: nothing to do" if state == InboundState.IGNORED else None
            await self._finish(row, state, reason)
        except Ignored as ignored:  # verified, nothing to do here: recorded with the reason
            await self._finish(row, InboundState.IGNORED, str(ignored))
        except Refused as refusal:  # verified, but not allowed: recorded, nothing changed
            await self._finish(row, InboundState.REJECTED, str(refusal))
        except Exception as error:  # else a passing failure or a handler bug: retry, give up
            if _fails_for_good(error):
                await self._finish(row, InboundState.REJECTED, f"{type(error).__name__}: {error}")
            else:
                await self._retry_or_fail(row, error)
        return verified

    async def _retry_or_fail(self, row: ClaimedInbound, error: Exception) -> None:
        """A peer that is down (its key or object cannot be fetched yet) is waited for as long
        as a delivery would be, about three days: the sender had its 202 and will not resend.
        A handler bug gets a few quick retries, then the row is left 'failed' for an operator."""
        reason = f"{type(error).__name__}: {error}"
        passing = _is_passing(error)
        limit = PASSING_FAILURE_ATTEMPTS if passing else INBOUND_MAX_ATTEMPTS
        if row.attempts >= limit:
            log.error("inbound %s failed for good: %s", row.activity_id, reason)
            await self._finish(row, InboundState.FAILED, reason)
            return
        if passing:
            delay = timedelta(seconds=backoff_seconds(row.attempts))
        else:
            log.exception("inbound %s failed (attempt %d)", row.activity_id, row.attempts)
            delay = INBOUND_RETRY_DELAY
        async with self.ctx.pool.acquire() as conn:
            await inbound_store.retry_later(conn, row.id, delay, reason)

    async def _verify(self, row: ClaimedInbound) -> str | None:
        """None once the row is verified (and marked so); otherwise why it is rejected."""
        signed = row.signed_request or {}
        try:
            parsed = parse_signature(
                signed["method"],
                signed["target"],
                signed["headers"],
                scheme=self.ctx.config.scheme,
                authority=self.ctx.config.domain,
            )
        except (SignatureError, KeyError) as error:
            return f"signature: {error}"
        body = base64.b64decode(signed["body_b64"])
        received_at = datetime.fromisoformat(signed["received_at"])
        async with self.ctx.pool.acquire() as conn:
            cached = await actor_store.find_key(conn, parsed.key_id)
        # The key may have arrived with an earlier row: try it before fetching again.
        if cached is not None and _verifies(parsed, cached, row.actor_uri, body, received_at):
            async with self.ctx.pool.acquire() as conn:
                await inbound_store.mark_verified(conn, row.id)
            return None
        refusal = await remote_actors.refused_key_reason(self.ctx.pool, parsed.key_id)
        if refusal is not None:  # fetched for an earlier row and refused: not fetched again
            return f"key {parsed.key_id}: {refusal}"
        if not self._key_fetches.allow(host_of(parsed.key_id) or ""):
            raise _Retry(f"{host_of(parsed.key_id)} asked for many key fetches lately; later")
        try:
            key = await remote_actors.fetch_key(self.ctx.pool, self.ctx.network, parsed.key_id)
        except (RequestRefusedError, remote_actors.ActorError) as error:
            return f"key {parsed.key_id}: {error}"
        except StatusError as error:
            if 400 <= error.status < 500 and error.status not in (408, 429):
                return f"key {parsed.key_id}: {error}"
            raise _Retry(str(error)) from error
        except FetchError as error:
            raise _Retry(str(error)) from error
        if key.owner_uri != row.actor_uri:
            return f"signed by {key.owner_uri}, not by the actor {row.actor_uri}"
        try:
            verify_signature(parsed, load_public_key(key.public_key_pem), body, now=received_at)
        except (SignatureError, ValueError) as error:
            return f"signature: {error}"
        async with self.ctx.pool.acquire() as conn:
            await inbound_store.mark_verified(conn, row.id)
        return None

    async def _revive_host(self, actor_uri: str) -> None:
        host = host_of(actor_uri)
        if host is None:
            return
        async with self.ctx.pool.acquire() as conn:
            # Verified: the host is alive. Its failures are forgotten and the deliveries the
            # circuit breaker postponed go out now.
            await host_breaker.revive(conn, host)

    async def _finish(self, row: ClaimedInbound, state: InboundState, error: str | None) -> None:
        """Record the row's outcome; `error` is why it was rejected, ignored or failed."""
        if state == InboundState.REJECTED:
            log.info("inbound %s rejected: %s", row.activity_id, error)
        elif state == InboundState.IGNORED:
            log.info("%s %s ignored: %s", row.activity_type, row.activity_id, error)
        async with self.ctx.pool.acquire() as conn:
            await inbound_store.finish(conn, row.id, state, error)
