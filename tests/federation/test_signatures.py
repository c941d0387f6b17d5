"""HTTP signatures end to end: what we sign, we verify; the scheme is detected; bad input is a
`SignatureError`, never another exception.

Rules specific to one scheme are tested in test_signatures_cavage.py and
test_signatures_rfc9421.py; known vectors in test_signature_vectors.py; third-party
implementations in test_signatures_interop.py.
"""

from __future__ import annotations

import random
import re
import string
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from federation.signatures import (
    MAX_SIGNATURE_AGE_SECONDS,
    MAX_SIGNATURE_FUTURE_SECONDS,
    CavageSignature,
    Rfc9421Signature,
    SignatureError,
    parse_signature,
    sign_request,
    sign_request_rfc9421,
    verify_signature,
)
from tests.federation.signing_helpers import (
    BODY,
    INBOX_URL,
    KEY_ID,
    NOW,
    NOW_HTTP_DATE,
    NOW_TIMESTAMP,
    Signer,
    received,
    rsa_key,
)

SIGNERS = [sign_request, sign_request_rfc9421]


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa_key("ann")


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa_key("mallory")


# --- what we send -----------------------------------------------------------------------------


def test_cavage_post_is_signed_exactly_as_mastodon_signs(key: rsa.RSAPrivateKey) -> None:
    # When we sign a delivery
    headers = sign_request("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)

    # Then it carries Mastodon's headers, in Mastodon's format
    assert set(headers) == {"Host", "Date", "Digest", "Signature"}
    assert headers["Host"] == "beta.example"
    assert headers["Date"] == NOW_HTTP_DATE
    assert headers["Digest"].startswith("SHA-256=")
    assert re.fullmatch(
        r'keyId="https://alpha\.example/u/ann#main-key",algorithm="rsa-sha256",'
        r'headers="\(request-target\) host date digest",signature="[A-Za-z0-9+/]+={0,2}"',
        headers["Signature"],
    )


def test_cavage_get_covers_request_target_host_and_date(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request("GET", "https://beta.example/u/bob", None, KEY_ID, key, now=NOW)

    assert set(headers) == {"Host", "Date", "Signature"}
    assert 'headers="(request-target) host date"' in headers["Signature"]


def test_cavage_post_without_body_still_gets_a_digest(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request("POST", INBOX_URL, None, KEY_ID, key, now=NOW)

    assert headers["Digest"] == "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="


def test_rfc9421_post_is_signed_with_label_sig1(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)

    assert set(headers) == {"Host", "Date", "Content-Digest", "Signature-Input", "Signature"}
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "@authority" "content-digest")'
        f';created={NOW_TIMESTAMP};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    assert re.fullmatch(r"sig1=:[A-Za-z0-9+/]+={0,2}:", headers["Signature"])
    assert headers["Content-Digest"].startswith("sha-256=:")


def test_rfc9421_get_covers_no_digest(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request_rfc9421("GET", "https://beta.example/u/bob", None, KEY_ID, key, now=NOW)

    assert "Content-Digest" not in headers
    assert headers["Signature-Input"].startswith('sig1=("@method" "@target-uri" "@authority");')


@pytest.mark.parametrize("sign", SIGNERS)
@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://beta.example/inbox", "beta.example"),
        ("https://beta.example:443/inbox", "beta.example"),
        ("http://beta.example:80/inbox", "beta.example"),
        ("http://beta.test:8001/inbox", "beta.test:8001"),
        ("https://BETA.Example/inbox", "beta.example"),
        ("https://[::1]:8443/inbox", "[::1]:8443"),
    ],
)
def test_host_header_leaves_out_the_default_port(
    sign: Signer, key: rsa.RSAPrivateKey, url: str, host: str
) -> None:
    assert sign("POST", url, BODY, KEY_ID, key, now=NOW)["Host"] == host


@pytest.mark.parametrize("sign", SIGNERS)
@pytest.mark.parametrize("url", ["/inbox", "ftp://beta.example/inbox", "https:///inbox"])
def test_signing_a_url_that_is_not_absolute_http_is_an_error(
    sign: Signer, key: rsa.RSAPrivateKey, url: str
) -> None:
    with pytest.raises(ValueError, match="absolute http"):
        sign("POST", url, BODY, KEY_ID, key, now=NOW)


# --- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sign", "parsed_type"),
    [(sign_request, CavageSignature), (sign_request_rfc9421, Rfc9421Signature)],
)
@pytest.mark.parametrize(
    ("method", "url", "target", "body"),
    [
        ("POST", INBOX_URL, "/inbox", BODY),
        ("POST", "https://beta.example/c/gardening/inbox", "/c/gardening/inbox", b""),
        ("GET", "https://beta.example/u/bob", "/u/bob", None),
        ("GET", "https://beta.example/u/bob/outbox?page=2", "/u/bob/outbox?page=2", None),
        ("GET", "http://beta.test:8001/u/bob", "/u/bob", None),
    ],
)
def test_what_we_sign_we_verify(
    sign: Signer,
    parsed_type: type,
    key: rsa.RSAPrivateKey,
    method: str,
    url: str,
    target: str,
    body: bytes | None,
) -> None:
    # Given a request signed by ann's key
    headers = sign(method, url, body, KEY_ID, key, now=NOW)
    scheme = url.split(":", 1)[0]

    # When the receiving server parses it
    parsed = parse_signature(method, target, received(headers), scheme=scheme)

    # Then it names ann's key, and ann's key verifies it
    assert isinstance(parsed, parsed_type)
    assert parsed.key_id == KEY_ID
    verify_signature(parsed, key.public_key(), body or b"", now=NOW)


def test_parsed_signature_names_its_scheme(key: rsa.RSAPrivateKey) -> None:
    cavage = parse_signature(
        "POST", "/inbox", received(sign_request("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )
    rfc9421 = parse_signature(
        "POST",
        "/inbox",
        received(sign_request_rfc9421("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)),
    )
    assert (cavage.scheme, rfc9421.scheme) == ("draft-cavage", "rfc9421")


@pytest.mark.parametrize("sign", SIGNERS)
def test_a_plain_dict_with_any_header_case_is_accepted(
    sign: Signer, key: rsa.RSAPrivateKey
) -> None:
    headers = {
        name.upper(): value
        for name, value in sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW).items()
    }

    parsed = parse_signature("POST", "/inbox", headers)

    verify_signature(parsed, key.public_key(), BODY, now=NOW)


def test_lowercase_method_is_treated_as_upper_case(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)

    parsed = parse_signature("post", "/inbox", received(headers))

    verify_signature(parsed, key.public_key(), BODY, now=NOW)


def test_default_clock_is_the_real_one(key: rsa.RSAPrivateKey) -> None:
    # Signed and verified without `now`: both use the current time
    for sign in SIGNERS:
        parsed = parse_signature(
            "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key))
        )
        verify_signature(parsed, key.public_key(), BODY)


# --- rules both schemes share -----------------------------------------------------------------


@pytest.mark.parametrize("sign", SIGNERS)
def test_wrong_key_is_refused(
    sign: Signer, key: rsa.RSAPrivateKey, other_key: rsa.RSAPrivateKey
) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    with pytest.raises(SignatureError, match="does not verify with the key https://alpha"):
        verify_signature(parsed, other_key.public_key(), BODY, now=NOW)


@pytest.mark.parametrize("sign", SIGNERS)
def test_tampered_body_is_refused(sign: Signer, key: rsa.RSAPrivateKey) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    with pytest.raises(SignatureError, match="does not match the body"):
        verify_signature(parsed, key.public_key(), BODY.replace(b"Follow", b"Block"), now=NOW)


@pytest.mark.parametrize("sign", SIGNERS)
def test_request_sent_to_another_inbox_is_refused(sign: Signer, key: rsa.RSAPrivateKey) -> None:
    # Given a signature made for beta's shared inbox, replayed against a community inbox
    parsed = parse_signature(
        "POST", "/c/gardening/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, key.public_key(), BODY, now=NOW)


@pytest.mark.parametrize("sign", SIGNERS)
def test_request_replayed_to_another_server_is_refused(
    sign: Signer, key: rsa.RSAPrivateKey
) -> None:
    headers = sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)
    headers["Host"] = "gamma.example"

    parsed = parse_signature("POST", "/inbox", received(headers))

    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, key.public_key(), BODY, now=NOW)


@pytest.mark.parametrize("sign", SIGNERS)
@pytest.mark.parametrize(
    "age",
    [timedelta(0), timedelta(minutes=5), timedelta(seconds=MAX_SIGNATURE_AGE_SECONDS - 1)],
)
def test_signature_within_the_window_is_accepted(
    sign: Signer, key: rsa.RSAPrivateKey, age: timedelta
) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    verify_signature(parsed, key.public_key(), BODY, now=NOW + age)


@pytest.mark.parametrize("sign", SIGNERS)
def test_signature_too_old_is_refused(sign: Signer, key: rsa.RSAPrivateKey) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    with pytest.raises(SignatureError, match="seconds old"):
        verify_signature(
            parsed,
            key.public_key(),
            BODY,
            now=NOW + timedelta(seconds=MAX_SIGNATURE_AGE_SECONDS + 1),
        )


@pytest.mark.parametrize("sign", SIGNERS)
def test_signature_from_the_future_is_refused(sign: Signer, key: rsa.RSAPrivateKey) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    # An hour of clock skew is tolerated, more is not
    verify_signature(
        parsed,
        key.public_key(),
        BODY,
        now=NOW - timedelta(seconds=MAX_SIGNATURE_FUTURE_SECONDS - 1),
    )
    with pytest.raises(SignatureError, match="in the future"):
        verify_signature(
            parsed,
            key.public_key(),
            BODY,
            now=NOW - timedelta(seconds=MAX_SIGNATURE_FUTURE_SECONDS + 1),
        )


def test_window_matches_mastodon() -> None:
    # Mastodon: valid 5 minutes after creation, plus 1 hour of clock skew either way
    assert MAX_SIGNATURE_AGE_SECONDS == 65 * 60
    assert MAX_SIGNATURE_FUTURE_SECONDS == 60 * 60


@pytest.mark.parametrize("sign", SIGNERS)
def test_non_rsa_key_is_refused(sign: Signer, key: rsa.RSAPrivateKey) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW))
    )

    with pytest.raises(SignatureError, match="RSA keys only"):
        verify_signature(parsed, ed25519.Ed25519PrivateKey.generate().public_key(), BODY, now=NOW)


# --- unsigned and garbage input ---------------------------------------------------------------


def test_unsigned_request_is_refused() -> None:
    with pytest.raises(SignatureError, match="not signed"):
        parse_signature("POST", "/inbox", received({"host": "beta.example"}))


def test_authorization_header_other_than_signature_is_not_a_signature() -> None:
    with pytest.raises(SignatureError, match="not signed"):
        parse_signature("GET", "/u/bob", received({"authorization": "Bearer abc"}))


GARBAGE_SIGNATURES = [
    "",
    " ",
    ",",
    "garbage",
    "keyId",
    'keyId="',
    'keyId="a"',
    'signature="abc="',
    'keyId="a",signature="not base64!"',
    'keyId="a",signature="YWJj",headers="(request-target) host date digest"',
    'keyId="a",signature="YWJj",algorithm="rsa-sha256",headers=""',
    'keyId="a",keyId="b",signature="YWJj"',
    'keyId="a" signature="YWJj"',
    'keyId="a",signature="YWJj",algorithm="ed25519",headers="(request-target) host date digest"',
    'keyId="a",signature="YWJj",headers="(request-target) host date digest"\x00',
    "\u00e9\u00e9\u00e9",
    "=" * 1000,
    'keyId="a",signature="YWJj",headers="(request-target) (foo) host date digest"',
]


@pytest.mark.parametrize("value", GARBAGE_SIGNATURES)
def test_garbage_signature_header_is_a_signature_error(value: str) -> None:
    headers = received(
        {"host": "beta.example", "date": NOW_HTTP_DATE, "digest": "SHA-256=x", "signature": value}
    )

    with pytest.raises(SignatureError):
        parsed = parse_signature("POST", "/inbox", headers)
        verify_signature(parsed, rsa_key("ann").public_key(), BODY, now=NOW)


GARBAGE_RFC9421 = [
    ("", "sig1=:YWJj:"),
    ("sig1", "sig1=:YWJj:"),
    ("sig1=(", "sig1=:YWJj:"),
    ('sig1=("@method"', "sig1=:YWJj:"),
    ('sig1=("@method" "@target-uri");created=1', ""),
    ('sig1=("@method" "@target-uri");created=1;keyid="k"', "sig1=YWJj"),
    ('sig1=("@method" "@target-uri");created=1;keyid="k"', "sig1=:not base64!:"),
    ('sig1=("@method" "@target-uri");created="1";keyid="k"', "sig1=:YWJj:"),
    ('sig1=("@method" "@target-uri");created=1;keyid=k', "sig1=:YWJj:"),
    ('sig1=(@method "@target-uri");created=1;keyid="k"', "sig1=:YWJj:"),
    ('sig1=("@method" "@target-uri");created=99999999999999999;keyid="k"', "sig1=:YWJj:"),
    ('SIG1=("@method" "@target-uri");created=1;keyid="k"', "SIG1=:YWJj:"),
    ('sig1=("@method" "@target-uri");created=1;keyid="k\\x"', "sig1=:YWJj:"),
    ('sig1=("@method" "\u00e9");created=1;keyid="k"', "sig1=:YWJj:"),
    ("sig1=?1", "sig1=:YWJj:"),
    ("sig1=:YWJj:", "sig1=:YWJj:"),
]


@pytest.mark.parametrize(("signature_input", "signature"), GARBAGE_RFC9421)
def test_garbage_rfc9421_headers_are_a_signature_error(
    signature_input: str, signature: str
) -> None:
    headers = received(
        {"host": "beta.example", "signature-input": signature_input, "signature": signature}
    )

    with pytest.raises(SignatureError):
        parsed = parse_signature("GET", "/u/bob", headers)
        verify_signature(parsed, rsa_key("ann").public_key(), b"", now=NOW)


@pytest.mark.parametrize("sign", SIGNERS)
def test_random_corruption_only_ever_raises_signature_error(
    sign: Signer, key: rsa.RSAPrivateKey
) -> None:
    # Given valid signed requests, each with one header value mangled at random
    rng = random.Random(9421)  # noqa: S311 -- a reproducible fuzz, not cryptography
    signed = sign("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)
    alphabet = string.printable + "\u00e9\u2603"
    for _ in range(400):
        headers = dict(signed)
        name = rng.choice(list(headers))
        value = list(headers[name])
        for _ in range(rng.randint(1, 4)):
            position = rng.randrange(len(value) + 1)
            action = rng.choice(("insert", "delete", "replace", "truncate"))
            if action == "insert":
                value.insert(position, rng.choice(alphabet))
            elif action == "delete" and value:
                del value[min(position, len(value) - 1)]
            elif action == "replace" and value:
                value[min(position, len(value) - 1)] = rng.choice(alphabet)
            else:
                del value[position:]
        headers[name] = "".join(value)

        # When it is parsed and verified, then it passes or fails with SignatureError only
        try:
            parsed = parse_signature("POST", "/inbox", headers)
            verify_signature(parsed, key.public_key(), BODY, now=NOW)
        except SignatureError:
            pass
