"""RSA key pairs for actors: generation, PEM encoding, and which remote keys fedcop accepts.

Every actor gets an RSA-2048 key (`publicKey`, key id `<actor>#main-key`), the one key type every
fediverse server verifies. Generating one takes ~40 ms of CPU, so async callers run
`generate_key_pair` in a thread (`asyncio.to_thread`) to keep the event loop responsive.

A remote actor's key is judged once, where it is loaded (`load_public_key`), before anything
verifies with it, so a key no one should trust never reaches the signature check:

    publicKeyPem longer than MAX_PUBLIC_KEY_PEM_CHARS ... refused unread (an RSA-65536 key is
                                                          ~11,000 characters; RSA-8192 ~1,500)
    not a PEM public key ............................... refused
    not RSA (Ed25519, EC, DSA) ......................... refused: fedcop verifies RSA only
    RSA below MIN_RSA_KEY_BITS or above MAX_RSA_KEY_BITS refused: too weak to prove anything,
                                                          or so large each verify costs seconds
    public exponent over 32 bits ....................... refused (a huge exponent makes verifying
                                                          as slow as signing)

What real peers use (tests/data/real): RSA-2048 (Mastodon, Lemmy, PieFed, GoToSocial, Pleroma,
PeerTube, ...) and RSA-4096 (Misskey, Mbin, Friendica, Hubzilla, streams); Bridgy Fed still
serves RSA-1024 keys, which is why the floor is 1024 and not 2048.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

RSA_KEY_BITS = 2048
# The RSA modulus sizes accepted on remote keys. 512- and 768-bit keys have been factored in
# public; 1024 is weak but still served by Bridgy Fed, a real peer. Past 8192 bits no peer goes,
# and each verify costs more: a 16,384-bit key ~8x an 8192-bit one, a 65,536-bit one seconds.
MIN_RSA_KEY_BITS = 1024
MAX_RSA_KEY_BITS = 8192
# The longest publicKeyPem read at all: an RSA-8192 key is ~1,500 characters, so this leaves
# room for odd line breaks, and refuses a giant key before any parsing.
MAX_PUBLIC_KEY_PEM_CHARS = 4096
# Exponents are 65537 in practice; one over 32 bits makes a verify as slow as a signature.
MAX_PUBLIC_EXPONENT_BITS = 32


class KeyRefused(ValueError):
    """A public key fedcop will not verify signatures with; the message says why."""


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


def generate_key_pair() -> KeyPair:
    """A new RSA-2048 key pair as PKCS#8 (private) and SubjectPublicKeyInfo (public) PEM."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    return KeyPair(private_pem=private_pem, public_pem=public_pem_of(private_key))


def public_pem_of(private_key: rsa.RSAPrivateKey) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode("ascii")
    )


def load_private_key(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_public_key(pem: str) -> rsa.RSAPublicKey:
    """Load a public key PEM (SubjectPublicKeyInfo, or the PKCS#1 form some servers send) that
    fedcop accepts; raise `KeyRefused` saying why otherwise (see the module's docstring)."""
    if len(pem) > MAX_PUBLIC_KEY_PEM_CHARS:
        raise KeyRefused(
            f"the publicKeyPem is {len(pem)} characters long; fedcop reads keys up to "
            f"{MAX_PUBLIC_KEY_PEM_CHARS} characters (an RSA-{MAX_RSA_KEY_BITS} key is ~1,500)"
        )
    try:
        key = serialization.load_pem_public_key(pem.strip().encode("ascii"))
    except (ValueError, TypeError, UnicodeEncodeError, UnsupportedAlgorithm):
        raise KeyRefused("the publicKeyPem is not a PEM-encoded public key") from None
    return accepted_public_key(key)


def accepted_public_key(key: PublicKeyTypes) -> rsa.RSAPublicKey:
    """`key` if fedcop verifies signatures with keys like it; raise `KeyRefused` otherwise."""
    if not isinstance(key, rsa.RSAPublicKey):
        kind = type(key).__name__.removeprefix("_").removesuffix("PublicKey") or "unknown"
        raise KeyRefused(
            f"the key is {kind}, not RSA: fedcop verifies HTTP signatures made with RSA keys only"
        )
    bits = key.key_size
    if not MIN_RSA_KEY_BITS <= bits <= MAX_RSA_KEY_BITS:
        why = "too weak to trust" if bits < MIN_RSA_KEY_BITS else "too costly to verify"
        raise KeyRefused(
            f"the key is RSA-{bits}, {why}: fedcop accepts RSA keys of {MIN_RSA_KEY_BITS} to "
            f"{MAX_RSA_KEY_BITS} bits (most servers use 2048 or 4096)"
        )
    exponent = key.public_numbers().e
    if exponent.bit_length() > MAX_PUBLIC_EXPONENT_BITS:
        raise KeyRefused(
            f"the key's public exponent is {exponent.bit_length()} bits long; fedcop accepts "
            f"exponents up to {MAX_PUBLIC_EXPONENT_BITS} bits (almost every key uses 65537)"
        )
    return key
