"""Everything that can go wrong when fedcop asks another server for something.

Signed fetches, WebFinger lookups and the SSRF guard all raise subclasses of one base, so a caller
writes `except FetchError` and never sees an httpx or socket exception. Each message is a sentence
a log reader understands without the traceback.

```
FetchError                       .url: the URL being fetched, when known
 ├─ RequestRefusedError          fedcop refused to send the request (policy, not the network)
 │   ├─ InvalidURLError              not an absolute http(s) URL with a host
 │   ├─ SchemeNotAllowedError        http:// while this node only speaks https
 │   ├─ BlockedAddressError          the host resolves to a private/loopback/... address
 │   └─ TooManyRedirectsError        more redirects than allowed
 ├─ TransportError               the network failed: worth retrying later
 │   ├─ FetchTimeoutError            connect/read timeout or the overall deadline
 │   └─ ConnectionFailedError        DNS, refused connection, TLS, broken stream, bad HTTP
 ├─ StatusError                  the server answered with a non-2xx status (.status kept)
 │   ├─ NotFoundError                404
 │   └─ GoneError                    410: the resource was deleted (e.g. a deleted actor)
 └─ InvalidResponseError         the server answered 2xx, but not with what we asked for
     ├─ ResponseTooLargeError        body over the size cap
     ├─ ContentTypeError             not a JSON media type
     ├─ InvalidJSONError             not parseable, or not a JSON object
     ├─ IdMismatchError              document `id` differs from the URL it was fetched from
     └─ NoActorLinkError             a WebFinger answer names no ActivityPub actor
```
"""

from __future__ import annotations


class FetchError(Exception):
    """A request to another server failed; the message says why in one sentence."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class RequestRefusedError(FetchError):
    """fedcop refused to send (or to keep following) a request: retrying will not help."""


class InvalidURLError(RequestRefusedError):
    pass


class SchemeNotAllowedError(RequestRefusedError):
    pass


class BlockedAddressError(RequestRefusedError):
    """The destination resolves to an address outbound requests must not reach (SSRF guard)."""

    def __init__(self, message: str, *, host: str, address: str, reason: str) -> None:
        super().__init__(message)
        self.host = host
        self.address = address
        self.reason = reason


class TooManyRedirectsError(RequestRefusedError):
    pass


class TransportError(FetchError):
    """The network failed before a complete answer arrived; the resource may work later."""


class FetchTimeoutError(TransportError):
    pass


class ConnectionFailedError(TransportError):
    pass


class StatusError(FetchError):
    """The server answered with a status other than 2xx (redirects are followed first)."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class NotFoundError(StatusError):
    pass


class GoneError(StatusError):
    """410 Gone: the server says the resource existed and was deleted."""


class InvalidResponseError(FetchError):
    """A 2xx answer that is not the document we asked for."""


class ResponseTooLargeError(InvalidResponseError):
    pass


class ContentTypeError(InvalidResponseError):
    pass


class InvalidJSONError(InvalidResponseError):
    pass


class IdMismatchError(InvalidResponseError):
    """`claimed_id`: the id the document gave itself (None when it had none or not a string)."""

    def __init__(self, message: str, *, url: str | None = None, claimed_id: str | None = None):
        super().__init__(message, url=url)
        self.claimed_id = claimed_id


class NoActorLinkError(InvalidResponseError):
    pass


def status_error(url: str, status: int, reason: str = "") -> StatusError:
    """The StatusError subclass for `status`, so callers can tell 410 Gone from 404."""
    detail = f" {reason}" if reason else ""
    message = f"{url} answered HTTP {status}{detail}"
    if status == 404:
        return NotFoundError(f"{message}: the resource does not exist", url=url, status=status)
    if status == 410:
        return GoneError(f"{message}: the resource was deleted", url=url, status=status)
    return StatusError(message, url=url, status=status)
