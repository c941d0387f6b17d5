"""Unsigned GET of a file (a picture for the media proxy), written to a sink as it arrives.

```
fetch_file(url, sink, max_bytes=...)
  ├─ hop 0..3: scheme https (http only with allow_http)    ──> SchemeNotAllowedError
  │   connect through the SSRF guard (netguard), every hop  ──> BlockedAddressError
  │   301/302/303/307/308 + Location ─> next hop
  │   a 4th redirect                                        ──> TooManyRedirectsError
  │   status not 2xx                                        ──> StatusError
  │   Content-Length over max_bytes, or more bytes sent     ──> ResponseTooLargeError
  └─ one deadline over every hop and the whole body         ──> FetchTimeoutError
```

Files are fetched unsigned, as Mastodon fetches media: a signature would tell the file's host
which server asks, and media servers do not ask for one. What the bytes are is not this
module's business: the caller checks them (the proxy sniffs them), never trusting the
Content-Type the server sends.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import httpx

from federation.fetch import (
    DEFAULT_FETCH_LIMITS,
    FetchLimits,
    as_fetch_errors,
    capped_chunks,
    checked_url,
    redirect_target,
)
from federation.fetch_errors import (
    FetchTimeoutError,
    TooManyRedirectsError,
    status_error,
)
from federation.host_clients import HostClients

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "image/avif, image/webp, image/png, image/jpeg, image/gif, */*;q=0.5"


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class FetchedFile:
    final_url: str
    content_type: str  # as the server said; informative only
    size: int


async def fetch_file(
    url: str,
    sink: Sink,
    *,
    user_agent: str,
    clients: HostClients,
    max_bytes: int,
    allow_http: bool = False,
    limits: FetchLimits = DEFAULT_FETCH_LIMITS,
) -> FetchedFile:
    """GET `url` (following checked redirects), writing at most `max_bytes` to `sink`.
    Raises federation.fetch_errors.FetchError; httpx exceptions never reach the caller."""
    try:
        async with asyncio.timeout(limits.deadline):
            return await _follow(url, sink, user_agent, clients, max_bytes, allow_http, limits)
    except TimeoutError:
        raise FetchTimeoutError(
            f"gave up fetching {url}: no complete answer within {limits.deadline:g} s", url=url
        ) from None


async def _follow(
    url: str,
    sink: Sink,
    user_agent: str,
    clients: HostClients,
    max_bytes: int,
    allow_http: bool,
    limits: FetchLimits,
) -> FetchedFile:
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    headers = {"Accept": _ACCEPT, "User-Agent": user_agent, "Accept-Encoding": "identity"}
    current = url
    for _hop in range(limits.max_redirects + 1):
        target = checked_url(current, allow_http=allow_http)
        async with clients.lease(target) as client:
            request = client.build_request("GET", target, headers=headers, timeout=timeout)
            with as_fetch_errors(current):
                response = await client.send(request, stream=True)
            try:
                if response.status_code in _REDIRECT_STATUSES:
                    current = redirect_target(target, response, current)
                    continue
                if not 200 <= response.status_code < 300:
                    raise status_error(current, response.status_code, response.reason_phrase)
                with as_fetch_errors(current):
                    size = await _copy_capped(response, sink, max_bytes, current)
                return FetchedFile(current, response.headers.get("content-type", ""), size)
            finally:
                with as_fetch_errors(current):
                    await response.aclose()
    raise TooManyRedirectsError(
        f"gave up fetching {url}: more than {limits.max_redirects} redirects (the last one "
        f"pointed to {current})",
        url=url,
    )


async def _copy_capped(response: httpx.Response, sink: Sink, max_bytes: int, url: str) -> int:
    received = 0
    async for chunk in capped_chunks(response, max_bytes, url, what="files"):
        received += len(chunk)
        sink.write(chunk)
    return received
