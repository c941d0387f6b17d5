"""Test helpers for HTTP signatures: keys, a fixed clock, and hand-built signatures.

The hand-built signers below assemble signing strings and signature bases directly from the
specifications, without `federation`'s code, so that a test can craft exactly the (odd,
outdated or hostile) signature a peer might send.
"""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from datetime import UTC, datetime

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.datastructures import Headers

NOW = datetime(2026, 1, 15, 12, 0, 0, tzinfo=UTC)
NOW_HTTP_DATE = "Thu, 15 Jan 2026 12:00:00 GMT"
NOW_TIMESTAMP = int(NOW.timestamp())

ACTOR = "https://alpha.example/u/ann"
KEY_ID = f"{ACTOR}#main-key"
INBOX_URL = "https://beta.example/inbox"
BODY = b'{"type":"Follow","actor":"https://alpha.example/u/ann"}'

# sign_request or sign_request_rfc9421
Signer = Callable[..., dict[str, str]]


@functools.cache
def rsa_key(name: str) -> rsa.RSAPrivateKey:
    """One RSA-2048 key per name for the whole test run: generating one takes ~50 ms."""
    del name  # only the cache key
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def received(headers: dict[str, str]) -> Headers:
    """Headers as the inbox sees them: Starlette's case-insensitive, multi-valued mapping."""
    return Headers(headers={"user-agent": "test", **headers})


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def rsa_sha256(key: rsa.RSAPrivateKey, text: str) -> str:
    return b64(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))


def cavage_header(
    key: rsa.RSAPrivateKey,
    covered: list[tuple[str, str]],
    *,
    key_id: str = KEY_ID,
    algorithm: str | None = "rsa-sha256",
    extra_params: str = "",
) -> str:
    """A draft-cavage Signature header over `covered` (name, value) lines, in that order."""
    signing_string = "\n".join(f"{name}: {value}" for name, value in covered)
    params = [f'keyId="{key_id}"']
    if algorithm is not None:
        params.append(f'algorithm="{algorithm}"')
    params.append(f'headers="{" ".join(name for name, _ in covered)}"')
    params.append(f'signature="{rsa_sha256(key, signing_string)}"')
    return ",".join(params) + extra_params


def rfc9421_headers(
    key: rsa.RSAPrivateKey,
    components: list[tuple[str, str]],
    params: str,
    *,
    label: str = "sig1",
) -> dict[str, str]:
    """Signature-Input and Signature over `components` (name, value), per RFC 9421 section 2.5."""
    inner = "(" + " ".join(f'"{name}"' for name, _ in components) + ")" + params
    base = "\n".join(f'"{name}": {value}' for name, value in components)
    base += f'\n"@signature-params": {inner}'
    return {
        "Signature-Input": f"{label}={inner}",
        "Signature": f"{label}=:{rsa_sha256(key, base)}:",
    }
