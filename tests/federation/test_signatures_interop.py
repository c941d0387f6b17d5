"""Cross-checks against independent implementations from PyPI.

- `httpsig` (draft-cavage, the scheme Mastodon uses): what it signs we verify; what we sign it
  verifies.
- `http-message-signatures` (RFC 9421): the same both ways, including its Content-Digest check.

Both libraries use the real clock, so these tests do too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

import http_message_signatures

# Independent implementations, installed by the `test` extra: a missing one fails, never skips.
import httpsig  # type: ignore[import-untyped]
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    MappingKeyResolver,
)
from http_message_signatures.algorithms import RSA_V1_5_SHA256

from federation.digest import content_digest_header, digest_header
from federation.keys import public_pem_of
from federation.signatures import (
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_signature,
)
from tests.federation.signing_helpers import BODY, INBOX_URL, KEY_ID, received, rsa_key


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa_key("ann")


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def http_date_now() -> str:
    return datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


# --- draft-cavage with httpsig ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "covered", "body"),
    [
        ("POST", "/inbox", ["(request-target)", "host", "date", "digest"], BODY),
        ("GET", "/u/bob", ["(request-target)", "host", "date"], None),
        ("GET", "/u/bob/outbox?page=2", ["(request-target)", "host", "date"], None),
    ],
)
def test_httpsig_signed_request_verifies_with_us(
    key: rsa.RSAPrivateKey, method: str, path: str, covered: list[str], body: bytes | None
) -> None:
    # Given a request signed by httpsig, Mastodon style, in the Signature header
    headers = {"Host": "beta.example", "Date": http_date_now()}
    if body is not None:
        headers["Digest"] = digest_header(body)
    signer = httpsig.HeaderSigner(
        KEY_ID, private_pem(key), algorithm="rsa-sha256", headers=covered, sign_header="signature"
    )
    signed = dict(signer.sign(headers, method=method, path=path))

    # When we parse and verify it, then it passes
    parsed = parse_signature(method, path, received(signed))
    assert parsed.key_id == KEY_ID
    verify_signature(parsed, key.public_key(), body or b"")


def test_httpsig_authorization_header_verifies_with_us(key: rsa.RSAPrivateKey) -> None:
    headers = {"Host": "beta.example", "Date": http_date_now()}
    signer = httpsig.HeaderSigner(
        KEY_ID,
        private_pem(key),
        algorithm="rsa-sha256",
        headers=["(request-target)", "host", "date"],
    )
    signed = dict(signer.sign(headers, method="GET", path="/u/bob"))
    assert signed["authorization"].startswith("Signature ")

    verify_signature(parse_signature("GET", "/u/bob", received(signed)), key.public_key(), b"")


@pytest.mark.parametrize(
    ("method", "url", "path", "body"),
    [
        ("POST", INBOX_URL, "/inbox", BODY),
        ("GET", "https://beta.example/u/bob", "/u/bob", None),
        ("GET", "https://beta.example/u/bob/outbox?page=2", "/u/bob/outbox?page=2", None),
    ],
)
def test_our_signed_request_verifies_with_httpsig(
    key: rsa.RSAPrivateKey, method: str, url: str, path: str, body: bytes | None
) -> None:
    # Given a request we signed
    headers = sign_request(method, url, body, KEY_ID, key)
    required = ["(request-target)", "host", "date"] + (["digest"] if body is not None else [])

    # When httpsig verifies it, requiring Mastodon's headers, then it passes
    verifier = httpsig.HeaderVerifier(
        headers,
        public_pem_of(key),
        required_headers=required,
        method=method,
        path=path,
        sign_header="signature",
    )
    assert verifier.verify()


def test_httpsig_refuses_our_signature_for_another_path(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request("POST", INBOX_URL, BODY, KEY_ID, key)

    verifier = httpsig.HeaderVerifier(
        headers, public_pem_of(key), method="POST", path="/other-inbox", sign_header="signature"
    )
    assert not verifier.verify()


# --- RFC 9421 with http-message-signatures ----------------------------------------------------


@dataclass
class Message:
    """The request shape http-message-signatures works on."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)


def key_resolver(key: rsa.RSAPrivateKey) -> MappingKeyResolver:
    return MappingKeyResolver(public_keys={KEY_ID: key.public_key()}, private_keys={KEY_ID: key})


@pytest.mark.parametrize(
    ("method", "url", "path", "body", "components"),
    [
        (
            "POST",
            INBOX_URL,
            "/inbox",
            BODY,
            ("@method", "@target-uri", "@authority", "content-digest"),
        ),
        ("GET", "https://beta.example/u/bob", "/u/bob", None, ("@method", "@target-uri")),
        (
            "GET",
            "https://beta.example/u/bob/outbox?page=2",
            "/u/bob/outbox?page=2",
            None,
            ("@method", "@authority", "@path", "@query", "@target-uri", "host"),
        ),
    ],
)
def test_http_message_signatures_signed_request_verifies_with_us(
    key: rsa.RSAPrivateKey,
    method: str,
    url: str,
    path: str,
    body: bytes | None,
    components: tuple[str, ...],
) -> None:
    # Given a request signed by http-message-signatures with RSA v1.5 SHA-256
    message = Message(method, url, {"Host": "beta.example"})
    if body is not None:
        message.headers["Content-Digest"] = content_digest_header(body)
    HTTPMessageSigner(signature_algorithm=RSA_V1_5_SHA256, key_resolver=key_resolver(key)).sign(
        message,
        key_id=KEY_ID,
        label="sig1",
        covered_component_ids=components,
        use_existing_digest=body is not None,
    )

    # When we parse and verify it, then it passes
    parsed = parse_signature(method, path, received(message.headers))
    assert parsed.key_id == KEY_ID
    verify_signature(parsed, key.public_key(), body or b"")


def test_http_message_signatures_digest_verifies_with_us(key: rsa.RSAPrivateKey) -> None:
    # Given a request whose Content-Digest http-message-signatures computed itself
    message = Message("POST", INBOX_URL, {"Host": "beta.example"})
    HTTPMessageSigner(signature_algorithm=RSA_V1_5_SHA256, key_resolver=key_resolver(key)).sign(
        message, key_id=KEY_ID, covered_component_ids=("@method", "@target-uri"), body=BODY
    )

    parsed = parse_signature("POST", "/inbox", received(message.headers))

    verify_signature(parsed, key.public_key(), BODY)


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", INBOX_URL, BODY),
        ("GET", "https://beta.example/u/bob", None),
        ("GET", "https://beta.example/u/bob/outbox?page=2", None),
    ],
)
def test_our_rfc9421_signature_verifies_with_http_message_signatures(
    key: rsa.RSAPrivateKey, method: str, url: str, body: bytes | None
) -> None:
    # Given a request we signed
    message = Message(method, url, sign_request_rfc9421(method, url, body, KEY_ID, key))

    # When http-message-signatures verifies it (and our Content-Digest against the body)
    verifier = HTTPMessageVerifier(
        signature_algorithm=RSA_V1_5_SHA256, key_resolver=key_resolver(key)
    )
    (result,) = verifier.verify(message, body=body)

    # Then it passes, covering what Mastodon requires
    assert result.parameters["keyid"] == KEY_ID
    assert '"@method"' in result.covered_components
    assert '"@target-uri"' in result.covered_components
    if body is not None:
        assert result.body == body


def test_http_message_signatures_refuses_our_signature_for_another_url(
    key: rsa.RSAPrivateKey,
) -> None:
    signed = sign_request_rfc9421("POST", INBOX_URL, BODY, KEY_ID, key)
    message = Message("POST", "https://beta.example/other-inbox", signed)

    verifier = HTTPMessageVerifier(
        signature_algorithm=RSA_V1_5_SHA256, key_resolver=key_resolver(key)
    )
    with pytest.raises(http_message_signatures.InvalidSignature):
        verifier.verify(message, body=BODY)
