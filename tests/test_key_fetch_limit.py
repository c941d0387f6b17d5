"""Key fetches are limited per host: unknown keys cannot make this node hammer one server."""

from __future__ import annotations

from fedcop.workers.inbox import HostRateLimit


def test_a_host_gets_at_most_its_share_in_a_window() -> None:
    limit = HostRateLimit(limit=3, window=60.0)
    assert [limit.allow("a.example") for _ in range(5)] == [True, True, True, False, False]
    # another host is counted on its own
    assert limit.allow("b.example") is True


def test_the_window_moves_on() -> None:
    limit = HostRateLimit(limit=1, window=0.0)
    assert limit.allow("a.example") is True
    assert limit.allow("a.example") is True  # the earlier fetch is already out of the window
