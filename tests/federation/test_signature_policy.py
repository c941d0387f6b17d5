"""Which keys and which signatures fedcop accepts: the policy an attacker meets first.

Keys are judged where they are loaded (`federation.keys.load_public_key`), before any verify:
RSA of 1024 to 8192 bits with an ordinary exponent, in a PEM of sane length. A signature must
cover the request's target and Host, and the Host must be the receiving server's, so that a
request captured on its way to one inbox cannot be replayed to another.
"""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from federation.keys import (
    MAX_PUBLIC_KEY_PEM_CHARS,
    KeyRefused,
    accepted_public_key,
    load_public_key,
)
from federation.signatures import (
    SignatureError,
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_signature,
)
from tests.federation.signing_helpers import BODY, INBOX_URL, KEY_ID, NOW, received, rsa_key
from tests.paths import REAL_FIXTURES, WEAK_RSA_512_PRIVATE_KEY


def weak_key() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(WEAK_RSA_512_PRIVATE_KEY.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 512
    return key


def public_pem(key: rsa.RSAPublicKey | ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def modulus_only_key(bits: int, exponent: int = 65537) -> rsa.RSAPublicKey:
    """A public key of `bits` bits. An attacker needs no private key to make a verifier work:
    any odd number of the right size is a modulus to verify with."""
    modulus = (1 << (bits - 1)) | (0x5DEECE66D << 40) | 1
    return rsa.RSAPublicNumbers(exponent, modulus).public_key()


# --- key types and sizes ----------------------------------------------------------------------


def test_a_512_bit_rsa_key_is_refused_where_it_is_loaded() -> None:
    with pytest.raises(KeyRefused, match="RSA-512, too weak"):
        load_public_key(public_pem(weak_key().public_key()))


@pytest.mark.parametrize("bits", [16384])
def test_a_huge_rsa_key_is_refused_where_it_is_loaded(bits: int) -> None:
    pem = public_pem(modulus_only_key(bits))
    assert len(pem) <= MAX_PUBLIC_KEY_PEM_CHARS  # read, then refused for its size

    with pytest.raises(KeyRefused, match=f"RSA-{bits}, too costly to verify"):
        load_public_key(pem)


def test_a_giant_pem_is_refused_before_it_is_parsed() -> None:
    # An RSA-65536 key: ~11,000 characters, refused on its length alone
    pem = public_pem(modulus_only_key(65536))

    with pytest.raises(KeyRefused, match=f"up to {MAX_PUBLIC_KEY_PEM_CHARS} characters"):
        load_public_key(pem)


@pytest.mark.parametrize("bits", [1024, 2048, 3072, 4096, 8192])
def test_rsa_keys_from_1024_to_8192_bits_are_accepted(bits: int) -> None:
    assert load_public_key(public_pem(modulus_only_key(bits))).key_size == bits


@pytest.mark.parametrize("exponent", [(1 << 32) + 1, (1 << 2000) + 1])
def test_a_huge_public_exponent_is_refused(exponent: int) -> None:
    # A 2048-bit modulus with a 2000-bit exponent: each verify as slow as a signature
    with pytest.raises(KeyRefused, match="public exponent"):
        accepted_public_key(modulus_only_key(2048, exponent))


def test_keys_that_are_not_rsa_are_refused_with_the_reason() -> None:
    for key in (
        ed25519.Ed25519PrivateKey.generate().public_key(),
        ec.generate_private_key(ec.SECP256R1()).public_key(),
    ):
        with pytest.raises(KeyRefused, match=r"not RSA: fedcop verifies .* RSA keys only"):
            load_public_key(public_pem(key))


def test_what_is_not_a_pem_key_is_refused() -> None:
    with pytest.raises(KeyRefused, match="not a PEM-encoded public key"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n")


def test_every_real_peers_key_is_accepted() -> None:
    # Every actor document collected from real servers (RSA-2048, RSA-4096, Bridgy Fed's
    # RSA-1024) carries a key fedcop verifies with, except the two Mastodon fixtures whose
    # publicKeyPem is deliberately cut short in their source.
    import orjson

    accepted, refused = 0, []
    for path in sorted(REAL_FIXTURES.rglob("*.json")):
        pending = [orjson.loads(path.read_bytes())]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                pem = item.get("publicKeyPem")
                if isinstance(pem, str):
                    try:
                        load_public_key(pem)
                        accepted += 1
                    except KeyRefused as error:
                        refused.append((path.parent.parent.name, str(error)))
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
    assert accepted >= 60
    assert all(server == "mastodon" and "not a PEM-encoded" in why for server, why in refused), (
        refused
    )


def test_a_signature_is_never_verified_with_a_refused_key() -> None:
    # Given a request signed with a 512-bit key that verifies mathematically
    headers = sign_request("POST", INBOX_URL, BODY, KEY_ID, weak_key(), now=NOW)
    parsed = parse_signature("POST", "/inbox", received(headers))

    # Then verifying refuses the key itself, not the signature
    with pytest.raises(SignatureError, match=f"the key {KEY_ID} is refused: the key is RSA-512"):
        verify_signature(parsed, weak_key().public_key(), BODY, now=NOW)
    # And a huge key is refused before its costly verify is attempted
    with pytest.raises(SignatureError, match="RSA-16384, too costly"):
        verify_signature(parsed, modulus_only_key(16384), BODY, now=NOW)


# --- a request signed for one server is refused by another -----------------------------------


@pytest.mark.parametrize("signer", [sign_request, sign_request_rfc9421])
def test_a_request_signed_for_another_server_is_refused(signer: object) -> None:
    assert callable(signer)
    # Given a POST signed for beta.example's shared inbox
    headers = signer("POST", INBOX_URL, BODY, KEY_ID, rsa_key("ann"), now=NOW)

    # When it is replayed to gamma.example's /inbox, Host and all, it is refused
    with pytest.raises(SignatureError, match=r"signed for .beta\.example., not for this server"):
        parse_signature("POST", "/inbox", received(headers), authority="gamma.example")
    # And with its Host rewritten, its signature no longer matches (Host is covered)
    lowered = {name.lower(): value for name, value in headers.items()}
    rewritten = received({**lowered, "host": "gamma.example"})
    parsed = parse_signature("POST", "/inbox", rewritten, authority="gamma.example")
    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, rsa_key("ann").public_key(), BODY, now=NOW)
    # While at beta.example, whose name it carries, it is accepted (the default port aside)
    for authority in ("beta.example", "BETA.example:443"):
        parsed = parse_signature("POST", "/inbox", received(headers), authority=authority)
        verify_signature(parsed, rsa_key("ann").public_key(), BODY, now=NOW)


def test_a_signed_get_for_another_server_is_refused() -> None:
    headers = sign_request("GET", "https://beta.example/u/bob", None, KEY_ID, rsa_key("ann"))

    with pytest.raises(SignatureError, match="not for this server"):
        parse_signature("GET", "/u/bob", received(headers), authority="gamma.example:8443")
