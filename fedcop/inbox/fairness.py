"""Each actor's and each host's share of the inbox: a quota of waiting activities, and a fair
turn for each.

    a request from actor A, its signature verified (or its key to be fetched)
      -> A's waiting verified activities, estimated: the count read from the database at the
         last check, plus what this process accepted from A since (no database read on the
         answer path while the estimate is small)
      -> estimate >= quota: read the count again (at most once per RECHECK_SECONDS per actor);
         still >= quota -> 429 with Retry-After (nothing stored; Mastodon, Lemmy and the
         others retry a 429 later, so nothing is lost)
      -> the same for A's host H (port aside): all its actors' waiting activities, against
         HOST_QUOTA, so many actors of one host cannot together take more than one host's share
      -> fair_at = received + max(A's estimate, H's estimate) x SLOT: the activity is queued
         behind its actor's and its host's own backlog, not behind everyone else's work. The
         inbox worker claims in fair_at order, so a lone activity from another host is handled
         in the next batch however large H's flood, from however many actors.

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
from typing import Any, Literal, Protocol

from fedcop.store import inbound as inbound_store
from federation.vocab import host_of

# Activities of one actor waiting in the queue before its next ones are answered 429. A person
# has a handful at most; a busy community a few hundred after the worker was down a while.
ACTOR_QUOTA = 1000
# Activities of all the actors of one host waiting before that host's next ones are answered
# 429: a large instance's many members, not one member's share times the number of accounts
# someone can create there.
HOST_QUOTA = 5000
# What a 429 tells the sender to wait; the worker handles a thousand activities in seconds.
RETRY_AFTER_SECONDS = 60
# How far back each waiting activity of the same actor (or host) pushes its next one.
SLOT = timedelta(seconds=1)
# The estimate is read again from the database once it reaches this (at most once per
# RECHECK_SECONDS): a steady sender's handled activities stop counting against it.
RECHECK_FROM = 16
RECHECK_SECONDS = 1.0
_MAX_TRACKED = 50_000


class _Counter(Protocol):
    async def __call__(self, conn: Any, actor_uri: str, at_most: int) -> int: ...


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
    """An activity's place: None if refused (its actor or its host is over its quota), else
    its fair_at."""

    fair_at: datetime | None
    waiting: int  # the activities waiting of whose share decides (as estimated)
    quota: int  # that share's quota
    of: Literal["actor", "host"]  # whose share: the actor's, or its host's


class InboxShares:
    def __init__(self, quota: int = ACTOR_QUOTA, host_quota: int = HOST_QUOTA) -> None:
        self.quota = quota
        self.host_quota = host_quota
        self.recheck_seconds = RECHECK_SECONDS
        self._actors: dict[str, _Share] = {}
        self._hosts: dict[str, _Share] = {}

    async def turn(self, pool: Any, actor_uri: str, received_at: datetime) -> Turn:
        """The activity's turn, or a refusal; call `accepted` once it is queued."""
        actor = _share_in(self._actors, actor_uri)
        host = _share_in(self._hosts, _host_key(actor_uri))
        if actor.estimate >= min(RECHECK_FROM, self.quota):
            await self._recount(pool, actor_uri, actor, inbound_store.waiting_of, self.quota)
        if actor.estimate >= self.quota:
            return Turn(None, actor.estimate, self.quota, "actor")
        if host.estimate >= min(RECHECK_FROM, self.host_quota):
            await self._recount(
                pool, actor_uri, host, inbound_store.waiting_of_host, self.host_quota
            )
        if host.estimate >= self.host_quota:
            return Turn(None, host.estimate, self.host_quota, "host")
        ahead = max(actor.estimate, host.estimate)
        return Turn(received_at + SLOT * ahead, actor.estimate, self.quota, "actor")

    def accepted(self, actor_uri: str) -> None:
        for share in (self._actors.get(actor_uri), self._hosts.get(_host_key(actor_uri))):
            if share is not None:
                share.accepted_since += 1

    async def _recount(
        self, pool: Any, actor_uri: str, share: _Share, count: _Counter, at_most: int
    ) -> None:
        now = time.monotonic()
        if now - share.counted_at < self.recheck_seconds:
            return
        share.counted_at = now  # before the read: concurrent requests do not read again
        before = share.accepted_since  # committed, so in the count
        async with pool.acquire() as conn:
            counted = await count(conn, actor_uri, at_most)
        # What this process accepted during the read may or may not be in it: still counted,
        # erring towards the larger estimate.
        share.counted, share.accepted_since = counted, share.accepted_since - before


def _host_key(actor_uri: str) -> str:
    """The host whose share an actor's activities count in; an actor URI without one (never
    accepted in practice) is its own host."""
    return host_of(actor_uri) or actor_uri


def _share_in(shares: dict[str, _Share], key: str) -> _Share:
    share = shares.get(key)
    if share is None:
        if len(shares) >= _MAX_TRACKED:
            shares.clear()
        share = shares[key] = _Share(0, 0.0, 0)
    return share
