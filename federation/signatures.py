"""HTTP signatures for ActivityPub requests: sign what we send, verify what we receive.

Outgoing (delivery, signed fetch), draft-cavage exactly as Mastodon signs:

```
headers = sign_request("POST", "https://b.example/inbox", body, key_id, private_key)
    -> {"Host", "Date", "Digest", "Signature"}: add them to the request as they are
headers = sign_request_rfc9421(...)    # RFC 9421 (double_knock.py says when)
headers = sign_request_as(scheme, ...)  # either, by SignatureScheme name
```

Incoming (inbox POST, authorized GET), either scheme, in two steps:

```
parsed = parse_signature(method, path_with_query, headers)  # scheme, key_id; no key needed
key = key cache or signed fetch of parsed.key_id            # the caller's job
verify_signature(parsed, key, body)                         # clock, digest, signature
    SignatureError from either step -> 401; with a cached key, refetch it once and retry
```

The scheme is RFC 9421 when a `Signature-Input` header is present, otherwise draft-cavage
from the `Signature` header (or `Authorization: Signature ...`). Every way a request can fail
raises `SignatureError` with a sentence saying why; nothing else escapes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from federation.signature_core import (
    CLOCK_SKEW_SECONDS,
    MAX_SIGNATURE_AGE_SECONDS,
    MAX_SIGNATURE_FUTURE_SECONDS,
    SIGNATURE_LIFETIME_SECONDS,
    HeaderMapping,
    SignatureError,
    SignatureMismatch,
    header_value,
    timestamp_of,
)
from federation.signatures_cavage import (
    CavageSignature,
    check_cavage_unkeyed,
    parse_cavage,
    sign_cavage,
    verify_cavage,
)
from federation.signatures_rfc9421 import (
    Rfc9421Signature,
    check_rfc9421_unkeyed,
    parse_rfc9421,
    sign_rfc9421,
    verify_rfc9421,
)

__all__ = [
    "CLOCK_SKEW_SECONDS",
    "MAX_SIGNATURE_AGE_SECONDS",
    "MAX_SIGNATURE_FUTURE_SECONDS",
    "SIGNATURE_LIFETIME_SECONDS",
    "SIGNATURE_SCHEMES",
    "CavageSignature",
    "HeaderMapping",
    "ParsedSignature",
    "Rfc9421Signature",
    "SignatureError",
    "SignatureMismatch",
    "SignatureScheme",
    "check_unkeyed",
    "other_scheme",
    "parse_signature",
    "sign_request",
    "sign_request_as",
    "sign_request_rfc9421",
    "verify_signature",
]

ParsedSignature = CavageSignature | Rfc9421Signature

# The two ways to sign a request, named as `ParsedSignature.scheme` names what was received.
SignatureScheme = Literal["draft-cavage", "rfc9421"]
SIGNATURE_SCHEMES: tuple[SignatureScheme, ...] = ("draft-cavage", "rfc9421")

_AUTHORIZATION_SCHEME = "signature "


def sign_request(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request draft-cavage style; return the headers to add (Host, Date, Digest, Signature).

    Covers `(request-target) host date digest` when there is a body (always for POST) and
    `(request-target) host date` otherwise, with `algorithm="rsa-sha256"`.
    """
    return sign_cavage(method, url, body, key_id, private_key, now=timestamp_of(now))


def sign_request_rfc9421(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """Sign a request RFC 9421 style; return the headers to add
    (Host, Date, Content-Digest, Signature-Input, Signature)."""
    return sign_rfc9421(method, url, body, key_id, private_key, now=timestamp_of(now))


def sign_request_as(
    scheme: SignatureScheme,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    now: datetime | None = None,
) -> dict[str, str]:
    """`sign_request` or `sign_request_rfc9421`, as `scheme` says."""
    if scheme == "rfc9421":
        return sign_request_rfc9421(method, url, body, key_id, private_key, now=now)
    return sign_request(method, url, body, key_id, private_key, now=now)


def other_scheme(scheme: SignatureScheme) -> SignatureScheme:
    """The scheme a second knock uses after `scheme` was refused."""
    return "draft-cavage" if scheme == "rfc9421" else "rfc9421"


def parse_signature(
    method: str,
    target: str,
    headers: HeaderMapping,
    *,
    scheme: str = "https",
    authority: str | None = None,
) -> ParsedSignature:
    """Read the signature of an incoming request and check everything that needs no key.

    `target` is the path with its query string exactly as received; `headers` is
    case-insensitive (or a dict with lower-case keys); `scheme` is the public scheme of
    our URL (behind a TLS-terminating proxy the request itself arrives over http);
    `authority` is our public host[:port]: a server passes it so that a request whose
    (signed) Host names another server is refused.
    """
    if type(headers) is dict:
        headers = {name.lower(): value for name, value in headers.items()}
    signature_input = header_value(headers, "signature-input")
    if signature_input is not None:
        return parse_rfc9421(
            method, target, headers, signature_input, scheme=scheme, authority=authority
        )
    signature_header = header_value(headers, "signature")
    if signature_header is None:
        authorization = header_value(headers, "authorization") or ""
        if authorization[: len(_AUTHORIZATION_SCHEME)].lower() == _AUTHORIZATION_SCHEME:
            signature_header = authorization[len(_AUTHORIZATION_SCHEME) :]
    if signature_header is None:
        raise SignatureError(
            "the request is not signed: it has no Signature or Signature-Input header"
        )
    return parse_cavage(
        method, target, headers, signature_header, scheme=scheme, authority=authority
    )


def check_unkeyed(parsed: ParsedSignature, body: bytes, *, now: datetime | None = None) -> None:
    """Raise `SignatureError` unless the request is fresh and its body is the one signed.

    Everything `verify_signature` checks before it needs the key: an inbox runs this first, so a
    stale or altered request from a stranger is refused without looking its key up.
    """
    if isinstance(parsed, CavageSignature):
        check_cavage_unkeyed(parsed, body, now=timestamp_of(now))
    else:
        check_rfc9421_unkeyed(parsed, body, now=timestamp_of(now))


def verify_signature(
    parsed: ParsedSignature,
    public_key: PublicKeyTypes,
    body: bytes,
    *,
    now: datetime | None = None,
) -> None:
    """Return if `public_key` signed this request recently and the body is the one signed;
    raise `SignatureError` otherwise."""
    if isinstance(parsed, CavageSignature):
        verify_cavage(parsed, public_key, body, now=timestamp_of(now))
    else:
        verify_rfc9421(parsed, public_key, body, now=timestamp_of(now))
