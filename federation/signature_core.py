"""What both HTTP signature schemes share: the error, the clock window, header and URL parts.

`signatures_cavage` (draft-cavage, what Mastodon and nearly everyone sends) and
`signatures_rfc9421` (HTTP Message Signatures) differ in syntax, not in policy. The policy
lives here so that it is the same for both:

- one exception, `SignatureError`, for every reason to refuse a request (the inbox answers 401);
- one clock window, Mastodon's: a signature is fresh for 5 minutes after it was made, and we
  allow 1 hour of clock skew either way, so a request dated up to 65 minutes ago or up to
  60 minutes ahead is accepted;
- one way to read a header from the request and to split an outgoing URL;
- one cryptographic step, RSASSA-PKCS1-v1_5 with SHA-256, to sign and to verify, with the
  same `SignatureMismatch` when the key did not make the signature, and never with a key
  `federation.keys` refuses (too small, too large, not RSA).
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from federation.digest import DigestError
from federation.keys import KeyRefused, accepted_public_key

# How long a signature stays valid after it was made when it carries no `expires` (Mastodon).
SIGNATURE_LIFETIME_SECONDS = 5 * 60
# How far apart two servers' clocks may be (Mastodon's CLOCK_SKEW_MARGIN).
CLOCK_SKEW_SECONDS = 60 * 60
# The resulting window: oldest and most-future creation time we accept, relative to now.
MAX_SIGNATURE_AGE_SECONDS = SIGNATURE_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS
MAX_SIGNATURE_FUTURE_SECONDS = CLOCK_SKEW_SECONDS

DEFAULT_PORTS = {"http": 80, "https": 443}

# A request's headers, looked up by lower-case name: a case-insensitive mapping such as
# Starlette's `Headers`, or a plain dict keyed by lower-case names. If the mapping has a
# `getlist` method (Starlette, multidict) repeated headers are joined with ", ".
HeaderMapping = Mapping[str, str]


class SignatureError(Exception):
    """A request whose HTTP signature is missing, malformed, unsupported or wrong.

    The message says what was wrong in a sentence fit for a log line or a 401 body.
    """


class SignatureMismatch(SignatureError):
    """Everything checked out except the signature itself: the key did not make it.

    The one failure a refetched key can cure, when the sender has rotated its key.
    """


def header_value(headers: HeaderMapping, name: str) -> str | None:
    """The value of header `name` (lower-case), trimmed; repeated lines joined with ", "."""
    getlist: Callable[[str], list[str]] | None = getattr(headers, "getlist", None)
    if getlist is None:
        value = headers.get(name)
        return None if value is None else value.strip()
    values = getlist(name)
    if not values:
        return None
    if len(values) == 1:
        return values[0].strip()
    return ", ".join(value.strip() for value in values)


def encode_signed_text(text: str) -> bytes:
    """The bytes a signature covers. Header strings are Latin-1 decodings of the wire bytes
    (ASGI, HTTP/1.1), so encoding back to Latin-1 restores exactly what was sent."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        raise SignatureError(
            "a signed header value contains characters that cannot be sent in an HTTP header"
        ) from None


@dataclass(frozen=True, slots=True)
class ReceivedSignature:
    """What a parsed signature carries whichever scheme it came in: the id of the key that is
    said to have made it, which the caller looks up, and the signature bytes to verify."""

    key_id: str
    signature: bytes


def require_rsa_key(public_key: PublicKeyTypes, key_id: str) -> rsa.RSAPublicKey:
    """The key, if it is one fedcop verifies with (`federation.keys`: RSA, 1024 to 8192 bits).
    Keys are judged where they are loaded; this is the same rule again, before a verify, for
    callers that built a key some other way."""
    try:
        return accepted_public_key(public_key)
    except KeyRefused as refused:
        raise SignatureError(f"the key {key_id} is refused: {refused}") from None


def sign_rsa_sha256(private_key: rsa.RSAPrivateKey, text: str) -> bytes:
    """The signature of `text` (as the bytes sent on the wire) with RSASSA-PKCS1-v1_5 SHA-256."""
    return private_key.sign(encode_signed_text(text), padding.PKCS1v15(), hashes.SHA256())


def verify_with_key(
    parsed: ReceivedSignature,
    public_key: PublicKeyTypes,
    check_unkeyed: Callable[[], None],
    signed: Iterable[bytes],
) -> None:
    """The last step of verifying either scheme. In this order: the key must be RSA (the one
    kind we verify), the request must pass `check_unkeyed` (clock window and body digest),
    and the key must have made `parsed.signature` over one of the `signed` texts, tried in order.

    Only the last failure is a `SignatureMismatch`, the one a refetched key can cure.
    """
    key = require_rsa_key(public_key, parsed.key_id)
    check_unkeyed()
    for data in signed:
        try:
            key.verify(parsed.signature, data, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            continue
        return
    raise SignatureMismatch(
        f"the signature does not verify with the key {parsed.key_id}: the request was changed "
        "on the way, or was signed with another key (if the sender rotated its key, refetch it)"
    )


def check_body_digest(
    header: str | None, body: bytes, verify: Callable[[str, bytes], None]
) -> None:
    """Check `body` against the signed digest `header` with `verify` (`Digest` or
    `Content-Digest`, whichever the scheme signs), when the signature covers one; a mismatch
    or malformed header is a `SignatureError` like any other reason to refuse the request."""
    if header is None:
        return
    try:
        verify(header, body)
    except DigestError as error:
        raise SignatureError(str(error)) from None


def timestamp_of(now: datetime | None) -> float:
    return time.time() if now is None else now.timestamp()


def check_time_window(created: float, expires: float | None, now: float, *, source: str) -> None:
    """Refuse a signature made too long ago, too far in the future, or past its `expires`.

    `source` names where `created` came from ("Date header", "created parameter") for the message.
    """
    if created > now + MAX_SIGNATURE_FUTURE_SECONDS:
        raise SignatureError(
            f"the signature's {source} is {round(created - now)} seconds in the future; fedcop "
            f"accepts at most {MAX_SIGNATURE_FUTURE_SECONDS} seconds of clock difference: "
            "the sending server's clock is wrong (is NTP running?)"
        )
    if now - created > MAX_SIGNATURE_AGE_SECONDS:
        raise SignatureError(
            f"the signature's {source} is {round(now - created)} seconds old; fedcop accepts "
            f"signatures up to {MAX_SIGNATURE_AGE_SECONDS} seconds old (a replay, a queued "
            "retry that was not re-signed, or a wrong clock on the sending server)"
        )
    if expires is not None and now > expires + CLOCK_SKEW_SECONDS:
        raise SignatureError(
            f"the signature expired {round(now - expires)} seconds ago (its expires parameter)"
        )


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_IMF_FIXDATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z][a-z]) (\d{4}) (\d\d):(\d\d):(\d\d) GMT"
)


def parse_http_date(value: str) -> float:
    """A `Date` header as a Unix timestamp. IMF-fixdate (what everyone sends) takes a fast path;
    the obsolete RFC 850 and asctime forms go through the standard library."""
    match = _IMF_FIXDATE.fullmatch(value)
    if match is not None and match.group(2) in _MONTHS:
        day, month, year, hour, minute, second = match.groups()
        try:
            return datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second), tzinfo=UTC
            ).timestamp()
        except ValueError:
            pass  # "31 Feb", "25:00:00": the slow path refuses them with the usual message
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return parsed.timestamp()
    except (TypeError, ValueError, OverflowError, IndexError):
        raise SignatureError(
            f"the Date header {value!r} is not an HTTP date (expected e.g. "
            "'Wed, 20 Dec 2023 10:00:00 GMT')"
        ) from None


def http_date(timestamp: float) -> str:
    """IMF-fixdate in GMT, the Date format every server parses: 'Wed, 20 Dec 2023 10:00:00 GMT'."""
    return email.utils.formatdate(timestamp, usegmt=True)


def normalised_authority(authority: str, scheme: str) -> str:
    """`host[:port]` lower-cased, without the scheme's default port (RFC 9421 section 2.2.3)."""
    authority = authority.strip().lower()
    default_port = DEFAULT_PORTS.get(scheme.lower())
    if default_port is not None and authority.endswith(f":{default_port}"):
        authority = authority.rpartition(":")[0]
    return authority


def check_authority(received: str | None, expected: str, scheme: str) -> None:
    """Refuse a request whose Host (which every signature fedcop accepts covers) is not this
    server's: a request signed for another server, replayed here, carries that server's name."""
    if received is None or not received.strip():
        raise SignatureError("the request has no Host header, which its signature must cover")
    if normalised_authority(received, scheme) != normalised_authority(expected, scheme):
        raise SignatureError(
            f"the request was signed for {received[:200]!r}, not for this server ({expected}): "
            "a request signed for one server is not accepted by another"
        )


@dataclass(frozen=True, slots=True)
class RequestUrl:
    """An outgoing request's URL, split the way both signature schemes need it."""

    scheme: str
    authority: str  # host[:port], exactly what we send as the Host header
    target: str  # path?query, what the request line carries

    @property
    def target_uri(self) -> str:
        return f"{self.scheme}://{self.authority}{self.target}"


def split_url(url: str) -> RequestUrl:
    """Split an absolute http(s) URL; the port is kept only when it is not the default."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in DEFAULT_PORTS or not host:
        raise ValueError(f"cannot sign a request to {url!r}: expected an absolute http(s) URL")
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    elif not host.isascii():
        host = host.encode("idna").decode("ascii")
    port = parts.port
    authority = host if port is None or port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return RequestUrl(scheme=scheme, authority=authority, target=target)
