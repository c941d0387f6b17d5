"""The two durable queues' states and timing, declared in one place.

Inbound (inbound_activities), filled by the inbox and drained by the inbox worker:

    unverified --key fetched, signature good--> pending --handler--> done | ignored (reason)
        |                                          |
        +--key unavailable / signature bad--> rejected      +--handler keeps raising--> failed

Outbound (deliveries), filled by domain services and drained by the delivery worker:

    pending --2xx--> done
       |  \\--4xx (not 401/408/429), retries exhausted, host blocked/unavailable--> given_up
       +--other failure--> pending again at next_attempt_at (federation.retry_policy)

Claiming a row pushes its next_attempt_at one LEASE ahead instead of holding a lock: a worker
killed mid-way leaves the row to be claimed again when the lease runs out, and handlers are
idempotent, so nothing is lost and nothing is applied twice.
"""

from __future__ import annotations

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
# How many rows one claim takes.
INBOUND_BATCH = 100
DELIVERY_BATCH = 200
