"""draft-cavage HTTP signatures: the `Signature` header every fediverse server sends.

Signing, exactly as Mastodon does (so that every peer that verifies Mastodon verifies us):

```
POST https://b.example/inbox, body
  Host: b.example
  Date: Wed, 20 Dec 2023 10:00:00 GMT
  Digest: SHA-256=<base64 sha256(body)>
  signing string:  (request-target): post /inbox\nhost: b.example\ndate: ...\ndigest: SHA-256=...
  Signature: keyId="https://a.example/u/ann#main-key",algorithm="rsa-sha256",
             headers="(request-target) host date digest",signature="<base64 RSA-SHA256>"
```

A GET is the same without body and `digest`. We never add `(created)`/`(expires)`: Mastodon
refuses them with rsa-sha256 and Pleroma cannot build them.

Verifying, in two steps so the caller can find the key in between:

```
parse_cavage(method, target, headers)       no key, no body, no clock
  Signature (or Authorization: Signature) -> keyId, algorithm, headers, signature
  -> refuse unsupported algorithms and signatures that cover too little: (request-target),
     host, date or (created), and digest on a POST; with our authority, a Host not ours
  -> build the signing string now, once with the query string and once without
verify_cavage(parsed, key, body, now)
  -> clock window on Date and/or (created), (expires)
  -> Digest against the body
  -> RSA PKCS#1 v1.5 SHA-256 on the signing string (with query, then without)
```
"""

from __future__ import annotations

import base64
import functools
import re
from dataclasses import dataclass
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

from federation.digest import digest_header, verify_digest
from federation.signature_core import (
    HeaderMapping,
    ReceivedSignature,
    SignatureError,
    check_authority,
    check_body_digest,
    check_time_window,
    encode_signed_text,
    header_value,
    http_date,
    parse_http_date,
    sign_rsa_sha256,
    split_url,
    verify_with_key,
)

SIGNING_ALGORITHM = "rsa-sha256"
# hs2019 means "the algorithm follows from the key"; for an RSA key that is RSA-SHA256.
ACCEPTED_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
REQUEST_TARGET = "(request-target)"

# One `name="value"` (or bare `name=value`, as `created=1402170695`) and its separator.
_PARAMETER = re.compile(
    r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"]*)"|([^",]*?))[ \t]*(?:,|$)'
)
_TIMESTAMP = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,9})?")


@dataclass(frozen=True, slots=True)
class CavageSignature(ReceivedSignature):
    """A parsed draft-cavage signature, ready to verify once the key for `key_id` is known."""

    algorithm: str
    covered: tuple[str, ...]
    # The signing string with the query in (request-target) first, then without it
    # (older Mastodon versions left the query out).
    signing_strings: tuple[bytes, ...]
    date: float | None  # the Date header as a timestamp, when the signature covers it
    created: float | None  # the created parameter, when (created) is covered
    expires: float | None  # the expires parameter, when (expires) is covered
    digest: str | None  # the Digest header, when the signature covers it

    @property
    def scheme(self) -> Literal["draft-cavage"]:
        return "draft-cavage"


def sign_cavage(
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key: rsa.RSAPrivateKey,
    *,
    now: float,
) -> dict[str, str]:
    """The headers to add to an outgoing request: Host, Date, Digest (with a body), Signature.

    A POST always gets a Digest (of an empty body if `body` is None), as Mastodon requires.
    """
    if '"' in key_id:
        raise ValueError(f"a key id cannot contain a double quote: {key_id!r}")
    parts = split_url(url)
    date = http_date(now)
    headers = {"Host": parts.authority, "Date": date}
    covered = [REQUEST_TARGET, "host", "date"]
    lines = [
        f"{REQUEST_TARGET}: {method.lower()} {parts.target}",
        f"host: {parts.authority}",
        f"date: {date}",
    ]
    if body is None and method.upper() == "POST":
        body = b""
    if body is not None:
        digest = digest_header(body)
        headers["Digest"] = digest
        covered.append("digest")
        lines.append(f"digest: {digest}")
    signature = sign_rsa_sha256(private_key, "\n".join(lines))
    headers["Signature"] = (
        f'keyId="{key_id}",algorithm="{SIGNING_ALGORITHM}",headers="{" ".join(covered)}",'
        f'signature="{base64.b64encode(signature).decode("ascii")}"'
    )
    return headers


def _signature_parameters(value: str) -> dict[str, str]:
    """`keyId="a",algorithm="rsa-sha256",...` as a dict with lower-cased names."""
    params: dict[str, str] = {}
    position = 0
    while position < len(value):
        match = _PARAMETER.match(value, position)
        if match is None or match.end() == position:
            raise SignatureError(
                f'the Signature header is not a list of name="value" pairs: {value[:200]!r}'
            )
        name = match.group(1).lower()
        if name in params:
            raise SignatureError(f"the Signature header repeats the {name!r} parameter")
        quoted, bare = match.group(2), match.group(3)
        params[name] = quoted if quoted is not None else bare
        position = match.end()
    return params


def parse_cavage(
    method: str,
    target: str,
    headers: HeaderMapping,
    signature_header: str,
    *,
    scheme: str = "https",
    authority: str | None = None,
) -> CavageSignature:
    """Parse and pre-check a draft-cavage signature; raise `SignatureError` if it cannot pass.
    With `authority` (this server's host[:port]), the request's Host must name it."""
    method = method.upper()
    params = _signature_parameters(signature_header)
    key_id = params.get("keyid")
    encoded_signature = params.get("signature")
    if not key_id or not encoded_signature:
        raise SignatureError("the Signature header needs both keyId and signature")
    algorithm = params.get("algorithm", "hs2019").lower()
    if algorithm not in ACCEPTED_ALGORITHMS:
        raise SignatureError(
            f"unsupported signature algorithm {algorithm!r}: fedcop accepts rsa-sha256 and hs2019"
        )
    covered_text = params.get("headers") or ("(created)" if algorithm == "hs2019" else "date")
    covered = tuple(covered_text.lower().split())
    _require_enough_coverage(method, covered)
    if authority is not None:
        check_authority(header_value(headers, "host"), authority, scheme)
    try:
        signature = base64.b64decode(encoded_signature, validate=True)
    except ValueError:  # binascii.Error, or non-ASCII characters
        raise SignatureError("the signature value is not valid base64") from None

    date: float | None = None
    created: float | None = None
    expires: float | None = None
    digest: str | None = None
    lines: list[str] = []
    request_target_line: int | None = None
    for name in covered:
        if name == REQUEST_TARGET:
            request_target_line = len(lines)
            lines.append(f"{REQUEST_TARGET}: {method.lower()} {target}")
        elif name == "(created)":
            raw = _pseudo_header_parameter(params, name, algorithm)
            created = _parse_timestamp(raw, name)
            lines.append(f"{name}: {raw}")
        elif name == "(expires)":
            raw = _pseudo_header_parameter(params, name, algorithm)
            expires = _parse_timestamp(raw, name)
            lines.append(f"{name}: {raw}")
        elif name.startswith("("):
            raise SignatureError(f"unknown pseudo-header {name} in the signature's headers list")
        else:
            value = header_value(headers, name)
            if value is None:
                raise SignatureError(
                    f"the signature covers the {name} header, but the request has no {name} header"
                )
            if name == "date":
                date = parse_http_date(value)
            elif name == "digest":
                digest = value
            lines.append(f"{name}: {value}")

    signing_strings = [encode_signed_text("\n".join(lines))]
    path, has_query, _ = target.partition("?")
    if request_target_line is not None and has_query:
        lines[request_target_line] = f"{REQUEST_TARGET}: {method.lower()} {path}"
        signing_strings.append(encode_signed_text("\n".join(lines)))
    return CavageSignature(
        key_id=key_id,
        algorithm=algorithm,
        covered=covered,
        signature=signature,
        signing_strings=tuple(signing_strings),
        date=date,
        created=created,
        expires=expires,
        digest=digest,
    )


def check_cavage_unkeyed(parsed: CavageSignature, body: bytes, *, now: float) -> None:
    """Raise `SignatureError` unless `parsed` is fresh and its Digest matches: no key needed."""
    if parsed.created is not None:
        check_time_window(parsed.created, parsed.expires, now, source="created parameter")
    if parsed.date is not None:
        check_time_window(parsed.date, parsed.expires, now, source="Date header")
    check_body_digest(parsed.digest, body, verify_digest)


def verify_cavage(
    parsed: CavageSignature, public_key: PublicKeyTypes, body: bytes, *, now: float
) -> None:
    """Raise `SignatureError` unless `parsed` is fresh, its Digest matches and the key signed it
    (with the query in (request-target), or without it as older Mastodon versions signed)."""
    unkeyed = functools.partial(check_cavage_unkeyed, parsed, body, now=now)
    verify_with_key(parsed, public_key, unkeyed, parsed.signing_strings)


def _require_enough_coverage(method: str, covered: tuple[str, ...]) -> None:
    """What a signature must cover so it cannot be replayed for another request.

    Stricter than Mastodon, which takes the Digest instead of (request-target) and needs Host
    on GETs only: without (request-target) a POST captured for one inbox verifies at another
    path, and without Host at another server. Every server fedcop knows of signs
    `(request-target) host date` and `digest` with a body (see FEDERATION.md).
    """
    if REQUEST_TARGET not in covered:
        raise SignatureError(
            "the signature must cover (request-target): without it, a request signed for one "
            "inbox could be replayed to another"
        )
    if "host" not in covered:
        raise SignatureError(
            "the signature must cover the Host header: without it, a request signed for one "
            "server could be replayed to another"
        )
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("the signature must cover the Date header or (created)")
    if method == "POST" and "digest" not in covered:
        raise SignatureError("a signed POST must cover the Digest header")


def _pseudo_header_parameter(params: dict[str, str], name: str, algorithm: str) -> str:
    if algorithm != "hs2019":
        raise SignatureError(f"the pseudo-header {name} is only valid with algorithm hs2019")
    raw = params.get(name.strip("()"))
    if not raw:
        raise SignatureError(f"the signature covers {name} but has no {name.strip('()')} parameter")
    return raw


def _parse_timestamp(raw: str, name: str) -> float:
    # The draft allows a decimal `expires`; `created` is an integer in practice, and a float
    # holds either exactly for any realistic date.
    if _TIMESTAMP.fullmatch(raw) is None:
        raise SignatureError(f"the {name} value {raw!r} is not a Unix timestamp")
    return float(raw)
