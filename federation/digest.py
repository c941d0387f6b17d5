"""Body digests: `Digest` (RFC 3230, what Mastodon sends) and `Content-Digest` (RFC 9530).

```
body bytes --sha256--> 32 bytes --base64--> "X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
  Digest:         SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=
  Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:
```

A signature covers the digest header, never the body itself, so a digest that is not
checked against the exact bytes received lets anyone swap the body under a valid signature.
`verify_digest` and `verify_content_digest` do that check. A header may list several
algorithms (`SHA-256=...,SHA-512=...`); only SHA-256 is required and checked, the one every
fediverse server sends. Algorithm names are matched case-insensitively.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from federation.structured_fields import Item, StructuredFieldError, parse_dictionary

SHA256_LENGTH = 32


class DigestError(ValueError):
    """A digest header that is malformed, lacks SHA-256, or does not match the body."""


def sha256_base64(body: bytes) -> str:
    return base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def digest_header(body: bytes) -> str:
    """The `Digest` header value for a body: `SHA-256=<base64>`."""
    return "SHA-256=" + sha256_base64(body)


def content_digest_header(body: bytes) -> str:
    """The `Content-Digest` header value for a body: `sha-256=:<base64>:`."""
    return "sha-256=:" + sha256_base64(body) + ":"


def verify_digest(header: str, body: bytes) -> None:
    """Check a `Digest` header (RFC 3230) against the body; raise `DigestError` if it fails."""
    offered: list[str] = []
    sha256_value: str | None = None
    for entry in header.split(","):
        algorithm, equals, value = entry.partition("=")
        algorithm = algorithm.strip().lower()
        if not equals or not algorithm:
            raise DigestError(
                f"malformed Digest header {header!r}: expected ALGORITHM=VALUE entries"
            )
        offered.append(algorithm)
        if algorithm == "sha-256":
            if sha256_value is not None:
                raise DigestError("the Digest header lists SHA-256 twice")
            sha256_value = value.strip()
    if sha256_value is None:
        raise DigestError(
            f"the Digest header has no SHA-256 entry (offered: {', '.join(offered)}); "
            "send Digest: SHA-256=<base64 of the body's SHA-256>"
        )
    try:
        claimed = base64.b64decode(sha256_value, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII characters
        raise DigestError(
            f"the Digest SHA-256 value is not valid base64: {sha256_value!r}"
        ) from None
    _compare(claimed, body, header_name="Digest")


def verify_content_digest(header: str, body: bytes) -> None:
    """Check a `Content-Digest` header (RFC 9530) against the body; raise `DigestError` if not."""
    try:
        members = parse_dictionary(header, fold_key_case=True)
    except StructuredFieldError as error:
        raise DigestError(f"malformed Content-Digest header: {error}") from None
    member = members.get("sha-256")
    if member is None:
        raise DigestError(
            f"the Content-Digest header has no sha-256 entry (offered: {', '.join(members)}); "
            "send Content-Digest: sha-256=:<base64 of the body's SHA-256>:"
        )
    if not isinstance(member, Item) or not isinstance(member.value, bytes):
        raise DigestError("the Content-Digest sha-256 entry is not a byte sequence (:base64:)")
    _compare(member.value, body, header_name="Content-Digest")


def _compare(claimed: bytes, body: bytes, *, header_name: str) -> None:
    if len(claimed) != SHA256_LENGTH:
        raise DigestError(
            f"the {header_name} SHA-256 value is {len(claimed)} bytes long, not {SHA256_LENGTH}"
        )
    actual = hashlib.sha256(body).digest()
    if not hmac.compare_digest(claimed, actual):
        raise DigestError(
            f"the {header_name} header does not match the body: the body's SHA-256 is "
            f"{base64.b64encode(actual).decode('ascii')}, the header says "
            f"{base64.b64encode(claimed).decode('ascii')}"
        )
