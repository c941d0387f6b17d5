"""Signed GET of ActivityPub documents, and plain JSON GET for WebFinger and NodeInfo.

```
fetch_json(url, signer=...)
  │
  ├─ hop 0..3 ─────────────────────────────────────────────────────────────────────┐
  │   scheme: https (http only with allow_http)     ──> SchemeNotAllowedError       │
  │   sign the GET for THIS hop's URL, send it                                      │
  │     connect through the SSRF guard (netguard)   ──> BlockedAddressError         │
  │   301/302/303/307/308 + Location ─> next hop ───────────────────────────────────┘
  │   a 4th redirect                                ──> TooManyRedirectsError
  │   status not 2xx                                ──> StatusError (404 NotFound, 410 Gone)
  │   Content-Type not JSON                         ──> ContentTypeError
  │   body streamed, stopped past 1 MiB             ──> ResponseTooLargeError
  │   orjson: a JSON object?                        ──> InvalidJSONError
  └─ document["id"] == final URL (string equality)  ──> IdMismatchError     (fetch_json only)
```

Timeouts: 5 s to connect, 10 s between bytes, and one deadline (30 s) over all hops together,
so a server trickling one byte every 9 s cannot hold a worker for long. Every failure is a
`FetchError` (see fetch_errors.py); httpx exceptions never reach the caller.

The id check is what makes a fetched document trustworthy: a server can only serve documents
whose id lies on its own URLs, so a redirect to another host cannot forge someone else's object.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

from federation.double_knock import KNOCK_AGAIN_STATUS
from federation.fetch_errors import (
    ConnectionFailedError,
    ContentTypeError,
    FetchError,
    FetchTimeoutError,
    IdMismatchError,
    InvalidJSONError,
    InvalidResponseError,
    InvalidURLError,
    ResponseTooLargeError,
    SchemeNotAllowedError,
    TooManyRedirectsError,
    status_error,
)
from federation.host_clients import HostClients

# (method, url, headers with lower-case names, body) -> headers to add (Date, Digest, Signature).
# Supplied by the caller, so this module does not depend on how keys are kept or which
# signature scheme is used.
Signer = Callable[[str, str, dict[str, str], bytes | None], dict[str, str]]

ACTIVITY_JSON_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
JRD_ACCEPT = "application/jrd+json, application/json"

# What an ActivityPub document may be served as. Plain application/json is tolerated because
# some servers use it; the id check, not the media type, is what protects us.
_ACTIVITY_MEDIA_TYPES = frozenset(
    {"application/activity+json", "application/ld+json", "application/json"}
)
_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class FetchLimits:
    """How long and how much a fetch may take (Mastodon uses the same figures)."""

    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    deadline: float = 30.0
    max_body_bytes: int = 1024 * 1024
    max_redirects: int = 3


DEFAULT_FETCH_LIMITS = FetchLimits()


async def fetch_json(
    url: str,
    *,
    signer: Signer | None,
    user_agent: str,
    allow_private_addresses: bool = False,
    allow_http: bool = False,
    limits: FetchLimits = DEFAULT_FETCH_LIMITS,
    clients: HostClients | None = None,
    second_signer: Signer | None = None,
) -> dict[str, Any]:
    """GET an ActivityPub document (signed when `signer` is given) and check it is served at its id.

    `clients` reuses keep-alive connections across fetches; without it a temporary set is opened
    and closed for this one call. `second_signer` (another signature scheme) signs the GET
    again when the server answers the first signature with 401: a second knock.
    """
    final_url, document = await _get_json_object(
        url,
        accept=ACTIVITY_JSON_ACCEPT,
        media_type_ok=_ACTIVITY_MEDIA_TYPES.__contains__,
        signer=signer,
        user_agent=user_agent,
        allow_private_addresses=allow_private_addresses,
        allow_http=allow_http,
        limits=limits,
        clients=clients,
        second_signer=second_signer,
    )
    document_id = document.get("id")
    if document_id != final_url:
        claimed = "no id" if document_id is None else f"the id {document_id!r}"
        raise IdMismatchError(
            f"the document fetched from {final_url} has {claimed}; a document is only trusted "
            "when it is served at its own id",
            url=final_url,
            claimed_id=document_id if isinstance(document_id, str) else None,
        )
    return document


async def fetch_jrd(
    url: str,
    *,
    user_agent: str,
    signer: Signer | None = None,
    allow_private_addresses: bool = False,
    allow_http: bool = False,
    accept: str = JRD_ACCEPT,
    limits: FetchLimits = DEFAULT_FETCH_LIMITS,
    clients: HostClients | None = None,
) -> dict[str, Any]:
    """GET a plain JSON object (WebFinger JRD, NodeInfo): same limits, no id check."""
    _final_url, document = await _get_json_object(
        url,
        accept=accept,
        media_type_ok=_is_json_media_type,
        signer=signer,
        user_agent=user_agent,
        allow_private_addresses=allow_private_addresses,
        allow_http=allow_http,
        limits=limits,
        clients=clients,
    )
    return document


def sign_request(request: httpx.Request, signer: Signer) -> None:
    """Add the signer's headers, computed over exactly the headers and body about to be sent."""
    body = request.content if request.method not in ("GET", "HEAD") else None
    request.headers.update(signer(request.method, str(request.url), dict(request.headers), body))


def checked_url(url: str, *, allow_http: bool) -> httpx.URL:
    """Parse `url`, refusing anything but https (and http when this node itself runs on http)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidURLError(f"{url!r} is not a valid URL: {exc}", url=url) from None
    if parsed.scheme == "http" and not allow_http:
        raise SchemeNotAllowedError(
            f"refused to contact {url}: plain http is only used when this node itself runs on "
            "http; use an https URL",
            url=url,
        )
    if parsed.scheme not in ("https", "http"):
        supported = "http and https" if allow_http else "https"
        raise InvalidURLError(
            f"refused to contact {url!r}: only {supported} URLs are supported", url=url
        )
    if not parsed.host:
        raise InvalidURLError(f"refused to contact {url!r}: the URL has no host", url=url)
    return parsed


async def _get_json_object(
    url: str,
    *,
    accept: str,
    media_type_ok: Callable[[str], bool],
    signer: Signer | None,
    user_agent: str,
    allow_private_addresses: bool,
    allow_http: bool,
    limits: FetchLimits,
    clients: HostClients | None,
    second_signer: Signer | None = None,
) -> tuple[str, dict[str, Any]]:
    if clients is None:
        async with HostClients(
            allow_private_addresses=allow_private_addresses, max_connections_per_host=1
        ) as own_clients:
            return await _get_json_object(
                url,
                accept=accept,
                media_type_ok=media_type_ok,
                signer=signer,
                user_agent=user_agent,
                allow_private_addresses=allow_private_addresses,
                allow_http=allow_http,
                limits=limits,
                clients=own_clients,
                second_signer=second_signer,
            )
    if clients.allow_private_addresses != allow_private_addresses:
        raise ValueError(
            "allow_private_addresses differs from the HostClients passed in; the clients' "
            "transport enforces the address policy, so both must agree"
        )
    try:
        async with asyncio.timeout(limits.deadline):
            final_url, body = await _follow_redirects(
                url,
                accept=accept,
                media_type_ok=media_type_ok,
                signer=signer,
                user_agent=user_agent,
                allow_http=allow_http,
                limits=limits,
                clients=clients,
                second_signer=second_signer,
            )
    except TimeoutError:
        raise FetchTimeoutError(
            f"gave up fetching {url}: no complete answer within {limits.deadline:g} s", url=url
        ) from None
    return final_url, _parse_object(body, final_url)


async def _follow_redirects(
    url: str,
    *,
    accept: str,
    media_type_ok: Callable[[str], bool],
    signer: Signer | None,
    user_agent: str,
    allow_http: bool,
    limits: FetchLimits,
    clients: HostClients,
    second_signer: Signer | None = None,
) -> tuple[str, bytes]:
    """GET `url`, following redirects one checked hop at a time; returns (final URL, body)."""
    timeout = httpx.Timeout(limits.read_timeout, connect=limits.connect_timeout)
    headers = {"Accept": accept, "User-Agent": user_agent, "Accept-Encoding": "identity"}
    current = url
    for _hop in range(limits.max_redirects + 1):
        target = checked_url(current, allow_http=allow_http)
        async with clients.lease(target) as client:
            request = client.build_request("GET", target, headers=headers, timeout=timeout)
            if signer is not None:
                sign_request(request, signer)
            with as_fetch_errors(current):
                response = await client.send(request, stream=True)
            if response.status_code == KNOCK_AGAIN_STATUS and second_signer is not None:
                with as_fetch_errors(current):
                    await response.aclose()
                request = client.build_request("GET", target, headers=headers, timeout=timeout)
                sign_request(request, second_signer)
                with as_fetch_errors(current):
                    response = await client.send(request, stream=True)
            try:
                status = response.status_code
                if status in _REDIRECT_STATUSES:
                    current = redirect_target(target, response, current)
                    continue
                if not 200 <= status < 300:
                    raise status_error(current, status, response.reason_phrase)
                media_type = _media_type(response.headers.get("content-type", ""))
                if not media_type_ok(media_type):
                    served_as = f"Content-Type {media_type!r}" if media_type else "no Content-Type"
                    raise ContentTypeError(
                        f"{current} answered with {served_as}, not JSON (asked for {accept})",
                        url=current,
                    )
                with as_fetch_errors(current):
                    body = await _read_capped(response, limits.max_body_bytes, current)
                return current, body
            finally:
                with as_fetch_errors(current):
                    await response.aclose()
    raise TooManyRedirectsError(
        f"gave up fetching {url}: more than {limits.max_redirects} redirects (the last one "
        f"pointed to {current})",
        url=url,
    )


def redirect_target(target: httpx.URL, response: httpx.Response, current: str) -> str:
    location = response.headers.get("location")
    if not location:
        raise InvalidResponseError(
            f"{current} answered HTTP {response.status_code} without a Location header",
            url=current,
        )
    try:
        return str(target.join(location))
    except httpx.InvalidURL:
        raise InvalidURLError(
            f"{current} redirected to {location!r}, which is not a valid URL", url=current
        ) from None


async def capped_chunks(
    response: httpx.Response, max_bytes: int, url: str, what: str = "documents"
) -> AsyncIterator[bytes]:
    """The body's chunks, refused before the first when Content-Length announces more than
    `max_bytes`, and as soon as they grow past it (whatever Content-Length said)."""
    declared = response.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLargeError(
            f"{url} announced a {declared}-byte body; {what} are limited to {max_bytes} bytes",
            url=url,
        )
    received = 0
    async for chunk in response.aiter_bytes():
        received += len(chunk)
        if received > max_bytes:
            raise ResponseTooLargeError(
                f"{url} sent more than {max_bytes} bytes; stopped reading", url=url
            )
        yield chunk


async def _read_capped(response: httpx.Response, max_bytes: int, url: str) -> bytes:
    """The body, refused as soon as it grows past `max_bytes` (whatever Content-Length says)."""
    return b"".join([chunk async for chunk in capped_chunks(response, max_bytes, url)])


def _parse_object(body: bytes, url: str) -> dict[str, Any]:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidJSONError(f"{url} did not return valid JSON: {exc}", url=url) from None
    if not isinstance(value, dict):
        raise InvalidJSONError(
            f"{url} returned a JSON {type(value).__name__}, not a JSON object", url=url
        )
    return value


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json_media_type(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


@contextmanager
def as_fetch_errors(url: str) -> Iterator[None]:
    """Turn httpx's exceptions into FetchErrors that name the URL and the failing phase."""
    try:
        yield
    except FetchError as exc:
        # Raised inside the transport (the SSRF guard), which does not know the URL.
        if exc.url is None:
            exc.url = url
        raise
    except httpx.TimeoutException as exc:
        raise FetchTimeoutError(
            f"fetching {url} timed out: {_timeout_phase(exc)}", url=url
        ) from exc
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        raise InvalidURLError(f"refused to contact {url!r}: {exc}", url=url) from exc
    except httpx.HTTPError as exc:
        detail = str(exc) or type(exc).__name__
        raise ConnectionFailedError(f"fetching {url} failed: {detail}", url=url) from exc


def _timeout_phase(exc: httpx.TimeoutException) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return "could not connect in time"
    if isinstance(exc, httpx.ReadTimeout):
        return "the server stopped sending"
    if isinstance(exc, httpx.WriteTimeout):
        return "the server stopped accepting the request"
    return "waited too long for a free connection"
