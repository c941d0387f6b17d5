"""Digest (RFC 3230) and Content-Digest (RFC 9530): building them, checking them against a body."""

from __future__ import annotations

import base64
import hashlib

import pytest

from federation.digest import (
    DigestError,
    content_digest_header,
    digest_header,
    verify_content_digest,
    verify_digest,
)

# Known values: Mastodon's own test suite signs the body "Hello world" with this Digest, and
# RFC 9530 section 2 shows this Content-Digest for the body {"hello": "world"}.
HELLO_WORLD = b"Hello world"
HELLO_WORLD_DIGEST = "SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="
HELLO_JSON = b'{"hello": "world"}'
HELLO_JSON_CONTENT_DIGEST = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"

SHA512_OF_HELLO_WORLD = base64.b64encode(hashlib.sha512(HELLO_WORLD).digest()).decode()
SHA512_OF_HELLO_JSON = (
    "sha-512=:" + base64.b64encode(hashlib.sha512(HELLO_JSON).digest()).decode() + ":"
)


def test_digest_header_is_what_mastodon_sends() -> None:
    assert digest_header(HELLO_WORLD) == HELLO_WORLD_DIGEST


def test_content_digest_header_matches_rfc_9530_example() -> None:
    assert content_digest_header(HELLO_JSON) == HELLO_JSON_CONTENT_DIGEST


def test_digest_of_empty_body() -> None:
    assert digest_header(b"") == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


# --- Digest -----------------------------------------------------------------------------------


def test_digest_round_trip() -> None:
    verify_digest(digest_header(b"any body"), b"any body")


@pytest.mark.parametrize(
    "header",
    [
        "sha-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
        "Sha-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
        f"SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=,SHA-512={SHA512_OF_HELLO_WORLD}",
        f"SHA-512={SHA512_OF_HELLO_WORLD}, SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
        " SHA-256 = ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw= ",
    ],
)
def test_digest_accepts_case_and_multiple_algorithms(header: str) -> None:
    verify_digest(header, HELLO_WORLD)


def test_digest_mismatch_is_refused_and_says_both_values() -> None:
    with pytest.raises(DigestError, match="does not match the body") as caught:
        verify_digest(HELLO_WORLD_DIGEST, b"Hello world!")
    assert "wFNeS+K3n/2TKRMFQ2v4iTFOSj+uwF7P/Lt98xrZ5Ro=" in str(caught.value)


def test_digest_without_sha256_is_refused() -> None:
    with pytest.raises(DigestError, match="no SHA-256 entry"):
        verify_digest(f"SHA-512={SHA512_OF_HELLO_WORLD}", HELLO_WORLD)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "malformed"),
        ("garbage", "malformed"),
        ("=abc", "malformed"),
        ("SHA-256=not base64!", "not valid base64"),
        ("SHA-256=", "0 bytes long"),
        ("SHA-256=YWJj", "3 bytes long"),
        (f"{HELLO_WORLD_DIGEST},{HELLO_WORLD_DIGEST}", "twice"),
        (f"{HELLO_WORLD_DIGEST},", "malformed"),
    ],
)
def test_malformed_digest_is_refused(header: str, reason: str) -> None:
    with pytest.raises(DigestError, match=reason):
        verify_digest(header, HELLO_WORLD)


# --- Content-Digest ---------------------------------------------------------------------------


def test_content_digest_round_trip() -> None:
    verify_content_digest(content_digest_header(b"any body"), b"any body")


@pytest.mark.parametrize(
    "header",
    [
        HELLO_JSON_CONTENT_DIGEST,
        "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        f"{SHA512_OF_HELLO_JSON}, {HELLO_JSON_CONTENT_DIGEST}",
    ],
)
def test_content_digest_accepts_case_and_multiple_algorithms(header: str) -> None:
    verify_content_digest(header, HELLO_JSON)


def test_content_digest_mismatch_is_refused() -> None:
    with pytest.raises(DigestError, match="does not match the body"):
        verify_content_digest(HELLO_JSON_CONTENT_DIGEST, b'{"hello": "world!"}')


def test_content_digest_without_sha256_is_refused() -> None:
    with pytest.raises(DigestError, match="no sha-256 entry"):
        verify_content_digest(SHA512_OF_HELLO_JSON, HELLO_JSON)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("", "no sha-256 entry"),
        ("garbage!", "malformed"),
        ("sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "malformed"),
        ('sha-256="X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="', "not a byte sequence"),
        ("sha-256=:not base64!:", "malformed"),
        ("sha-256=:YWJj:", "3 bytes long"),
        (f"{HELLO_JSON_CONTENT_DIGEST}, {HELLO_JSON_CONTENT_DIGEST}", "malformed"),
        ("sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "malformed"),
    ],
)
def test_malformed_content_digest_is_refused(header: str, reason: str) -> None:
    with pytest.raises(DigestError, match=reason):
        verify_content_digest(header, HELLO_JSON)


def test_digest_error_is_a_value_error() -> None:
    assert issubclass(DigestError, ValueError)
