"""Outbound delivery: one signed POST per inbox, bounded per host, and what to do next.

```
delivery worker ── post(inbox, body, signer) ──> DeliveryClient
                                                  │ per-host semaphore (default 8 in flight)
                                                  │ then the overall semaphore (default 256)
                                                  │ keep-alive client for the origin (HostClients,
                                                  │   SSRF-guarded transport)
                                                  │ sign over exactly what is sent, POST
                                                  v
                              DeliveryResult(status | error, retry_after, refused)
                                                  │
                 next_step(result, attempt, rng) ─┴─> Done | GiveUp(reason) | RetryAt(delay)
```

`post` never raises for network trouble: timeouts, refused connections and TLS failures come back
as a result with `error` set, which the retry policy treats as worth retrying. The policy itself
is `decide()` in retry_policy.py, a pure function.

The per-host semaphore is taken before the overall one: a task waiting for a busy host then holds
no overall slot, so one slow server cannot starve deliveries to everyone else.
"""

from __future__ import annotations

import asyncio
import random
import ssl
import time
from dataclasses import dataclass
from types import TracebackType

import httpcore
import httpx

from federation.fetch import Signer, checked_url, sign_request
from federation.fetch_errors import FetchError, RequestRefusedError
from federation.host_clients import HostClients
from federation.netguard import Resolver, resolve_with_getaddrinfo
from federation.retry_policy import Decision, Done, GiveUp, RetryAt, decide, parse_retry_after

__all__ = [
    "ACTIVITY_JSON",
    "Decision",
    "DeliveryClient",
    "DeliveryResult",
    "Done",
    "GiveUp",
    "RetryAt",
    "Signer",
    "decide",
    "next_step",
]

ACTIVITY_JSON = "application/activity+json"

# Enough of an error answer to explain it in a log line, small enough to never matter in memory.
_ERROR_BODY_EXCERPT_BYTES = 512
# Read at most this much of any answer; beyond it the connection is dropped, not drained.
_MAX_RESPONSE_BYTES = 64 * 1024


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one POST. Exactly one of `status` and `error` is set."""

    inbox_url: str
    status: int | None
    retry_after: float | None = None
    error: str | None = None
    # fedcop refused to send (blocked address, disallowed scheme, bad URL): retrying cannot help.
    refused: bool = False

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def next_step(result: DeliveryResult, attempt: int, rng: random.Random) -> Decision:
    """The retry decision for `result`, after `attempt` (1 = the first try) attempts."""
    if result.refused:
        return GiveUp(f"refused to deliver: {result.error}")
    return decide(attempt, result.status, result.retry_after, rng)


class DeliveryClient:
    """Signed POSTs to inboxes over small per-host keep-alive clients, bounded per host."""

    def __init__(
        self,
        *,
        user_agent: str,
        allow_private_addresses: bool = False,
        allow_http: bool = False,
        per_host_concurrency: int = 8,
        total_concurrency: int = 256,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        deadline: float = 30.0,
        idle_timeout: float = 120.0,
        ssl_context: ssl.SSLContext | None = None,
        resolver: Resolver = resolve_with_getaddrinfo,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        if per_host_concurrency < 1 or total_concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        self._user_agent = user_agent
        self._allow_http = allow_http
        self._per_host_concurrency = per_host_concurrency
        self._timeout = httpx.Timeout(read_timeout, connect=connect_timeout)
        self._deadline = deadline
        self._total = asyncio.Semaphore(total_concurrency)
        # host -> (semaphore, number of tasks using it); dropped when unused, so hosts delivered
        # to once long ago cost nothing.
        self._host_slots: dict[str, tuple[asyncio.Semaphore, int]] = {}
        self._clients = HostClients(
            allow_private_addresses=allow_private_addresses,
            # One connection per concurrent request: more could never be used.
            max_connections_per_host=per_host_concurrency,
            idle_timeout=idle_timeout,
            ssl_context=ssl_context,
            resolver=resolver,
            network_backend=network_backend,
        )

    async def post(self, inbox_url: str, body: bytes, signer: Signer) -> DeliveryResult:
        """POST `body` to `inbox_url`, signed; says what happened instead of raising."""
        try:
            target = checked_url(inbox_url, allow_http=self._allow_http)
        except RequestRefusedError as exc:
            return DeliveryResult(inbox_url, status=None, error=str(exc), refused=True)
        host = target.host
        semaphore = self._take_host_slot(host)
        try:
            async with semaphore, self._total:
                return await self._post(target, inbox_url, body, signer)
        finally:
            self._release_host_slot(host)

    async def close_idle(self) -> int:
        """Close keep-alive clients of hosts not contacted lately; return how many were closed."""
        return await self._clients.close_idle()

    async def aclose(self) -> None:
        await self._clients.aclose()

    async def __aenter__(self) -> DeliveryClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _post(
        self, target: httpx.URL, inbox_url: str, body: bytes, signer: Signer
    ) -> DeliveryResult:
        headers = {
            "Content-Type": ACTIVITY_JSON,
            "User-Agent": self._user_agent,
            "Accept-Encoding": "identity",
        }
        try:
            async with asyncio.timeout(self._deadline), self._clients.lease(target) as client:
                request = client.build_request(
                    "POST", target, headers=headers, content=body, timeout=self._timeout
                )
                sign_request(request, signer)
                response = await client.send(request, stream=True)
                try:
                    answer = await _read_some(response)
                finally:
                    await response.aclose()
        except RequestRefusedError as exc:
            return DeliveryResult(inbox_url, status=None, error=str(exc), refused=True)
        except FetchError as exc:
            return DeliveryResult(inbox_url, status=None, error=str(exc))
        except TimeoutError:
            return DeliveryResult(
                inbox_url,
                status=None,
                error=f"no complete answer from {inbox_url} within {self._deadline:g} s",
            )
        except httpx.TimeoutException as exc:
            return DeliveryResult(inbox_url, status=None, error=_timeout_message(inbox_url, exc))
        except httpx.HTTPError as exc:
            detail = str(exc) or type(exc).__name__
            return DeliveryResult(
                inbox_url, status=None, error=f"delivery to {inbox_url} failed: {detail}"
            )

        retry_after_header = response.headers.get("retry-after")
        retry_after = (
            parse_retry_after(retry_after_header, now=time.time())
            if retry_after_header is not None
            else None
        )
        error = None
        if not 200 <= response.status_code < 300:
            excerpt = answer[:_ERROR_BODY_EXCERPT_BYTES].decode("utf-8", "replace").strip()
            error = f"{inbox_url} answered HTTP {response.status_code}" + (
                f": {excerpt}" if excerpt else ""
            )
        return DeliveryResult(
            inbox_url, status=response.status_code, retry_after=retry_after, error=error
        )

    def _take_host_slot(self, host: str) -> asyncio.Semaphore:
        semaphore, users = self._host_slots.get(
            host, (asyncio.Semaphore(self._per_host_concurrency), 0)
        )
        self._host_slots[host] = (semaphore, users + 1)
        return semaphore

    def _release_host_slot(self, host: str) -> None:
        semaphore, users = self._host_slots[host]
        if users == 1:
            del self._host_slots[host]
        else:
            self._host_slots[host] = (semaphore, users - 1)


async def _read_some(response: httpx.Response) -> bytes:
    """Up to _MAX_RESPONSE_BYTES of the answer; reading it whole lets the connection be reused."""
    chunks: list[bytes] = []
    received = 0
    async for chunk in response.aiter_bytes():
        chunks.append(chunk)
        received += len(chunk)
        if received >= _MAX_RESPONSE_BYTES:
            break
    return b"".join(chunks)


def _timeout_message(inbox_url: str, exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"could not connect to {inbox_url} in time"
    if isinstance(exc, httpx.WriteTimeout):
        return f"{inbox_url} stopped accepting the request body"
    if isinstance(exc, httpx.ReadTimeout):
        return f"{inbox_url} did not answer in time"
    return f"waited too long for a free connection to {inbox_url}"
