"""The delivery retry policy: one pure function, checked as a table and as properties."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from federation.retry_policy import (
    JITTER_FRACTION,
    MAX_ATTEMPTS,
    MAX_RETRY_AFTER_SECONDS,
    Done,
    GiveUp,
    RetryAt,
    backoff_seconds,
    decide,
    parse_retry_after,
)

DAY = 24 * 3600.0
attempts = st.integers(min_value=1, max_value=MAX_ATTEMPTS - 1)
seeds = st.integers(min_value=0, max_value=2**32)


def seeded(seed: int) -> random.Random:
    return random.Random(seed)  # noqa: S311 (delivery jitter, not a secret)


class FixedRandom(random.Random):
    """uniform() always returns the same end of the range: jitter at its extreme."""

    def __init__(self, where: float) -> None:
        super().__init__(0)
        self.where = where

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.where


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (200, Done),
        (202, Done),
        (204, Done),
        (400, GiveUp),
        (403, GiveUp),
        (404, GiveUp),
        (410, GiveUp),
        (413, GiveUp),
        (422, GiveUp),
        (501, GiveUp),
        (401, RetryAt),
        (408, RetryAt),
        (429, RetryAt),
        (500, RetryAt),
        (502, RetryAt),
        (503, RetryAt),
        (504, RetryAt),
        (301, RetryAt),
        (None, RetryAt),  # no answer at all: timeout, refused connection, TLS failure
    ],
)
def test_status_classes(status: int | None, expected: type) -> None:
    assert isinstance(decide(1, status, None, seeded(1)), expected)


def test_the_schedule_spans_about_three_days() -> None:
    total = sum(backoff_seconds(attempt) for attempt in range(1, MAX_ATTEMPTS))
    assert 2.75 * DAY <= total <= 3.25 * DAY


@pytest.mark.parametrize("where", [0.0, 0.5, 1.0])
def test_jitter_keeps_the_schedule_near_three_days(where: float) -> None:
    rng = FixedRandom(where)
    delays = [decide(attempt, 503, None, rng) for attempt in range(1, MAX_ATTEMPTS)]
    total = sum(delay.delay for delay in delays if isinstance(delay, RetryAt))
    assert 2.5 * DAY <= total <= 3.5 * DAY


@pytest.mark.parametrize("where", [0.0, 0.5, 1.0])
def test_delays_never_shrink_for_a_fixed_jitter(where: float) -> None:
    rng = FixedRandom(where)
    delays = []
    for attempt in range(1, MAX_ATTEMPTS):
        decision = decide(attempt, None, None, rng)
        assert isinstance(decision, RetryAt)
        delays.append(decision.delay)
    assert delays == sorted(delays)
    assert delays[0] < 2 * 60
    assert delays[-1] > 6 * 3600


@given(attempt=attempts, seed=seeds)
def test_delays_stay_within_the_jitter_band(attempt: int, seed: int) -> None:
    decision = decide(attempt, 503, None, seeded(seed))
    assert isinstance(decision, RetryAt)
    base = backoff_seconds(attempt)
    assert base * (1 - JITTER_FRACTION) <= decision.delay <= base * (1 + JITTER_FRACTION)


@given(attempt=attempts)
def test_backoff_grows_until_its_cap(attempt: int) -> None:
    assert backoff_seconds(attempt + 1) >= backoff_seconds(attempt)


@given(attempt=attempts, seed=seeds, retry_after=st.floats(min_value=0, max_value=30 * DAY))
def test_retry_after_is_honoured_up_to_a_day(attempt: int, seed: int, retry_after: float) -> None:
    decision = decide(attempt, 429, retry_after, seeded(seed))
    assert isinstance(decision, RetryAt)
    backoff_floor = backoff_seconds(attempt) * (1 - JITTER_FRACTION)
    assert decision.delay >= min(retry_after, MAX_RETRY_AFTER_SECONDS)
    assert decision.delay >= backoff_floor
    assert decision.delay <= max(backoff_seconds(attempt) * 1.1, MAX_RETRY_AFTER_SECONDS)


def test_a_long_retry_after_wins_over_a_short_backoff() -> None:
    decision = decide(1, 503, 3600.0, seeded(1))
    assert decision == RetryAt(3600.0)


def test_a_negative_retry_after_means_no_extra_wait() -> None:
    decision = decide(1, 503, -50.0, FixedRandom(0.5))
    assert decision == RetryAt(backoff_seconds(1))


@given(status=st.one_of(st.none(), st.integers(min_value=300, max_value=599)), seed=seeds)
def test_the_last_attempt_gives_up_whatever_went_wrong(status: int | None, seed: int) -> None:
    decision = decide(MAX_ATTEMPTS, status, 60.0, seeded(seed))
    assert isinstance(decision, GiveUp)
    assert decision.reason


def test_success_on_the_last_attempt_is_still_done() -> None:
    assert decide(MAX_ATTEMPTS, 202, None, seeded(1)) == Done()


def test_attempts_count_from_one() -> None:
    with pytest.raises(ValueError, match="counted from 1"):
        decide(0, 503, None, seeded(1))


NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        (" 5 ", 5.0),
        ("0", 0.0),
        ("Sun, 01 Mar 2026 12:02:00 GMT", 120.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),  # in the past: no wait
        ("Sunday, 01-Mar-26 12:00:30 GMT", 30.0),  # obsolete RFC 850 form
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("²", None),
        ("", None),
    ],
)
def test_retry_after_header_parsing(header: str, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected


def test_retry_after_round_trips_a_formatted_date() -> None:
    later = datetime.fromtimestamp(NOW + 3600, tz=UTC)
    assert parse_retry_after(format_datetime(later, usegmt=True), now=NOW) == 3600.0
