"""Per-origin keep-alive clients: one per origin, closed again once the origin goes quiet."""

from __future__ import annotations

import httpx
import pytest

from federation.host_clients import HostClients


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


A = httpx.URL("https://a.example/inbox")


async def test_one_client_per_origin() -> None:
    async with HostClients() as clients:
        async with clients.lease(A) as first, clients.lease(A.copy_with(path="/x")) as second:
            assert first is second
        async with clients.lease(httpx.URL("https://a.example:8443/inbox")) as other_port:
            assert other_port is not first
        async with clients.lease(httpx.URL("https://b.example/inbox")) as other_host:
            assert other_host is not first
        assert len(clients) == 3


async def test_idle_clients_are_closed_and_busy_ones_kept() -> None:
    clock = Clock()
    async with HostClients(idle_timeout=120, clock=clock) as clients:
        async with clients.lease(A) as idle_client:
            pass
        async with clients.lease(httpx.URL("https://busy.example/")) as busy_client:
            clock.now += 121
            # Given one origin unused for longer than idle_timeout and one in use
            closed = await clients.close_idle()
            # Then only the unused one is closed
            assert closed == 1
            assert idle_client.is_closed
            assert not busy_client.is_closed
            assert len(clients) == 1


async def test_leasing_sweeps_idle_clients_now_and_then() -> None:
    clock = Clock()
    async with HostClients(idle_timeout=100, clock=clock) as clients:
        async with clients.lease(A) as old_client:
            pass
        clock.now += 101
        async with clients.lease(httpx.URL("https://b.example/")):
            pass
        assert old_client.is_closed
        assert len(clients) == 1


async def test_a_returning_origin_gets_a_fresh_client_after_eviction() -> None:
    clock = Clock()
    async with HostClients(idle_timeout=10, clock=clock) as clients:
        async with clients.lease(A) as first:
            pass
        clock.now += 11
        async with clients.lease(A) as second:
            assert second is not first
            assert not second.is_closed


async def test_closing_closes_every_client_and_refuses_new_leases() -> None:
    clients = HostClients()
    async with clients.lease(A) as client:
        pass
    await clients.aclose()
    assert client.is_closed
    with pytest.raises(RuntimeError, match="closed"):
        async with clients.lease(A):
            pass
