"""When to try a delivery again: one pure function of (attempt, status, Retry-After, rng).

```
status 2xx                                   -> Done
status 4xx except 401, 408, 429; and 501     -> GiveUp   (the peer refuses this activity)
attempt == MAX_ATTEMPTS                      -> GiveUp   (about three days of trying)
anything else (5xx, 401/408/429, 3xx, no     -> RetryAt(delay seconds)
  answer at all: timeout, refused, TLS)
```

401 is retried because a peer may answer it while it still caches an old key of ours; 408 and 429
are "not now"; 501 means the peer does not implement the endpoint, so it never will. This is how
Mastodon classifies answers, so peers see the same behaviour from fedcop.

The delay doubles from one minute and stops growing at 11 hours; with 16 attempts the schedule
spans three days, after which a peer is considered gone for this activity. Each delay is jittered
by ±10 % so deliveries that failed together (a peer's outage) do not return together.

| after attempt | backoff | total since the first attempt |
|--------------:|--------:|------------------------------:|
|  1            |   1 min |   1 min                       |
|  2            |   2 min |   3 min                       |
|  3            |   4 min |   7 min                       |
|  4            |   8 min |  15 min                       |
|  5            |  16 min |  31 min                       |
|  6            |  32 min |   1.1 h                       |
|  7            |  64 min |   2.1 h                       |
|  8            | 2.1 h   |   4.3 h                       |
|  9            | 4.3 h   |   8.5 h                       |
| 10            | 8.5 h   |  17.1 h                       |
| 11            | 11 h    |  28.1 h                       |
| 12            | 11 h    |  39.1 h                       |
| 13            | 11 h    |  50.1 h                       |
| 14            | 11 h    |  61.1 h                       |
| 15            | 11 h    |  72.1 h  (3.0 days)           |
| 16            | give up |                               |

A `Retry-After` from the peer (seconds or an HTTP date) is honoured: the delay is the larger of
the backoff and Retry-After, and Retry-After counts for at most one day, so a peer cannot park a
delivery for a year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC
from email.utils import parsedate_to_datetime

MAX_ATTEMPTS = 16
FIRST_BACKOFF_SECONDS = 60.0
BACKOFF_FACTOR = 2.0
MAX_BACKOFF_SECONDS = 11 * 3600.0
JITTER_FRACTION = 0.10
MAX_RETRY_AFTER_SECONDS = 24 * 3600.0

# 4xx answers that mean "not now" rather than "never".
_RETRYABLE_CLIENT_ERRORS = frozenset({401, 408, 429})


@dataclass(frozen=True)
class Done:
    """Delivered."""


@dataclass(frozen=True)
class GiveUp:
    """Stop trying this delivery; `reason` is a sentence for the operator."""

    reason: str


@dataclass(frozen=True)
class RetryAt:
    """Try again `delay` seconds from now."""

    delay: float


Decision = Done | GiveUp | RetryAt


def decide(
    attempt: int, status: int | None, retry_after: float | None, rng: random.Random
) -> Decision:
    """What to do after attempt number `attempt` (1 = the first try) ended with `status`.

    `status` is None when no answer arrived (network error, timeout). `retry_after` is the peer's
    Retry-After in seconds from now, if it sent one.
    """
    if attempt < 1:
        raise ValueError(f"attempts are counted from 1, got {attempt}")
    if status is not None and 200 <= status < 300:
        return Done()
    if status is not None and is_permanent_failure(status):
        return GiveUp(f"the inbox answered HTTP {status}, which means it will never accept this")
    if attempt >= MAX_ATTEMPTS:
        return GiveUp(f"no success after {MAX_ATTEMPTS} attempts over about three days")
    delay = backoff_seconds(attempt) * rng.uniform(1 - JITTER_FRACTION, 1 + JITTER_FRACTION)
    if retry_after is not None:
        delay = max(delay, min(max(retry_after, 0.0), MAX_RETRY_AFTER_SECONDS))
    return RetryAt(delay)


def is_permanent_failure(status: int) -> bool:
    """True for answers that retrying cannot change."""
    if 400 <= status < 500:
        return status not in _RETRYABLE_CLIENT_ERRORS
    return status == 501


def backoff_seconds(attempt: int) -> float:
    """The delay after attempt `attempt`, before jitter (the table in this module's docstring)."""
    return min(FIRST_BACKOFF_SECONDS * BACKOFF_FACTOR ** (attempt - 1), MAX_BACKOFF_SECONDS)


def parse_retry_after(value: str, *, now: float) -> float | None:
    """Seconds to wait from a Retry-After header (delay-seconds or HTTP-date); None if unreadable.

    `now` is a Unix timestamp; a date in the past means "no wait" (0).
    """
    text = value.strip()
    if text.isascii() and text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        # RFC 9110 dates are always GMT; "-0000" parses as naive.
        moment = moment.replace(tzinfo=UTC)
    return max(moment.timestamp() - now, 0.0)
