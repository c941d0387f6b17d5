"""Small keep-alive httpx clients, one per origin, closed again when the origin goes quiet.

One big shared httpx pool collapses under concurrency (httpcore scans every pooled connection on
each event: ~200 requests/s at 64 in flight, see reference/performance.md A.4). Many small pools
keep that scan short, and keep-alive saves a TLS handshake (~1 ms of CPU) per request.

```
lease(https://a.example/inbox) ─┐
lease(https://a.example/x)     ─┴─> client for (https, a.example, 443)  ── GuardedTransport
lease(https://b.example/inbox) ───> client for (https, b.example, 443)  ── GuardedTransport
                                         ...
every sweep interval: clients unused for `idle_timeout` and not leased are closed
```

A node that talks to thousands of servers therefore holds clients only for the ones it talked to
recently: memory stays bounded by recent activity, not by the size of the fediverse.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpcore
import httpx

from federation.async_closing import AsyncClosing
from federation.netguard import (
    GuardedTransport,
    Resolver,
    default_ssl_context,
    resolve_with_getaddrinfo,
)

Origin = tuple[str, str, int | None]

# Applied when a caller gives no per-request timeout; fetch and delivery always give their own.
_FALLBACK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


@dataclass
class _Entry:
    client: httpx.AsyncClient
    last_used: float
    leases: int = 0


class HostClients(AsyncClosing):
    """Hands out one SSRF-guarded keep-alive client per origin (scheme, host, port)."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        max_connections_per_host: int = 8,
        keepalive_expiry: float = 30.0,
        idle_timeout: float = 120.0,
        ssl_context: ssl.SSLContext | None = None,
        resolver: Resolver = resolve_with_getaddrinfo,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.allow_private_addresses = allow_private_addresses
        self._max_connections = max_connections_per_host
        self._keepalive_expiry = keepalive_expiry
        self._idle_timeout = idle_timeout
        self._ssl_context = ssl_context if ssl_context is not None else default_ssl_context()
        self._resolver = resolver
        self._network_backend = network_backend
        self._clock = clock
        self._entries: dict[Origin, _Entry] = {}
        self._last_sweep = clock()
        self._closed = False

    def __len__(self) -> int:
        return len(self._entries)

    @asynccontextmanager
    async def lease(self, url: httpx.URL) -> AsyncIterator[httpx.AsyncClient]:
        """The client for `url`'s origin; it stays open at least until the block ends."""
        if self._closed:
            raise RuntimeError("HostClients is closed")
        now = self._clock()
        if now - self._last_sweep >= self._idle_timeout / 2:
            await self.close_idle()
        origin = (url.scheme, url.host, url.port)
        entry = self._entries.get(origin)
        if entry is None:
            entry = _Entry(client=self._new_client(), last_used=now)
            self._entries[origin] = entry
        entry.leases += 1
        try:
            yield entry.client
        finally:
            entry.leases -= 1
            entry.last_used = self._clock()

    async def close_idle(self) -> int:
        """Close clients nobody leases that have been unused for `idle_timeout`; return how many."""
        now = self._clock()
        self._last_sweep = now
        idle = [
            origin
            for origin, entry in self._entries.items()
            if entry.leases == 0 and now - entry.last_used >= self._idle_timeout
        ]
        # Unlink first, then close: a lease arriving meanwhile simply opens a fresh client.
        clients = [self._entries.pop(origin).client for origin in idle]
        for client in clients:
            await client.aclose()
        return len(clients)

    async def aclose(self) -> None:
        self._closed = True
        entries, self._entries = self._entries, {}
        for entry in entries.values():
            await entry.client.aclose()

    def _new_client(self) -> httpx.AsyncClient:
        transport = GuardedTransport(
            allow_private_addresses=self.allow_private_addresses,
            ssl_context=self._ssl_context,
            max_connections=self._max_connections,
            keepalive_expiry=self._keepalive_expiry,
            resolver=self._resolver,
            network_backend=self._network_backend,
        )
        # trust_env=False: no proxy or .netrc settings from the environment may route around the
        # guard. CA settings are not affected: the transport's ssl_context (by default
        # netguard.default_ssl_context, built once per process) honours SSL_CERT_FILE and
        # SSL_CERT_DIR. Redirects are followed by the caller, hop by hop, so each hop is checked.
        return httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            trust_env=False,
            timeout=_FALLBACK_TIMEOUT,
        )
