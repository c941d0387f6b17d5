"""Double-knocking against real servers that verify one scheme with an independent library.

A delivery refused with 401 is signed with the other scheme and sent again at once; the result
says which scheme was accepted and how many requests it took. Signed GETs do the same.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.deliver import DeliveryClient, Done, Knock, RetryAt, next_step
from federation.double_knock import first_scheme
from federation.fetch import Signer, fetch_json
from federation.keys import public_pem_of
from federation.signatures import SignatureScheme, sign_request_as
from tests.federation.local_http import serve
from tests.federation.signing_helpers import KEY_ID, rsa_key
from tests.one_scheme_inbox import OneSchemeServer

USER_AGENT = "fedcop-test/1.0 (+https://fedcop.test/)"
ACTIVITY = b'{"id": "https://fedcop.test/activities/1", "type": "Create"}'


def signer(scheme: SignatureScheme, key_id: str = KEY_ID) -> Signer:
    key = rsa_key("ann")

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return sign_request_as(scheme, method, url, body, key_id, key)

    return sign


def knock(scheme: SignatureScheme) -> Knock:
    return Knock(scheme, signer(scheme))


def other(scheme: SignatureScheme) -> SignatureScheme:
    return "rfc9421" if scheme == "draft-cavage" else "draft-cavage"


@pytest.fixture(params=["rfc9421", "draft-cavage"])
def server(request: pytest.FixtureRequest) -> Iterator[tuple[OneSchemeServer, int]]:
    """A server verifying only the scheme in `request.param`, knowing ann's key."""
    accepts: SignatureScheme = request.param
    state = OneSchemeServer(accepts, keys={KEY_ID: public_pem_of(rsa_key("ann"))})
    with serve(state.app()) as port:
        yield state, port


def client() -> DeliveryClient:
    return DeliveryClient(user_agent=USER_AGENT, allow_private_addresses=True, allow_http=True)


def rng() -> random.Random:
    return random.Random(7)  # noqa: S311 (delivery jitter, not a secret)


async def test_a_refused_first_knock_is_followed_at_once_by_the_other_scheme(
    server: tuple[OneSchemeServer, int],
) -> None:
    state, port = server
    refused = other(state.accepts)
    # When a delivery knocks first with the scheme the server does not verify
    async with client() as delivery:
        result = await delivery.post(
            f"http://127.0.0.1:{port}/inbox",
            ACTIVITY,
            knock(refused),
            second_knock=knock(state.accepts),
        )
    # Then the server refused it with 401 and accepted the same POST signed the other way
    assert state.schemes() == [(refused, 401), (state.accepts, 202)], state.refusals
    assert state.bodies == [ACTIVITY]
    # And the result is the delivery's success, after two knocks, naming the scheme accepted
    assert (result.status, result.error, result.knocks) == (202, None, 2)
    assert result.accepted_scheme == state.accepts
    assert next_step(result, 1, rng()) == Done()


async def test_the_accepted_scheme_first_costs_one_request(
    server: tuple[OneSchemeServer, int],
) -> None:
    state, port = server
    async with client() as delivery:
        result = await delivery.post(
            f"http://127.0.0.1:{port}/inbox",
            ACTIVITY,
            knock(state.accepts),
            second_knock=knock(other(state.accepts)),
        )
    assert state.schemes() == [(state.accepts, 202)]
    assert (result.status, result.knocks, result.accepted_scheme) == (202, 1, state.accepts)


async def test_a_401_to_both_schemes_is_one_failed_attempt_retried_later(
    server: tuple[OneSchemeServer, int],
) -> None:
    state, port = server
    state.keys.clear()  # the server cannot find our key: it refuses every signature
    async with client() as delivery:
        result = await delivery.post(
            f"http://127.0.0.1:{port}/inbox",
            ACTIVITY,
            knock(other(state.accepts)),
            second_knock=knock(state.accepts),
        )
    # Two knocks, both refused, and nothing more in this attempt
    assert state.schemes() == [(other(state.accepts), 401), (state.accepts, 401)]
    assert (result.status, result.knocks, result.accepted_scheme) == (401, 2, None)
    assert result.error is not None
    assert f"HTTP 401 to {other(state.accepts)}" in result.error
    assert isinstance(next_step(result, 1, rng()), RetryAt)


async def test_without_a_second_knock_a_401_is_the_answer(
    server: tuple[OneSchemeServer, int],
) -> None:
    state, port = server
    async with client() as delivery:
        result = await delivery.post(
            f"http://127.0.0.1:{port}/inbox", ACTIVITY, knock(other(state.accepts))
        )
    assert state.schemes() == [(other(state.accepts), 401)]
    assert (result.status, result.knocks, result.scheme) == (401, 1, other(state.accepts))


@pytest.mark.parametrize(
    ("first", "status", "knocked_with"),
    [
        # After draft-cavage only a 401 knocks again: a 400 is about the request itself
        ("draft-cavage", 400, ["draft-cavage"]),
        ("draft-cavage", 403, ["draft-cavage"]),
        ("draft-cavage", 500, ["draft-cavage"]),
        # A server that does not know RFC 9421 may call its Signature header a bad request
        ("rfc9421", 400, ["rfc9421", "draft-cavage"]),
        ("rfc9421", 403, ["rfc9421"]),
        ("rfc9421", 500, ["rfc9421"]),
    ],
)
async def test_which_refusals_knock_again(
    first: SignatureScheme, status: int, knocked_with: list[str]
) -> None:
    seen: list[str] = []

    async def refuse(request: Request) -> Response:
        await request.body()
        seen.append("rfc9421" if "signature-input" in request.headers else "draft-cavage")
        return Response(status_code=status)

    with serve(Starlette(routes=[Route("/inbox", refuse, methods=["POST"])])) as port:
        async with client() as delivery:
            result = await delivery.post(
                f"http://127.0.0.1:{port}/inbox",
                ACTIVITY,
                knock(first),
                second_knock=knock(other(first)),
            )
    assert seen == knocked_with
    assert (result.status, result.knocks) == (status, len(knocked_with))


def test_an_unknown_host_gets_draft_cavage_first_and_a_known_one_its_scheme() -> None:
    assert first_scheme(None) == "draft-cavage"
    assert first_scheme("draft-cavage") == "draft-cavage"
    assert first_scheme("rfc9421") == "rfc9421"
    assert first_scheme("something-newer") == "draft-cavage"


async def test_a_signed_get_refused_with_401_knocks_again_with_the_other_scheme(
    server: tuple[OneSchemeServer, int],
) -> None:
    state, port = server
    url = f"http://127.0.0.1:{port}/object"
    document = await fetch_json(
        url,
        signer=signer(other(state.accepts)),
        second_signer=signer(state.accepts),
        user_agent=USER_AGENT,
        allow_private_addresses=True,
        allow_http=True,
    )
    assert document["id"] == url
    assert state.schemes("GET") == [(other(state.accepts), 401), (state.accepts, 200)]
