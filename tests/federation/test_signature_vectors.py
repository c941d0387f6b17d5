"""Known vectors from outside fedcop.

1. Mastodon's own test suite (spec/requests/signature_verification_spec.rb) publishes a test
   RSA key and the exact Signature headers Mastodon verifies or refuses for requests at
   2023-12-20T10:00:00Z. We must decide each one the same way.
2. RFC 9421 Appendix B.2.3 signs a request with `test-key-rsa-pss` (RSA-PSS, which we do not
   accept). Its signature can still check our signature base byte for byte: we build the base
   from the request and verify the RFC's signature over it with RSA-PSS directly.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from federation.keys import load_public_key
from federation.signatures import (
    Rfc9421Signature,
    SignatureError,
    parse_signature,
    verify_signature,
)
from tests.federation.signing_helpers import received

# --- Mastodon -----------------------------------------------------------------------------------

MASTODON_NOW = datetime(2023, 12, 20, 10, 0, 0, tzinfo=UTC)
MASTODON_DATE = "Wed, 20 Dec 2023 10:00:00 GMT"
MASTODON_KEY_ID = "https://remote.domain/users/bob#main-key"

# The public half of the RSA key in Mastodon's spec (the private key is printed there).
MASTODON_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqIAYvNFGbZ5g4iiK6feS
dXD4bDStFM58A7tHycYXaYtzZQpIeHXAmaXuZzXIwtrP4N0gIk8JNwZvXj2UPS+S
07t0V9wNK94he01LV5EMz/GN4eNnFmDL64HIEuKLvV8TvgjbUPRD6Y5X0UpKi2ZI
FLSb96Q5w0Z/k7ntpVKV52y8kz5Fjr/O/0JuHryZe0yItzJh8kzFfeMf0EXzfSna
KvT7P9jhgC6uTre+jXyvVZjiHDrnqvvucdI3I7DRfXo1OqARBrLjy+TdseUAjNYJ
+OuPRI1URIWQI01DCHqcohVu9+Ar+BiCjFp3ua+XMuJvrvbD61d1Fvig/9nbBRR+
8QIDAQAB
-----END PUBLIC KEY-----
"""

# `headers="date host (request-target)"` over `get /activitypub/success`.
GET_SIGNATURE = (
    "Z8ilar3J7bOwqZkMp7sL8sRs4B1FT+UorbmvWoE+A5UeoOJ3KBcUmbsh+k3wQwbP5gMNUrra9rEWabpasZGphLsbDxfb"
    "sWL3Cf0PllAc7c1c7AFEwnewtExI83/qqgEkfWc2z7UDutXc2NfgAx89Ox8DXU/fA2GG0jILjB6UpFyNugkY9rg6oI31"
    "UnvfVi3R7sr3/x8Ea3I9thPvqI2byF6cojknSpDAwYzeKdngX3TAQEGzFHz3SDWwyp3jeMWfwvVVbM38FxhvAnSumw7Y"
    "wWW4L7M7h4M68isLimoT3yfCn2ucBVL5Dz8koBpYf/40w7QidClAwCafZQFC29yDOg=="
)
# The same over `get /activitypub/success?foo=42`.
GET_WITH_QUERY_SIGNATURE = (
    "SDMa4r/DQYMXYxVgYO2yEqGWWUXugKjVuz0I8dniQAk+aunzBaF2aPu+4grBfawAshlx1Xytl8lhb0H2MllEz16/tKY7"
    "rUrb70MK0w8ohXgpb0qs3YvQgdj4X24L1x2MnkFfKHR/J+7TBlnivq0HZqXm8EIkPWLv+eQxu8fbowLwHIVvRd/3t6Fz"
    "vcfsE0UZKkoMEX02542MhwSif6cu7Ec/clsY9qgKahb9JVGOGS1op9Lvg/9y1mc8KCgD83U5IxVygYeYXaVQ6gixA9Ng"
    "ZiTCwEWzHM5ELm7w5hpdLFYxYOHg/3G3fiqJzpzNQAcCD4S4JxfE7hMI0IzVlNLT6A=="
)
# The same over `get /activitypub/success` dated two days earlier (18 Dec).
GET_TWO_DAYS_OLD_SIGNATURE = (
    "G1NuJv4zgoZ3B/ZIjzDWZHK4RC+5pYee74q8/LJEMCWXhcnAomcb9YHaqk1QYfQvcBUIXw3UZ3Q9xO8F9y0i8G5mzJHf"
    "Q+OgHqCoJk8EmGwsUXJMh5s1S5YFCRt8TT12TmJZz0VMqLq85ubueSYBM7QtUE/FzFIVLvz4RysgXxaXQKzdnM6+gbUE"
    "EKdCURpXdQt2NXQhp4MAmZH3+0lQoR6VxdsK0hx0Ji2PNp1nuqFTlYqNWZazVdLBN+9rETLRmvGXknvg9jOxTTppBVWn"
    "kAIl26HtLS3wwFVvz4pJzi9OQDOvLziehVyLNbU61hky+oJ215e2HuKSe2hxHNl1MA=="
)
# `headers="host date digest (request-target)"` over `post /activitypub/success`, "Hello world".
POST_SIGNATURE = (
    "gmhMjgMROGElJU3fpehV2acD5kMHeELi8EFP2UPHOdQ54H0r55AxIpji+J3lPe+N2qSb/4H1KXIh6f0lRu8TGSsu12OQ"
    "mg5hiO8VA9flcA/mh9Lpk+qwlQZIPRqKP9xUEfqD+Z7ti5wPzDKrWAUK/7FIqWgcT/mlqB1R1MGkpMFc/q4CIs2OSNiW"
    "gA4K+Kp21oQxzC2kUuYob04gAZ7cyE/FTia5t08uv6lVYFdRsn4XNPn1MsHgFBwBMRG79ng3SyhoG4PrqBEi5q2IdLq3"
    "zfre/M6He3wlCpyO2VJNdGVoTIzeZ0Zz8jUscPV3XtWUchpGclLGSaKaq/JyNZeiYQ=="
)
# `headers="host date (request-target)"` over the same POST: valid, but leaves the Digest out.
POST_WITHOUT_DIGEST_SIGNATURE = (
    "CPD704CG8aCm8X8qIP8kkkiGp1qwFLk/wMVQHOGP0Txxan8c2DZtg/KK7eN8RG8tHx8br/yS2hJs51x4kXImYukGzNJd"
    "7ihE3T8lp+9RI1tCcdobTzr/VcVJHDFySdQkg266GCMijRQRZfNvqlJLiisr817PI+gNVBI5qV+vnVd1XhWCEZ+YSmMe"
    "8UqYARXAYNqMykTheojqGpTeTFGPUpTQA2Fmt2BipwIjcFDm2Hpihl2kB0MUS0x3zPmHDuadvzoBbN6m3usPDLgYrpAL"
    "lh+wDs1dYMntcwdwawRKY1oE1XNtgOSum12wntDq3uYL4gya2iPdcw3c929b4koUzw=="
)
HELLO_WORLD_DIGEST = "SHA-256=ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw="


def mastodon_signature(covered: str, signature: str) -> str:
    return (
        f'keyId="{MASTODON_KEY_ID}",algorithm="rsa-sha256",headers="{covered}",'
        f'signature="{signature}"'
    )


def mastodon_get(target: str, signature: str, date: str = MASTODON_DATE) -> None:
    headers = received(
        {
            "host": "www.example.com",
            "date": date,
            "signature": mastodon_signature("date host (request-target)", signature),
        }
    )
    parsed = parse_signature("GET", target, headers)
    assert parsed.key_id == MASTODON_KEY_ID
    verify_signature(parsed, load_public_key(MASTODON_PUBLIC_KEY), b"", now=MASTODON_NOW)


def mastodon_post(target: str, covered: str, signature: str, body: bytes = b"Hello world") -> None:
    headers = received(
        {
            "host": "www.example.com",
            "date": MASTODON_DATE,
            "digest": HELLO_WORLD_DIGEST,
            "signature": mastodon_signature(covered, signature),
        }
    )
    parsed = parse_signature("POST", target, headers)
    verify_signature(parsed, load_public_key(MASTODON_PUBLIC_KEY), body, now=MASTODON_NOW)


def test_mastodon_get_is_accepted() -> None:
    mastodon_get("/activitypub/success", GET_SIGNATURE)


def test_mastodon_get_with_query_is_accepted() -> None:
    mastodon_get("/activitypub/success?foo=42", GET_WITH_QUERY_SIGNATURE)


def test_mastodon_get_signed_without_its_query_is_accepted() -> None:
    # Mastodon's compatibility quirk: the signature left the query out of (request-target)
    mastodon_get("/activitypub/success?foo=42", GET_SIGNATURE)


def test_mastodon_get_with_another_query_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        mastodon_get("/activitypub/success?foo=43", GET_WITH_QUERY_SIGNATURE)


def test_mastodon_get_on_another_path_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        mastodon_get("/activitypub/alternative-path", GET_SIGNATURE)


def test_mastodon_get_two_days_old_is_refused() -> None:
    with pytest.raises(SignatureError, match="seconds old"):
        mastodon_get(
            "/activitypub/success", GET_TWO_DAYS_OLD_SIGNATURE, date="Wed, 18 Dec 2023 10:00:00 GMT"
        )


def test_mastodon_get_signature_used_for_a_post_is_refused() -> None:
    with pytest.raises(SignatureError, match="POST must cover the Digest"):
        mastodon_post("/activitypub/success", "date host (request-target)", GET_SIGNATURE)


def test_mastodon_post_is_accepted() -> None:
    mastodon_post("/activitypub/success", "host date digest (request-target)", POST_SIGNATURE)


def test_mastodon_post_with_tampered_body_is_refused() -> None:
    with pytest.raises(SignatureError, match="wFNeS\\+K3n/2TKRMFQ2v4iTFOSj\\+uwF7P/Lt98xrZ5Ro="):
        mastodon_post(
            "/activitypub/success",
            "host date digest (request-target)",
            POST_SIGNATURE,
            body=b"Hello world!",
        )


def test_mastodon_post_on_another_path_is_refused() -> None:
    with pytest.raises(SignatureError, match="does not verify"):
        mastodon_post(
            "/activitypub/alternative-path", "host date digest (request-target)", POST_SIGNATURE
        )


def test_mastodon_post_without_signed_digest_is_refused() -> None:
    with pytest.raises(SignatureError, match="POST must cover the Digest"):
        mastodon_post(
            "/activitypub/success", "host date (request-target)", POST_WITHOUT_DIGEST_SIGNATURE
        )


# --- RFC 9421 Appendix B.2.3 --------------------------------------------------------------------

# RFC 9421 Appendix B.1.2, test-key-rsa-pss (public part).
RFC_RSA_PSS_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""

# The RFC's test request (Appendix B.2): POST /foo?param=Value&Pet=dog with a JSON body.
RFC_B23_HEADERS = {
    "host": "example.com",
    "date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "content-type": "application/json",
    "content-digest": (
        "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWX"
        "vJwew==:"
    ),
    "content-length": "18",
    "signature-input": (
        'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
        '"content-length");created=1618884473;keyid="test-key-rsa-pss"'
    ),
    "signature": (
        "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt6"
        "83+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvK"
        "iLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8"
        "ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"
    ),
}


def test_rfc9421_b23_signature_base_is_built_byte_for_byte() -> None:
    # Given the RFC's request, when we parse it
    parsed = parse_signature("POST", "/foo?param=Value&Pet=dog", received(RFC_B23_HEADERS))
    assert isinstance(parsed, Rfc9421Signature)
    assert parsed.key_id == "test-key-rsa-pss"

    # Then the RFC's RSA-PSS signature verifies over the base we built
    public_key = serialization.load_pem_public_key(RFC_RSA_PSS_PUBLIC_KEY.encode())
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(
        parsed.signature,
        parsed.signature_base,
        padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64),
        hashes.SHA512(),
    )


def test_rfc9421_b23_is_refused_by_verify_signature() -> None:
    # The RFC's request is well formed, but its Content-Digest is sha-512 only (we require
    # sha-256, as Mastodon does) and its key signs with RSA-PSS: refused, with a SignatureError
    parsed = parse_signature("POST", "/foo?param=Value&Pet=dog", received(RFC_B23_HEADERS))

    with pytest.raises(SignatureError, match="no sha-256 entry"):
        verify_signature(
            parsed,
            load_public_key(RFC_RSA_PSS_PUBLIC_KEY),
            b'{"hello": "world"}',
            now=datetime.fromtimestamp(1618884473, tz=UTC),
        )
