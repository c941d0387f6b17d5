"""The two durable queues' states and timing, declared in one place.

Inbound (inbound_activities), filled by the inbox and drained by the inbox worker:

    unverified --key fetched, signature good--> pending --handler--> done | ignored (reason)
        |                                          |
        +--key unavailable / signature bad--> rejected      +--handler keeps raising--> failed

Outbound (deliveries), filled by domain services and drained by the delivery worker:

    pending --2xx--> done
       |  \\--4xx (not 401/408/429), retries exhausted, host blocked/unavailable--> given_up
       +--other failure--> pending again at next_attempt_at (federation.retry_policy)
       +--its host suspended by the circuit breaker--> pending, postponed to the host's
                                                       suspended_until (not an attempt)

Claiming a row pushes its next_attempt_at one LEASE ahead instead of holding a lock: a worker
killed mid-way leaves the row to be claimed again when the lease runs out, and handlers are
idempotent, so nothing is lost and nothing is applied twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class InboundState(StrEnum):
    UNVERIFIED = "unverified"
    PENDING = "pending"
    DONE = "done"
    IGNORED = "ignored"
    REJECTED = "rejected"
    FAILED = "failed"


class DeliveryState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    GIVEN_UP = "given_up"


# How long a claimed row is left to its worker before another may take it over.
INBOUND_LEASE = timedelta(minutes=5)
DELIVERY_LEASE = timedelta(minutes=2)
# A handler that raises is retried this many times (with the delay below) before 'failed'. A peer
# that cannot be reached (key or object fetch) is waited for on federation.retry_policy's
# schedule instead, about three days, as deliveries are.
INBOUND_MAX_ATTEMPTS = 5
INBOUND_RETRY_DELAY = timedelta(minutes=1)
# A host with failed deliveries on this many distinct days (and no success since) is skipped.
UNAVAILABLE_AFTER_DAYS = 7


@dataclass(frozen=True)
class DeliveryBreaker:
    """When a failing host is left alone for a while (the circuit breaker, store/host_breaker.py).

    After `failures` failed attempts in a row (no success between) spread over at least
    `period`, the host is suspended for `first_pause`; while it keeps failing, each further run
    of `failures` failures doubles the pause, up to `longest_pause`. Its deliveries wait, they
    are not attempted (nor counted as attempts) meanwhile."""

    failures: int = 10
    period: timedelta = timedelta(minutes=1)
    first_pause: timedelta = timedelta(minutes=2)
    longest_pause: timedelta = timedelta(hours=1)


DELIVERY_BREAKER = DeliveryBreaker()
# How many rows one claim takes.
INBOUND_BATCH = 100
DELIVERY_BATCH = 200
# At most this many rows of one host per delivery claim (the per-host concurrency of
# federation.deliver.DeliveryClient): a host with thousands of deliveries due cannot fill a claim,
# so the others' deliveries go out in the same pass.
DELIVERY_CLAIM_PER_HOST = 8
# How far down the due deliveries a claim looks for hosts to take rows from (a multiple of the
# claim's size): bounds the claim's cost when millions are due.
DELIVERY_CLAIM_HORIZON = 50
# The inbox worker handles a batch's actors concurrently, each actor's rows in order, at most
# this many actors at a time: a row waiting on a slow server does not hold up the others.
INBOX_CONCURRENT_ACTORS = 8
