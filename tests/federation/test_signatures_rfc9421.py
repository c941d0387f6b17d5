"""RFC 9421 verification rules: one signature, created/keyid/alg, required components, the
Content-Digest, and the signature base built from derived components and header fields.
Signatures here are built by hand (signing_helpers) so each test sends exactly what it needs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.datastructures import Headers

from federation.digest import content_digest_header
from federation.signatures import (
    Rfc9421Signature,
    SignatureError,
    parse_signature,
    sign_request_rfc9421,
    verify_signature,
)
from tests.federation.signing_helpers import (
    BODY,
    INBOX_URL,
    KEY_ID,
    NOW,
    NOW_TIMESTAMP,
    received,
    rfc9421_headers,
    rsa_key,
)

HOST = "beta.example"
CONTENT_DIGEST = content_digest_header(BODY)
PARAMS = f';created={NOW_TIMESTAMP};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa_key("ann")


def post_components(content_digest: str = CONTENT_DIGEST) -> list[tuple[str, str]]:
    return [
        ("@method", "POST"),
        ("@target-uri", f"https://{HOST}/inbox"),
        ("@authority", HOST),
        ("content-digest", content_digest),
    ]


def post_request(signature_headers: dict[str, str], **extra: str) -> Headers:
    return received({"host": HOST, "content-digest": CONTENT_DIGEST, **signature_headers, **extra})


def verify_post(key: rsa.RSAPrivateKey, headers: Headers, body: bytes = BODY) -> None:
    parsed = parse_signature("POST", "/inbox", headers)
    verify_signature(parsed, key.public_key(), body, now=NOW)


def test_hand_built_signature_verifies(key: rsa.RSAPrivateKey) -> None:
    verify_post(key, post_request(rfc9421_headers(key, post_components(), PARAMS)))


# --- parameters -------------------------------------------------------------------------------


def test_missing_alg_is_accepted(key: rsa.RSAPrivateKey) -> None:
    params = f';created={NOW_TIMESTAMP};keyid="{KEY_ID}"'

    verify_post(key, post_request(rfc9421_headers(key, post_components(), params)))


@pytest.mark.parametrize("alg", ["rsa-pss-sha512", "ed25519", "hmac-sha256", "ecdsa-p256-sha256"])
def test_unsupported_alg_is_refused(key: rsa.RSAPrivateKey, alg: str) -> None:
    params = f';created={NOW_TIMESTAMP};keyid="{KEY_ID}";alg="{alg}"'

    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        verify_post(key, post_request(rfc9421_headers(key, post_components(), params)))


def test_missing_created_is_refused(key: rsa.RSAPrivateKey) -> None:
    params = f';keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'

    with pytest.raises(SignatureError, match="no created parameter"):
        verify_post(key, post_request(rfc9421_headers(key, post_components(), params)))


def test_missing_keyid_is_refused(key: rsa.RSAPrivateKey) -> None:
    params = f";created={NOW_TIMESTAMP}"

    with pytest.raises(SignatureError, match="no keyid parameter"):
        verify_post(key, post_request(rfc9421_headers(key, post_components(), params)))


def test_expired_signature_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a signature made 30 minutes ago that expired 10 seconds after it was made
    created = NOW_TIMESTAMP - 30 * 60
    params = f';created={created};expires={created + 10};keyid="{KEY_ID}"'
    parsed = parse_signature(
        "POST", "/inbox", post_request(rfc9421_headers(key, post_components(), params))
    )

    # Then it passes within the clock skew margin and is refused after it
    verify_signature(parsed, key.public_key(), BODY, now=NOW)
    with pytest.raises(SignatureError, match="expired"):
        verify_signature(parsed, key.public_key(), BODY, now=NOW + timedelta(minutes=31))


def test_created_too_old_is_refused(key: rsa.RSAPrivateKey) -> None:
    params = f';created={NOW_TIMESTAMP - 2 * 60 * 60};keyid="{KEY_ID}"'

    with pytest.raises(SignatureError, match="seconds old"):
        verify_post(key, post_request(rfc9421_headers(key, post_components(), params)))


def test_extra_parameters_are_signed_and_accepted(key: rsa.RSAPrivateKey) -> None:
    # nonce and tag are covered by @signature-params like any parameter
    params = f'{PARAMS};nonce="b3k2pp5k7z-50gnwp.yemd";tag="fedcop"'

    verify_post(key, post_request(rfc9421_headers(key, post_components(), params)))


# --- exactly one signature --------------------------------------------------------------------


def test_two_signatures_are_refused(key: rsa.RSAPrivateKey) -> None:
    # Given two valid signatures on the same request
    first = rfc9421_headers(key, post_components(), PARAMS, label="sig1")
    second = rfc9421_headers(key, post_components(), PARAMS, label="sig2")
    both = {
        "signature-input": f"{first['Signature-Input']}, {second['Signature-Input']}",
        "signature": f"{first['Signature']}, {second['Signature']}",
    }

    with pytest.raises(SignatureError, match="carries 2 RFC 9421 signatures"):
        verify_post(key, post_request(both))


def test_two_signatures_on_separate_header_lines_are_refused(key: rsa.RSAPrivateKey) -> None:
    first = rfc9421_headers(key, post_components(), PARAMS, label="sig1")
    second = rfc9421_headers(key, post_components(), PARAMS, label="sig2")
    raw = [
        (b"host", HOST.encode()),
        (b"content-digest", CONTENT_DIGEST.encode()),
        (b"signature-input", first["Signature-Input"].encode()),
        (b"signature-input", second["Signature-Input"].encode()),
        (b"signature", first["Signature"].encode()),
        (b"signature", second["Signature"].encode()),
    ]

    with pytest.raises(SignatureError, match="exactly one"):
        verify_post(key, Headers(raw=raw))


def test_signature_input_without_signature_is_refused(key: rsa.RSAPrivateKey) -> None:
    headers = rfc9421_headers(key, post_components(), PARAMS)
    del headers["Signature"]

    with pytest.raises(SignatureError, match="no Signature header"):
        verify_post(key, post_request(headers))


def test_labels_that_do_not_match_are_refused(key: rsa.RSAPrivateKey) -> None:
    headers = rfc9421_headers(key, post_components(), PARAMS)
    headers["Signature"] = headers["Signature"].replace("sig1=", "other=", 1)

    with pytest.raises(SignatureError, match="no 'sig1' entry"):
        verify_post(key, post_request(headers))


def test_any_label_is_accepted(key: rsa.RSAPrivateKey) -> None:
    verify_post(key, post_request(rfc9421_headers(key, post_components(), PARAMS, label="fedify")))


# --- required components ----------------------------------------------------------------------


def test_method_must_be_covered(key: rsa.RSAPrivateKey) -> None:
    components = [c for c in post_components() if c[0] != "@method"]

    with pytest.raises(SignatureError, match="must cover @method"):
        verify_post(key, post_request(rfc9421_headers(key, components, PARAMS)))


def test_target_must_be_covered(key: rsa.RSAPrivateKey) -> None:
    components = [c for c in post_components() if c[0] != "@target-uri"]

    with pytest.raises(SignatureError, match="must cover @target-uri"):
        verify_post(key, post_request(rfc9421_headers(key, components, PARAMS)))


@pytest.mark.parametrize("path_component", [("@path", "/inbox"), ("@request-target", "/inbox")])
def test_authority_with_path_covers_the_target(
    key: rsa.RSAPrivateKey, path_component: tuple[str, str]
) -> None:
    components = [
        ("@method", "POST"),
        ("@authority", HOST),
        path_component,
        ("content-digest", CONTENT_DIGEST),
    ]

    verify_post(key, post_request(rfc9421_headers(key, components, PARAMS)))


def test_post_without_content_digest_covered_is_refused(key: rsa.RSAPrivateKey) -> None:
    components = post_components()[:3]

    with pytest.raises(SignatureError, match="POST must cover the Content-Digest"):
        verify_post(key, post_request(rfc9421_headers(key, components, PARAMS)))


def test_covered_content_digest_missing_from_request_is_refused(key: rsa.RSAPrivateKey) -> None:
    headers = received({"host": HOST, **rfc9421_headers(key, post_components(), PARAMS)})

    with pytest.raises(SignatureError, match="has no content-digest header"):
        verify_post(key, headers)


def test_content_digest_mismatch_is_refused_even_when_signed(key: rsa.RSAPrivateKey) -> None:
    other = content_digest_header(b"another body")
    headers = post_request(
        rfc9421_headers(key, post_components(other), PARAMS), **{"content-digest": other}
    )

    with pytest.raises(SignatureError, match="does not match the body"):
        verify_post(key, headers)


def test_content_digest_without_sha256_is_refused(key: rsa.RSAPrivateKey) -> None:
    sha512_only = "sha-512=:" + "A" * 86 + "==:"
    headers = post_request(
        rfc9421_headers(key, post_components(sha512_only), PARAMS),
        **{"content-digest": sha512_only},
    )

    with pytest.raises(SignatureError, match="no sha-256 entry"):
        verify_post(key, headers)


def test_get_needs_no_content_digest(key: rsa.RSAPrivateKey) -> None:
    components = [("@method", "GET"), ("@target-uri", f"https://{HOST}/u/bob")]
    headers = received({"host": HOST, **rfc9421_headers(key, components, PARAMS)})

    parsed = parse_signature("GET", "/u/bob", headers)

    verify_signature(parsed, key.public_key(), b"", now=NOW)


# --- components we refuse ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("component", "reason"),
    [
        ('"@status"', "does not support"),
        ('"@query-param";name="page"', "has parameters"),
        ('"content-digest";sf', "has parameters"),
        ('"signature";key="sig0"', "has parameters"),
        ('"Host"', "cannot be a covered component"),
        ('"@signature-params"', "cannot be a covered component"),
        ('"@method"', "covered twice"),
    ],
)
def test_unsupported_or_invalid_components_are_refused(component: str, reason: str) -> None:
    signature_input = (
        f'sig1=("@method" "@target-uri" {component});created={NOW_TIMESTAMP};keyid="{KEY_ID}"'
    )
    headers = received(
        {"host": HOST, "signature-input": signature_input, "signature": "sig1=:YWJj:"}
    )

    with pytest.raises(SignatureError, match=reason):
        parse_signature("GET", "/u/bob", headers)


# --- the signature base -----------------------------------------------------------------------


def base_for(method: str, target: str, headers: dict[str, str] | Headers, components: str) -> str:
    """The signature base the parser builds (the signature itself is not checked here)."""
    signature_input = f'sig1=({components});created=1618884473;keyid="k"'
    if isinstance(headers, Headers):
        raw = [*headers.raw, (b"signature-input", signature_input.encode())]
        raw.append((b"signature", b"sig1=:YWJj:"))
        request_headers: dict[str, str] | Headers = Headers(raw=raw)
    else:
        request_headers = {
            **headers,
            "signature-input": signature_input,
            "signature": "sig1=:YWJj:",
        }
    parsed = parse_signature(method, target, request_headers)
    assert isinstance(parsed, Rfc9421Signature)
    return parsed.signature_base.decode()


def test_signature_base_of_derived_components() -> None:
    base = base_for(
        "GET",
        "/u/bob/outbox?page=2&x=%20y",
        {"host": "Beta.Example:443"},
        '"@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query"',
    )

    assert base == (
        '"@method": GET\n'
        '"@target-uri": https://beta.example/u/bob/outbox?page=2&x=%20y\n'
        '"@authority": beta.example\n'
        '"@scheme": https\n'
        '"@request-target": /u/bob/outbox?page=2&x=%20y\n'
        '"@path": /u/bob/outbox\n'
        '"@query": ?page=2&x=%20y\n'
        '"@signature-params": ("@method" "@target-uri" "@authority" "@scheme" '
        '"@request-target" "@path" "@query");created=1618884473;keyid="k"'
    )


def test_query_without_query_string_is_a_lone_question_mark() -> None:
    base = base_for("GET", "/u/bob", {"host": HOST}, '"@method" "@target-uri" "@query"')

    assert '"@query": ?\n' in base


def test_authority_keeps_a_port_that_is_not_the_default() -> None:
    base = base_for("GET", "/u/bob", {"host": "beta.test:8001"}, '"@method" "@target-uri"')

    assert '"@target-uri": https://beta.test:8001/u/bob\n' in base


def test_scheme_of_our_public_url_is_used() -> None:
    headers = {
        "host": "beta.test",
        "signature-input": 'sig1=("@method" "@target-uri" "@scheme");created=1;keyid="k"',
        "signature": "sig1=:YWJj:",
    }

    parsed = parse_signature("GET", "/u/bob", headers, scheme="http")

    assert isinstance(parsed, Rfc9421Signature)
    assert b'"@target-uri": http://beta.test/u/bob\n"@scheme": http\n' in parsed.signature_base


def test_header_values_are_trimmed_and_repeated_lines_joined() -> None:
    headers = Headers(
        raw=[
            (b"host", HOST.encode()),
            (b"accept", b" application/activity+json "),
            (b"accept", b"application/ld+json"),
            (b"x-empty", b""),
        ]
    )

    base = base_for("GET", "/u/bob", headers, '"@method" "@target-uri" "accept" "x-empty"')

    assert '"accept": application/activity+json, application/ld+json\n' in base
    assert '"x-empty": \n' in base


def test_tampered_covered_header_is_refused(key: rsa.RSAPrivateKey) -> None:
    components = [*post_components(), ("content-type", "application/activity+json")]
    headers = post_request(
        rfc9421_headers(key, components, PARAMS), **{"content-type": "text/html"}
    )

    with pytest.raises(SignatureError, match="does not verify"):
        verify_post(key, headers)


def test_our_signature_covers_the_query(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request_rfc9421(
        "GET", "https://beta.example/u/bob/outbox?page=2", None, KEY_ID, key, now=NOW
    )

    with pytest.raises(SignatureError, match="does not verify"):
        parsed = parse_signature("GET", "/u/bob/outbox?page=3", received(headers))
        verify_signature(parsed, key.public_key(), b"", now=NOW)


def test_signature_made_for_https_fails_when_we_think_we_are_http(key: rsa.RSAPrivateKey) -> None:
    headers = sign_request_rfc9421("POST", INBOX_URL, BODY, KEY_ID, key, now=NOW)

    with pytest.raises(SignatureError, match="does not verify"):
        parsed = parse_signature("POST", "/inbox", received(headers), scheme="http")
        verify_signature(parsed, key.public_key(), BODY, now=NOW)
