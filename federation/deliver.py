"""Outbound delivery: one signed POST per inbox, bounded per host, and what to do next.

```
delivery worker ── post(inbox, body, knock) ───> DeliveryClient
                                                  │ URL checks: https (http only with allow_http),
                                                  │   an IP-literal host must be public
                                                  │ per-host semaphore (default 8 in flight)
                                                  │ then the overall semaphore (default 256)
                                                  │ sign over exactly what is sent
                                                  │ POST on one aiohttp session: keep-alive
                                                  │   connections per host, every new connection
                                                  │   through the SSRF guard (aiohttp_guard.py)
                                                  │ 401 and a second knock given: sign with its
                                                  │   scheme, POST again (double_knock.py; also
                                                  │   a 400 to an RFC 9421 knock)
                                                  v
                DeliveryResult(status | error, retry_after, refused, scheme, knocks)
                                                  │
                 next_step(result, attempt, rng) ─┴─> Done | GiveUp(reason) | RetryAt(delay)
```

`post` never raises for network trouble: timeouts, refused connections and TLS failures come back
as a result with `error` set, which the retry policy treats as worth retrying. The policy itself
is `decide()` in retry_policy.py, a pure function. Redirects are not followed: a 3xx is a result
like any other answer.

The per-host semaphore is taken before the overall one: a task waiting for a busy host then holds
no overall slot, so one slow server cannot starve deliveries to everyone else.

Why aiohttp and not httpx here: fan-out is the one place fedcop sends thousands of requests a
second, and httpx costs several times aiohttp's CPU per request (reference/performance.md
A.4). Fetches (fetch.py) stay on httpx.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import random
import ssl
import time
from dataclasses import dataclass

import aiohttp
import yarl
from multidict import CIMultiDict

from federation.aiohttp_guard import check_literal_host, guarded_connector
from federation.async_closing import AsyncClosing
from federation.double_knock import Knock, knocks_again
from federation.fetch import Signer, checked_url
from federation.fetch_errors import RequestRefusedError
from federation.netguard import Resolver, resolve_with_getaddrinfo
from federation.retry_policy import Decision, Done, GiveUp, RetryAt, decide, parse_retry_after
from federation.signatures import SignatureScheme

__all__ = [
    "ACTIVITY_JSON",
    "Decision",
    "DeliveryClient",
    "DeliveryResult",
    "Done",
    "GiveUp",
    "Knock",
    "RetryAt",
    "Signer",
    "decide",
    "next_step",
    "request_url",
]

ACTIVITY_JSON = "application/activity+json"

# Enough of an error answer to explain it in a log line, small enough to never matter in memory.
_ERROR_BODY_EXCERPT_BYTES = 512
# Read at most this much of any answer; beyond it the connection is dropped, not drained.
_MAX_RESPONSE_BYTES = 64 * 1024
# Parsed inbox URLs kept for the next delivery to the same inbox (a few MB at most).
_PARSED_URLS_KEPT = 8192


@dataclass(frozen=True)
class DeliveryResult:
    """What happened to one POST. Exactly one of `status` and `error` is set."""

    inbox_url: str
    status: int | None
    retry_after: float | None = None
    error: str | None = None
    # fedcop refused to send (blocked address, disallowed scheme, bad URL): retrying cannot help.
    refused: bool = False
    # The signature scheme of the request this result is the answer to (None when the signer
    # was given without its scheme, or nothing was signed).
    scheme: SignatureScheme | None = None
    # How many signed requests were sent: 2 after a second knock, 0 when refused before sending.
    knocks: int = 1

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def accepted_scheme(self) -> SignatureScheme | None:
        """The scheme the receiver accepted: worth remembering for its host."""
        return self.scheme if self.delivered else None


def next_step(result: DeliveryResult, attempt: int, rng: random.Random) -> Decision:
    """The retry decision for `result`, after `attempt` (1 = the first try) attempts."""
    if result.refused:
        return GiveUp(f"refused to deliver: {result.error}")
    return decide(attempt, result.status, result.retry_after, rng)


def request_url(inbox_url: str, *, allow_http: bool = False) -> str:
    """The URL string a delivery to `inbox_url` is signed for and sent to (normalised: default
    port dropped, host lower-cased and IDNA-encoded, path percent-encoded).

    Raises RequestRefusedError for a URL DeliveryClient refuses to send to for its form (not
    https, or http without `allow_http`; no host). Callers that sign ahead of time (fedcop's
    Network) sign this string, so the signer is later asked for exactly it.
    """
    return str(_wire_url(inbox_url, allow_http=allow_http))


@functools.lru_cache(maxsize=_PARSED_URLS_KEPT)
def _wire_url(inbox_url: str, *, allow_http: bool) -> yarl.URL:
    # Parsing with httpx costs ~30 µs, a tenth of a delivery's CPU besides signing, and a
    # fan-out sends to the same inboxes again and again: the parsed URLs of recent inboxes are
    # kept (refusals are not, they raise).
    target = checked_url(inbox_url, allow_http=allow_http)
    # httpx has parsed and normalised it; encoded=True keeps yarl from changing it again.
    return yarl.URL(str(target), encoded=True)


class DeliveryClient(AsyncClosing):
    """Signed POSTs to inboxes over keep-alive connections per host, bounded per host."""

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
        keepalive_timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        resolver: Resolver = resolve_with_getaddrinfo,
        socket_factory: aiohttp.SocketFactoryType | None = None,
    ) -> None:
        """`connect_timeout` covers the lookup, the TCP connect and the TLS handshake;
        `read_timeout` is the longest silence while waiting for the answer; `deadline` bounds the
        whole delivery. Connections idle for `keepalive_timeout` seconds are closed.

        `resolver` (names to addresses, before the SSRF check) and `socket_factory` (the socket
        for a checked address, see aiohttp.TCPConnector) are replaceable so tests can stand in
        for DNS and the network."""
        if per_host_concurrency < 1 or total_concurrency < 1:
            raise ValueError("concurrency limits must be at least 1")
        self._user_agent = user_agent
        self._allow_private_addresses = allow_private_addresses
        self._allow_http = allow_http
        self._per_host_concurrency = per_host_concurrency
        self._total_concurrency = total_concurrency
        self._deadline = deadline
        self._keepalive_timeout = keepalive_timeout
        self._ssl_context = ssl_context
        self._resolver = resolver
        self._socket_factory = socket_factory
        self._timeout = aiohttp.ClientTimeout(
            total=None,  # the deadline is applied around the whole delivery, see _post
            connect=connect_timeout,
            sock_connect=connect_timeout,
            sock_read=read_timeout,
        )
        self._total = asyncio.Semaphore(total_concurrency)
        # host -> (semaphore, number of tasks using it); dropped when unused, so hosts delivered
        # to once long ago cost nothing.
        self._host_slots: dict[str, tuple[asyncio.Semaphore, int]] = {}
        # Opened on first use: an aiohttp session belongs to the event loop it was made in.
        self._session: aiohttp.ClientSession | None = None
        self._closed = False

    async def post(
        self,
        inbox_url: str,
        body: bytes,
        signer: Signer | Knock,
        *,
        second_knock: Knock | None = None,
    ) -> DeliveryResult:
        """POST `body` to `inbox_url`, signed; says what happened instead of raising.

        With `second_knock`, a 401 to the first request (or a 400 to an RFC 9421 one, see
        double_knock.knocks_again) is followed at once by the same POST signed by
        `second_knock` (in the same host slot); the result is then the answer to that
        second request, with `knocks == 2`. `signer` given as a `Knock` names its scheme, which
        the result reports."""
        if self._closed:
            raise RuntimeError("DeliveryClient is closed")
        first_signer, first_scheme = (
            (signer.signer, signer.scheme) if isinstance(signer, Knock) else (signer, None)
        )
        try:
            url = _wire_url(inbox_url, allow_http=self._allow_http)
            host = url.raw_host
            assert host is not None  # checked_url refuses URLs without a host
            check_literal_host(
                host, allow_private_addresses=self._allow_private_addresses, url=inbox_url
            )
        except RequestRefusedError as exc:
            return DeliveryResult(inbox_url, status=None, error=str(exc), refused=True, knocks=0)
        semaphore = self._take_host_slot(host)
        try:
            async with semaphore, self._total:
                result = await self._post(url, inbox_url, body, first_signer)
                result = dataclasses.replace(result, scheme=first_scheme)
                if second_knock is None or not knocks_again(result.status, first_scheme):
                    return result
                again = await self._post(url, inbox_url, body, second_knock.signer)
                return _after_second_knock(result, again, second_knock.scheme)
        finally:
            self._release_host_slot(host)

    async def close_idle(self) -> int:
        """Kept for callers of the earlier per-host clients; always 0 now.

        The one connector closes connections idle for `keepalive_timeout` by itself, and
        per-host semaphores are dropped as soon as no delivery uses them, so there is nothing
        left to sweep.
        """
        return 0

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _open_session(self) -> aiohttp.ClientSession:
        session = self._session
        if session is None:
            if self._closed:  # a delivery that waited for its slot while the client closed
                raise RuntimeError("DeliveryClient is closed")
            session = self._session = aiohttp.ClientSession(
                connector=guarded_connector(
                    allow_private_addresses=self._allow_private_addresses,
                    resolver=self._resolver,
                    ssl_context=self._ssl_context,
                    limit=self._total_concurrency,
                    limit_per_host=self._per_host_concurrency,
                    keepalive_timeout=self._keepalive_timeout,
                    socket_factory=self._socket_factory,
                ),
                timeout=self._timeout,
                # No proxy or .netrc from the environment may route around the guard; no
                # cookies kept from thousands of peers; answers read as sent (bounded below).
                trust_env=False,
                cookie_jar=aiohttp.DummyCookieJar(),
                auto_decompress=False,
                raise_for_status=False,
            )
        return session

    async def _post(
        self, url: yarl.URL, inbox_url: str, body: bytes, signer: Signer
    ) -> DeliveryResult:
        wire_url = str(url)
        # What the signer sees is what is sent: these headers, then the signer's own (Host,
        # Date, Digest, Signature) replacing any of the same name, all sent unchanged.
        headers: CIMultiDict[str] = CIMultiDict(
            {
                "host": url.host_port_subcomponent or "",
                "accept": "*/*",
                "accept-encoding": "identity",
                "user-agent": self._user_agent,
                "content-type": ACTIVITY_JSON,
                "content-length": str(len(body)),
            }
        )
        signed = signer(
            "POST", wire_url, {name.lower(): value for name, value in headers.items()}, body
        )
        for name, value in signed.items():
            headers[name] = value

        deadline = asyncio.timeout(self._deadline)
        try:
            async with deadline:
                response = await self._open_session().post(
                    url, data=body, headers=headers, allow_redirects=False
                )
                complete = False
                try:
                    answer, complete = await _read_some(response)
                finally:
                    if complete:
                        response.release()  # keep the connection for the next delivery
                    else:
                        response.close()
        except RequestRefusedError as exc:
            return DeliveryResult(inbox_url, status=None, error=str(exc), refused=True, knocks=0)
        except aiohttp.ConnectionTimeoutError:
            return DeliveryResult(
                inbox_url, status=None, error=f"could not connect to {inbox_url} in time"
            )
        except aiohttp.ServerTimeoutError:
            return DeliveryResult(
                inbox_url, status=None, error=f"{inbox_url} did not answer in time"
            )
        except TimeoutError:
            if deadline.expired():
                message = f"no complete answer from {inbox_url} within {self._deadline:g} s"
            else:
                message = f"delivery to {inbox_url} timed out"
            return DeliveryResult(inbox_url, status=None, error=message)
        except (aiohttp.ClientError, aiohttp.http.HttpProcessingError, OSError) as exc:
            detail = str(exc) or type(exc).__name__
            return DeliveryResult(
                inbox_url, status=None, error=f"delivery to {inbox_url} failed: {detail}"
            )

        status = response.status
        retry_after_header = response.headers.get("Retry-After")
        retry_after = (
            parse_retry_after(retry_after_header, now=time.time())
            if retry_after_header is not None
            else None
        )
        error = None
        if not 200 <= status < 300:
            excerpt = answer[:_ERROR_BODY_EXCERPT_BYTES].decode("utf-8", "replace").strip()
            error = f"{inbox_url} answered HTTP {status}" + (f": {excerpt}" if excerpt else "")
        return DeliveryResult(inbox_url, status=status, retry_after=retry_after, error=error)

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


def _after_second_knock(
    refused: DeliveryResult, again: DeliveryResult, scheme: SignatureScheme
) -> DeliveryResult:
    """The second knock's result, saying what the first one got when it failed too."""
    if again.error is not None:
        first = refused.scheme or "the first signature"
        error = f"{again.error} (signed {scheme}, after HTTP {refused.status} to {first})"
    else:
        error = None
    return dataclasses.replace(again, scheme=scheme, knocks=2, error=error)


async def _read_some(response: aiohttp.ClientResponse) -> tuple[bytes, bool]:
    """Up to _MAX_RESPONSE_BYTES of the answer, and whether that was all of it (then the
    connection can be reused; otherwise it is dropped rather than drained)."""
    chunks: list[bytes] = []
    received = 0
    while received < _MAX_RESPONSE_BYTES:
        chunk = await response.content.readany()
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks), response.content.at_eof()
