"""draft-cavage verification rules: Mastodon's minimum coverage, algorithms, pseudo-headers,
the query-string quirk. Signatures here are built by hand (signing_helpers) so that each test
can send exactly what a peer might."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from federation.digest import digest_header
from federation.signatures import (
    CavageSignature,
    SignatureError,
    parse_signature,
    sign_request,
    verify_signature,
)
from tests.federation.signing_helpers import (
    BODY,
    INBOX_URL,
    KEY_ID,
    NOW,
    NOW_HTTP_DATE,
    NOW_TIMESTAMP,
    cavage_header,
    received,
    rsa_key,
)

HOST = "beta.example"
DIGEST = digest_header(BODY)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa_key("ann")


def post_lines(target: str = "/inbox") -> list[tuple[str, str]]:
    return [
        ("(request-target)", f"post {target}"),
        ("host", HOST),
        ("date", NOW_HTTP_DATE),
        ("digest", DIGEST),
    ]


def post_headers(signature: str) -> dict[str, str]:
    return {"host": HOST, "date": NOW_HTTP_DATE, "digest": DIGEST, "signature": signature}


def get_lines(target: str = "/u/bob") -> list[tuple[str, str]]:
    return [("(request-target)", f"get {target}"), ("host", HOST), ("date", NOW_HTTP_DATE)]


def get_headers(signature: str) -> dict[str, str]:
    return {"host": HOST, "date": NOW_HTTP_DATE, "signature": signature}


def verify_post(key: rsa.RSAPrivateKey, headers: dict[str, str], body: bytes = BODY) -> None:
    parsed = parse_signature("POST", "/inbox", received(headers))
    verify_signature(parsed, key.public_key(), body, now=NOW)


# --- algorithms -------------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "hs2019", "RSA-SHA256", None])
def test_rsa_sha256_hs2019_and_a_missing_algorithm_are_accepted(
    key: rsa.RSAPrivateKey, algorithm: str | None
) -> None:
    # Given a POST signed by an RSA key, naming its algorithm (or not: then it means hs2019)
    signature = cavage_header(key, post_lines(), algorithm=algorithm)

    # Then it verifies
    verify_post(key, post_headers(signature))


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "ed25519", "hmac-sha256", "ecdsa-sha256", ""])
def test_unsupported_algorithm_is_refused(key: rsa.RSAPrivateKey, algorithm: str) -> None:
    signature = cavage_header(key, post_lines(), algorithm=algorithm)

    with pytest.raises(SignatureError, match="unsupported signature algorithm"):
        verify_post(key, post_headers(signature))


def test_missing_algorithm_is_reported_as_hs2019(key: rsa.RSAPrivateKey) -> None:
    parsed = parse_signature(
        "POST", "/inbox", received(post_headers(cavage_header(key, post_lines(), algorithm=None)))
    )

    assert isinstance(parsed, CavageSignature)
    assert parsed.algorithm == "hs2019"


# --- Mastodon's minimum coverage --------------------------------------------------------------


def test_post_without_digest_in_the_signature_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a POST whose signature leaves the Digest out (so the body could be anything)
    signature = cavage_header(key, post_lines()[:3])

    with pytest.raises(SignatureError, match="POST must cover the Digest header"):
        verify_post(key, post_headers(signature))


def test_get_without_host_in_the_signature_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, [("(request-target)", "get /u/bob"), ("date", NOW_HTTP_DATE)])

    with pytest.raises(SignatureError, match="must cover the Host header"):
        parse_signature("GET", "/u/bob", received(get_headers(signature)))


def test_post_without_host_in_the_signature_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a POST whose signature covers the path, date and digest but not the Host: it would
    # verify at any other server with the same inbox path
    lines = [line for line in post_lines() if line[0] != "host"]

    # Then it is refused (Mastodon requires Host on GETs only)
    with pytest.raises(SignatureError, match="must cover the Host header"):
        verify_post(key, post_headers(cavage_header(key, lines)))


def test_signature_without_date_or_created_is_refused(key: rsa.RSAPrivateKey) -> None:
    lines = [line for line in post_lines() if line[0] != "date"]

    with pytest.raises(SignatureError, match="must cover the Date header or \\(created\\)"):
        verify_post(key, post_headers(cavage_header(key, lines)))


def test_get_without_request_target_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, [("host", HOST), ("date", NOW_HTTP_DATE)])

    with pytest.raises(SignatureError, match="must cover \\(request-target\\)"):
        parse_signature("GET", "/u/bob", received(get_headers(signature)))


def test_post_covering_digest_but_not_request_target_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a POST signed over host, date and digest only (Mastodon accepts it: the digest pins
    # the body), captured on its way to /c/one/inbox
    lines = [line for line in post_lines() if line[0] != "(request-target)"]
    headers = post_headers(cavage_header(key, lines))

    # When it is replayed to another inbox on the same server, it is refused: nothing in the
    # signature says which inbox it was meant for
    for target in ("/c/one/inbox", "/c/other/inbox"):
        with pytest.raises(SignatureError, match="must cover \\(request-target\\)"):
            parse_signature("POST", target, received(headers))


def test_headers_in_any_order_are_accepted(key: rsa.RSAPrivateKey) -> None:
    verify_post(key, post_headers(cavage_header(key, list(reversed(post_lines())))))


def test_missing_headers_parameter_defaults_to_too_little_coverage(key: rsa.RSAPrivateKey) -> None:
    # Without headers="...", an hs2019 signature covers only (created): not enough for a POST
    signature = f'keyId="{KEY_ID}",signature="YWJj"'

    with pytest.raises(SignatureError, match="must cover"):
        verify_post(key, post_headers(signature))


# --- headers the signature names must be there ------------------------------------------------


def test_missing_date_header_is_refused(key: rsa.RSAPrivateKey) -> None:
    headers = post_headers(cavage_header(key, post_lines()))
    del headers["date"]

    with pytest.raises(SignatureError, match="has no date header"):
        verify_post(key, headers)


def test_missing_digest_header_is_refused(key: rsa.RSAPrivateKey) -> None:
    headers = post_headers(cavage_header(key, post_lines()))
    del headers["digest"]

    with pytest.raises(SignatureError, match="has no digest header"):
        verify_post(key, headers)


def test_any_covered_header_must_be_present(key: rsa.RSAPrivateKey) -> None:
    lines = [*post_lines(), ("content-type", "application/activity+json")]

    with pytest.raises(SignatureError, match="has no content-type header"):
        verify_post(key, post_headers(cavage_header(key, lines)))


def test_unparsable_date_is_refused(key: rsa.RSAPrivateKey) -> None:
    lines = [(name, "wrong date" if name == "date" else value) for name, value in post_lines()]
    headers = {**post_headers(cavage_header(key, lines)), "date": "wrong date"}

    with pytest.raises(SignatureError, match="not an HTTP date"):
        verify_post(key, headers)


# --- digest -----------------------------------------------------------------------------------


def test_digest_mismatch_is_refused_even_when_signed(key: rsa.RSAPrivateKey) -> None:
    # Given a correctly signed Digest that is not the digest of the body sent
    other_digest = digest_header(b"another body")
    lines = [(name, other_digest if name == "digest" else value) for name, value in post_lines()]
    headers = {**post_headers(cavage_header(key, lines)), "digest": other_digest}

    with pytest.raises(SignatureError, match="does not match the body"):
        verify_post(key, headers)


def test_digest_without_sha256_is_refused(key: rsa.RSAPrivateKey) -> None:
    sha512_only = "SHA-512=" + "A" * 86 + "=="
    lines = [(name, sha512_only if name == "digest" else value) for name, value in post_lines()]
    headers = {**post_headers(cavage_header(key, lines)), "digest": sha512_only}

    with pytest.raises(SignatureError, match="no SHA-256 entry"):
        verify_post(key, headers)


def test_digest_with_several_algorithms_is_accepted(key: rsa.RSAPrivateKey) -> None:
    several = f"SHA-512={'A' * 86}==,{DIGEST}"
    lines = [(name, several if name == "digest" else value) for name, value in post_lines()]

    verify_post(key, {**post_headers(cavage_header(key, lines)), "digest": several})


# --- tampering --------------------------------------------------------------------------------


def test_tampered_signed_header_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a valid signature whose Date was moved by one second after signing
    headers = {
        **post_headers(cavage_header(key, post_lines())),
        "date": "Thu, 15 Jan 2026 12:00:01 GMT",
    }

    with pytest.raises(SignatureError, match="does not verify"):
        verify_post(key, headers)


def test_tampered_method_is_refused(key: rsa.RSAPrivateKey) -> None:
    lines = [("(request-target)", "get /inbox"), *post_lines()[1:]]

    with pytest.raises(SignatureError, match="does not verify"):
        verify_post(key, post_headers(cavage_header(key, lines)))


def test_unsigned_extra_headers_do_not_matter(key: rsa.RSAPrivateKey) -> None:
    verify_post(
        key,
        {**post_headers(cavage_header(key, post_lines())), "x-forwarded-for": "10.0.0.1"},
    )


# --- (request-target) and the query string ----------------------------------------------------


def test_request_target_signed_with_query_is_accepted(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, get_lines("/u/bob/outbox?page=2"))

    parsed = parse_signature("GET", "/u/bob/outbox?page=2", received(get_headers(signature)))

    verify_signature(parsed, key.public_key(), b"", now=NOW)


def test_request_target_signed_without_query_is_accepted(key: rsa.RSAPrivateKey) -> None:
    # Older Mastodon versions left the query string out of (request-target); Mastodon still
    # accepts that, and so do we
    signature = cavage_header(key, get_lines("/u/bob/outbox"))

    parsed = parse_signature("GET", "/u/bob/outbox?page=2", received(get_headers(signature)))

    verify_signature(parsed, key.public_key(), b"", now=NOW)


def test_request_target_signed_with_another_query_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, get_lines("/u/bob/outbox?page=2"))

    parsed = parse_signature("GET", "/u/bob/outbox?page=3", received(get_headers(signature)))

    with pytest.raises(SignatureError, match="does not verify"):
        verify_signature(parsed, key.public_key(), b"", now=NOW)


def test_our_signature_covers_the_query(key: rsa.RSAPrivateKey) -> None:
    # Given a GET we signed for page 2, when it is replayed for page 3, then it fails
    headers = sign_request(
        "GET", "https://beta.example/u/bob/outbox?page=2", None, KEY_ID, key, now=NOW
    )

    with pytest.raises(SignatureError, match="does not verify"):
        parsed = parse_signature("GET", "/u/bob/outbox?page=3", received(headers))
        verify_signature(parsed, key.public_key(), b"", now=NOW)


# --- (created) and (expires) ------------------------------------------------------------------


def created_lines(created: int, expires: int | None = None) -> list[tuple[str, str]]:
    lines = [("(request-target)", "post /inbox"), ("host", HOST), ("(created)", str(created))]
    if expires is not None:
        lines.append(("(expires)", str(expires)))
    return [*lines, ("digest", DIGEST)]


def created_params(created: int, expires: int | None = None) -> str:
    return f",created={created}" + (f",expires={expires}" if expires is not None else "")


def test_created_and_expires_with_hs2019_are_accepted(key: rsa.RSAPrivateKey) -> None:
    # Given an hs2019 signature dated by (created) instead of a Date header
    expires = NOW_TIMESTAMP + 300
    signature = cavage_header(
        key,
        created_lines(NOW_TIMESTAMP, expires),
        algorithm="hs2019",
        extra_params=created_params(NOW_TIMESTAMP, expires),
    )
    headers = {"host": HOST, "digest": DIGEST, "signature": signature}

    verify_post(key, headers)


def test_created_with_rsa_sha256_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(
        key,
        created_lines(NOW_TIMESTAMP),
        algorithm="rsa-sha256",
        extra_params=created_params(NOW_TIMESTAMP),
    )

    with pytest.raises(SignatureError, match="only valid with algorithm hs2019"):
        verify_post(key, {"host": HOST, "digest": DIGEST, "signature": signature})


def test_covered_created_without_created_parameter_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, created_lines(NOW_TIMESTAMP), algorithm="hs2019")

    with pytest.raises(SignatureError, match="no created parameter"):
        verify_post(key, {"host": HOST, "digest": DIGEST, "signature": signature})


def test_created_too_old_is_refused(key: rsa.RSAPrivateKey) -> None:
    created = NOW_TIMESTAMP - 2 * 60 * 60
    signature = cavage_header(
        key, created_lines(created), algorithm="hs2019", extra_params=created_params(created)
    )

    with pytest.raises(SignatureError, match=r"created parameter is .* seconds old"):
        verify_post(key, {"host": HOST, "digest": DIGEST, "signature": signature})


def test_expired_signature_is_refused(key: rsa.RSAPrivateKey) -> None:
    # Given a signature made 30 minutes ago that its sender said expires after 10 seconds
    created = NOW_TIMESTAMP - 30 * 60
    expires = created + 10
    signature = cavage_header(
        key,
        created_lines(created, expires),
        algorithm="hs2019",
        extra_params=created_params(created, expires),
    )
    parsed = parse_signature(
        "POST", "/inbox", received({"host": HOST, "digest": DIGEST, "signature": signature})
    )

    # Then it is still good within the clock skew margin, and refused after it
    verify_signature(parsed, key.public_key(), BODY, now=NOW)
    with pytest.raises(SignatureError, match="expired"):
        verify_signature(parsed, key.public_key(), BODY, now=NOW + timedelta(minutes=31))


@pytest.mark.parametrize("created", ["soon", "-1", "1e9", ""])
def test_created_that_is_not_a_timestamp_is_refused(key: rsa.RSAPrivateKey, created: str) -> None:
    lines = [
        ("(request-target)", "post /inbox"),
        ("host", HOST),
        ("(created)", created),
        ("digest", DIGEST),
    ]
    signature = cavage_header(key, lines, algorithm="hs2019", extra_params=f',created="{created}"')

    with pytest.raises(SignatureError):
        verify_post(key, {"host": HOST, "digest": DIGEST, "signature": signature})


# --- where the signature is found -------------------------------------------------------------


def test_authorization_signature_header_is_accepted(key: rsa.RSAPrivateKey) -> None:
    headers = post_headers(cavage_header(key, post_lines()))
    headers["authorization"] = "Signature " + headers.pop("signature")

    verify_post(key, headers)


def test_parameters_with_spaces_after_commas_are_accepted(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, post_lines()).replace('",', '", ')

    verify_post(key, post_headers(signature))


def test_repeated_parameter_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, post_lines()) + f',keyId="{KEY_ID}"'

    with pytest.raises(SignatureError, match="repeats the 'keyid' parameter"):
        verify_post(key, post_headers(signature))


def test_unknown_pseudo_header_is_refused(key: rsa.RSAPrivateKey) -> None:
    signature = cavage_header(key, [*post_lines(), ("(foo)", "bar")])

    with pytest.raises(SignatureError, match="unknown pseudo-header"):
        verify_post(key, post_headers(signature))


def test_key_id_is_available_before_the_key_is(key: rsa.RSAPrivateKey) -> None:
    parsed = parse_signature(
        "POST",
        "/inbox",
        received(
            sign_request("POST", INBOX_URL, BODY, "https://alpha.example/actor#main-key", key)
        ),
    )

    assert parsed.key_id == "https://alpha.example/actor#main-key"
