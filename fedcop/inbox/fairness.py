"""Each actor's share of the inbox: a quota of waiting activities, and a fair turn for each.

    a request from actor A, its signature verified (or its key to be fetched)
      -> A's waiting verified activities, estimated: the count read from the database at the
         last check, plus what this process accepted from A since (no database read on the
         answer path while the estimate is small)
      -> estimate >= quota: read the count again (at most once per RECHECK_SECONDS per actor);
         still >= quota -> 429 with Retry-After (nothing stored; Mastodon, Lemmy and the
         others retry a 429 later, so nothing is lost)
      -> fair_at = received + estimate x SLOT: the activity is queued behind A's own backlog,
         not behind everyone else's work. The inbox worker claims in fair_at order, so a lone
         activity from anyone else is handled in the next batch however large A's flood.

Activities whose key is still to be fetched ('unverified') take their turn from A's share but
are not counted in it: anyone can send requests in A's name, and a forger must not be able to
fill A's share and have A's own activities refused. The inbox worker's key fetches, limited per
host, bound those.

The count read from the database covers every process (`fedcop serve --workers N`); between
reads each process adds only what it accepted itself, so an actor may briefly get up to N
quotas' worth. A refusal always rests on a count read from the database less than
RECHECK_SECONDS earlier, never on the estimate alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fedcop.store import inbound as inbound_store

# Activities of one actor waiting in the queue before its next ones are answered 429. A person
# has a handful at most; a busy community a few hundred after the worker was down a while.
ACTOR_QUOTA = 1000
# What a 429 tells the sender to wait; the worker handles a thousand activities in seconds.
RETRY_AFTER_SECONDS = 60
# How far back each waiting activity of the same actor pushes its next one.
SLOT = timedelta(seconds=1)
# The estimate is read again from the database once it reaches this (at most once per
# RECHECK_SECONDS): a steady sender's handled activities stop counting against it.
RECHECK_FROM = 16
RECHECK_SECONDS = 1.0
_MAX_TRACKED = 50_000


@dataclass
class _Share:
    counted: int  # waiting in the database at the last read
    counted_at: float  # time.monotonic() of that read (0: never read)
    accepted_since: int  # accepted by this process since

    @property
    def estimate(self) -> int:
        return self.counted + self.accepted_since


@dataclass(frozen=True)
class Turn:
    """An activity's place: None if refused (the actor is over its quota), else its fair_at."""

    fair_at: datetime | None
    waiting: int  # the actor's waiting activities, as estimated


class InboxShares:
    def __init__(self, quota: int = ACTOR_QUOTA) -> None:
        self.quota = quota
        self.recheck_seconds = RECHECK_SECONDS
        self._shares: dict[str, _Share] = {}

    async def turn(self, pool: Any, actor_uri: str, received_at: datetime) -> Turn:
        """The activity's turn, or a refusal; call `accepted` once it is queued."""
        share = self._shares.get(actor_uri)
        if share is None:
            if len(self._shares) >= _MAX_TRACKED:
                self._shares.clear()
            share = self._shares[actor_uri] = _Share(0, 0.0, 0)
        if share.estimate >= min(RECHECK_FROM, self.quota):
            await self._recount(pool, actor_uri, share)
        waiting = share.estimate
        if waiting >= self.quota:
            return Turn(None, waiting)
        return Turn(received_at + SLOT * waiting, waiting)

    def accepted(self, actor_uri: str) -> None:
        share = self._shares.get(actor_uri)
        if share is not None:
            share.accepted_since += 1

    async def _recount(self, pool: Any, actor_uri: str, share: _Share) -> None:
        now = time.monotonic()
        if now - share.counted_at < self.recheck_seconds:
            return
        share.counted_at = now  # before the read: concurrent requests do not read again
        before = share.accepted_since  # committed, so in the count
        async with pool.acquire() as conn:
            counted = await inbound_store.waiting_of(conn, actor_uri, self.quota)
        # What this process accepted during the read may or may not be in it: still counted,
        # erring towards the larger estimate.
        share.counted, share.accepted_since = counted, share.accepted_since - before
