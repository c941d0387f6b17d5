"""Signed POST delivery against a real loopback server: results, bounds and retry decisions."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.deliver import (
    ACTIVITY_JSON,
    DeliveryClient,
    DeliveryResult,
    Done,
    GiveUp,
    RetryAt,
    next_step,
    request_url,
)
from federation.fetch_errors import RequestRefusedError
from federation.signatures import parse_signature, sign_request, verify_signature
from tests.federation.local_http import resolver_for, serve, unused_port
from tests.federation.signing_helpers import rsa_key

USER_AGENT = "fedcop-test/1.0 (+https://fedcop.test/)"
ACTIVITY = b'{"id": "https://fedcop.test/activities/1", "type": "Create"}'


@dataclass
class Inbox:
    """What the test server received; counters are touched only from the server's event loop."""

    bodies: list[bytes] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    client_ports: list[int] = field(default_factory=list)
    in_flight: Counter[str] = field(default_factory=Counter)
    most_in_flight: Counter[str] = field(default_factory=Counter)
    total_in_flight: int = 0
    most_total_in_flight: int = 0


INBOX = Inbox()


async def inbox(request: Request) -> Response:
    INBOX.bodies.append(await request.body())
    INBOX.headers.append(dict(request.headers))
    if request.client is not None:
        INBOX.client_ports.append(request.client.port)
    return Response(status_code=202)


async def slow_inbox(request: Request) -> Response:
    host = request.headers["host"].rsplit(":", 1)[0]
    INBOX.in_flight[host] += 1
    INBOX.total_in_flight += 1
    INBOX.most_in_flight[host] = max(INBOX.most_in_flight[host], INBOX.in_flight[host])
    INBOX.most_total_in_flight = max(INBOX.most_total_in_flight, INBOX.total_in_flight)
    try:
        await request.body()
        await asyncio.sleep(0.05)
    finally:
        INBOX.in_flight[host] -= 1
        INBOX.total_in_flight -= 1
    return Response(status_code=202)


async def answer_with(request: Request) -> Response:
    await request.body()
    headers = {}
    if "retry_after" in request.query_params:
        headers["Retry-After"] = request.query_params["retry_after"]
    body = request.query_params.get("body", "")
    return Response(body, status_code=int(request.path_params["code"]), headers=headers)


async def stall(request: Request) -> Response:
    await asyncio.sleep(3)
    return Response(status_code=202)


async def redirect(request: Request) -> Response:
    await request.body()
    return Response(status_code=302, headers={"Location": "/inbox"})


async def huge_error(request: Request) -> Response:
    await request.body()
    return Response(b"x" * (1024 * 1024), status_code=500)


async def set_cookie(request: Request) -> Response:
    INBOX.headers.append(dict(request.headers))
    await request.body()
    return Response(status_code=202, headers={"Set-Cookie": "session=peer-chosen; Path=/"})


APP = Starlette(
    routes=[
        Route("/inbox", inbox, methods=["POST"]),
        Route("/slow-inbox", slow_inbox, methods=["POST"]),
        Route("/status/{code}", answer_with, methods=["POST"]),
        Route("/stall", stall, methods=["POST"]),
        Route("/redirect", redirect, methods=["POST"]),
        Route("/huge-error", huge_error, methods=["POST"]),
        Route("/set-cookie", set_cookie, methods=["POST"]),
    ]
)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(APP) as port:
        yield port


@pytest.fixture(autouse=True)
def fresh_inbox() -> None:
    global INBOX
    INBOX = Inbox()


class RecordingSigner:
    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, str]:
        self.calls.append((method, url, dict(headers), body))
        return {"Signature": f'keyId="https://fedcop.test/actor#main-key",signed="{url}"'}


def loopback_client(
    *, allow_private_addresses: bool = True, allow_http: bool = True, **options: Any
) -> DeliveryClient:
    """A DeliveryClient as a test node on loopback uses it."""
    return DeliveryClient(
        user_agent=USER_AGENT,
        allow_private_addresses=allow_private_addresses,
        allow_http=allow_http,
        **options,
    )


def rng() -> random.Random:
    return random.Random(7)  # noqa: S311 (delivery jitter, not a secret)


async def test_a_delivery_is_signed_and_posted_as_activity_json(port: int) -> None:
    signer = RecordingSigner()
    url = f"http://127.0.0.1:{port}/inbox"

    async with loopback_client() as client:
        result = await client.post(url, ACTIVITY, signer)

    assert result == DeliveryResult(url, status=202)
    assert result.delivered
    assert next_step(result, 1, rng()) == Done()
    [(method, signed_url, headers, body)] = signer.calls
    assert (method, signed_url, body) == ("POST", url, ACTIVITY)
    assert headers["content-type"] == ACTIVITY_JSON
    assert headers["host"] == f"127.0.0.1:{port}"
    assert INBOX.bodies == [ACTIVITY]
    [received] = INBOX.headers
    assert received["content-type"] == ACTIVITY_JSON
    assert received["user-agent"] == USER_AGENT
    assert received["signature"].endswith(f'signed="{url}"')


async def test_deliveries_to_one_host_reuse_a_connection(port: int) -> None:
    async with loopback_client() as client:
        for _ in range(3):
            await client.post(f"http://127.0.0.1:{port}/inbox", ACTIVITY, RecordingSigner())
    assert len(set(INBOX.client_ports)) == 1


async def test_concurrency_per_host_is_bounded(port: int) -> None:
    # Given a per-host limit of 3 and 24 deliveries to one host at once
    async with loopback_client(per_host_concurrency=3) as client:
        url = f"http://127.0.0.1:{port}/slow-inbox"
        results = await asyncio.gather(
            *(client.post(url, ACTIVITY, RecordingSigner()) for _ in range(24))
        )
    # Then all arrive, never more than 3 at a time, and more than one at a time
    assert all(result.delivered for result in results)
    assert 1 < INBOX.most_in_flight["127.0.0.1"] <= 3


async def test_overall_concurrency_is_bounded_across_hosts(port: int) -> None:
    # Given two hosts (two names for the same server), 4 per host, 5 overall
    async with loopback_client(per_host_concurrency=4, total_concurrency=5) as client:
        urls = [f"http://{host}:{port}/slow-inbox" for host in ("127.0.0.1", "localhost")]
        results = await asyncio.gather(
            *(client.post(url, ACTIVITY, RecordingSigner()) for url in urls for _ in range(12))
        )
    assert all(result.delivered for result in results)
    assert INBOX.most_total_in_flight <= 5
    assert max(INBOX.most_in_flight.values()) <= 4
    assert set(INBOX.most_in_flight) == {"127.0.0.1", "localhost"}


async def test_retry_after_in_seconds_is_reported_and_honoured(port: int) -> None:
    async with loopback_client() as client:
        url = f"http://127.0.0.1:{port}/status/503?retry_after=7200"
        result = await client.post(url, ACTIVITY, RecordingSigner())
    assert (result.status, result.retry_after) == (503, 7200.0)
    decision = next_step(result, 1, rng())
    assert isinstance(decision, RetryAt)
    assert decision.delay >= 7200


async def test_retry_after_as_an_http_date_is_reported(port: int) -> None:
    when = formatdate(time.time() + 600, usegmt=True)
    async with loopback_client() as client:
        result = await client.post(
            f"http://127.0.0.1:{port}/status/429?retry_after={when}", ACTIVITY, RecordingSigner()
        )
    assert result.status == 429
    assert result.retry_after is not None
    assert 400 < result.retry_after <= 600


async def test_a_client_error_gives_up_and_keeps_the_peers_explanation(port: int) -> None:
    async with loopback_client() as client:
        result = await client.post(
            f"http://127.0.0.1:{port}/status/403?body=blocked%20instance",
            ACTIVITY,
            RecordingSigner(),
        )
    assert result.status == 403
    assert result.error is not None
    assert "HTTP 403: blocked instance" in result.error
    assert isinstance(next_step(result, 1, rng()), GiveUp)


async def test_a_network_error_is_a_result_that_is_retried() -> None:
    url = f"http://127.0.0.1:{unused_port()}/inbox"
    async with loopback_client() as client:
        result = await client.post(url, ACTIVITY, RecordingSigner())
    assert result.status is None
    assert result.error is not None
    assert url in result.error
    assert not result.refused
    assert isinstance(next_step(result, 1, rng()), RetryAt)


async def test_a_stalled_inbox_times_out_into_a_result(port: int) -> None:
    async with loopback_client(read_timeout=0.2) as client:
        result = await client.post(f"http://127.0.0.1:{port}/stall", ACTIVITY, RecordingSigner())
    assert result.status is None
    assert result.error is not None
    assert "did not answer in time" in result.error


async def test_the_overall_deadline_ends_a_delivery(port: int) -> None:
    async with loopback_client(read_timeout=5, deadline=0.3) as client:
        result = await client.post(f"http://127.0.0.1:{port}/stall", ACTIVITY, RecordingSigner())
    assert result.status is None
    assert result.error is not None
    assert "no complete answer" in result.error


async def test_a_blocked_address_is_refused_and_never_retried(port: int) -> None:
    async with loopback_client(allow_private_addresses=False) as client:
        result = await client.post(f"http://127.0.0.1:{port}/inbox", ACTIVITY, RecordingSigner())
    assert result.refused
    assert result.error is not None
    assert "loopback" in result.error
    assert INBOX.bodies == []
    decision = next_step(result, 1, rng())
    assert isinstance(decision, GiveUp)
    assert "refused" in decision.reason


@pytest.mark.parametrize("url", ["http://social.example/inbox", "ftp://social.example/inbox", "x"])
async def test_a_disallowed_url_is_refused_without_sending(url: str) -> None:
    async with loopback_client(allow_http=False) as client:
        result = await client.post(url, ACTIVITY, RecordingSigner())
    assert result.refused
    assert result.status is None


def test_concurrency_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        DeliveryClient(user_agent=USER_AGENT, per_host_concurrency=0)


async def test_the_signers_headers_are_sent_unchanged_and_host_carries_the_port(port: int) -> None:
    # Given fedcop's real signer, which computes Host (with the port) from the URL itself
    key = rsa_key("deliver")
    seen: list[tuple[str, dict[str, str]]] = []

    def signer(
        method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, str]:
        signed = sign_request(method, url, body, "https://fedcop.test/actor#main-key", key)
        seen.append((url, signed))
        return signed

    # When a delivery goes to a name on a non-default port, with a query string
    url = f"http://inbox.test:{port}/inbox?to=m%C3%BC"
    async with loopback_client(resolver=resolver_for({"inbox.test": ["127.0.0.1"]})) as client:
        result = await client.post(url, ACTIVITY, signer)

    # Then the signer was asked for that very URL, and its headers arrived byte for byte
    assert result.delivered, result.error
    [(signed_url, signed)] = seen
    assert signed_url == url == request_url(url, allow_http=True)
    assert signed["Host"] == f"inbox.test:{port}"
    [received] = INBOX.headers
    for name, value in signed.items():
        assert received[name.lower()] == value
    # And the inbox verifies the signature over what it received
    parsed = parse_signature("POST", "/inbox?to=m%C3%BC", received, scheme="http")
    verify_signature(parsed, key.public_key(), INBOX.bodies[0])


def test_request_url_is_the_normalised_url_and_refuses_what_post_refuses() -> None:
    assert request_url("https://Social.Example:443/users/a/inbox") == (
        "https://social.example/users/a/inbox"
    )
    assert request_url("https://bücher.example/inbox") == "https://xn--bcher-kva.example/inbox"
    with pytest.raises(RequestRefusedError):
        request_url("http://social.example/inbox")
    assert request_url("http://social.example/inbox", allow_http=True).startswith("http://")


async def test_a_redirect_is_not_followed_but_retried(port: int) -> None:
    async with loopback_client() as client:
        result = await client.post(f"http://127.0.0.1:{port}/redirect", ACTIVITY, RecordingSigner())
    assert result.status == 302
    assert not result.delivered
    assert INBOX.bodies == []  # /inbox, where it pointed, was never asked
    assert isinstance(next_step(result, 1, rng()), RetryAt)


async def test_a_huge_answer_is_read_only_in_part(port: int) -> None:
    async with loopback_client() as client:
        result = await client.post(
            f"http://127.0.0.1:{port}/huge-error", ACTIVITY, RecordingSigner()
        )
        # The connection that still had most of the answer pending was dropped, not drained;
        # the next delivery opens a fresh one and gets through.
        after = await client.post(f"http://127.0.0.1:{port}/inbox", ACTIVITY, RecordingSigner())
    assert result.status == 500
    assert result.error is not None
    assert len(result.error) < 700
    assert after.delivered


async def test_cookies_from_peers_are_not_kept(port: int) -> None:
    async with loopback_client() as client:
        for _ in range(2):
            result = await client.post(
                f"http://127.0.0.1:{port}/set-cookie", ACTIVITY, RecordingSigner()
            )
            assert result.delivered
    assert [headers.get("cookie") for headers in INBOX.headers] == [None, None]


def _serve_raw(answer: bytes) -> tuple[int, threading.Thread]:
    """A one-shot TCP server that sends `answer` to the first connection and hangs up."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)

    def run() -> None:
        with listener, listener.accept()[0] as connection:
            connection.recv(65536)
            connection.sendall(answer)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return listener.getsockname()[1], thread


@pytest.mark.parametrize(
    "answer",
    [
        b"this is not HTTP at all\r\n\r\n",
        b"HTTP/1.1 202 Accepted\r\nContent-Length: 100\r\n\r\ntruncated",
        b"HTTP/1.1 202 Accepted\r\nX-Long: " + b"a" * 10_000 + b"\r\n\r\n",
        b"",
    ],
    ids=["not-http", "truncated-body", "header-too-long", "hang-up"],
)
async def test_a_broken_answer_is_a_result_that_is_retried(answer: bytes) -> None:
    raw_port, thread = _serve_raw(answer)
    url = f"http://127.0.0.1:{raw_port}/inbox"
    async with loopback_client() as client:
        result = await client.post(url, ACTIVITY, RecordingSigner())
    thread.join(timeout=10)
    assert result.status is None
    assert result.error is not None
    assert url in result.error
    assert not result.refused
    assert isinstance(next_step(result, 1, rng()), RetryAt)


async def test_posting_after_close_is_a_programming_error() -> None:
    client = loopback_client()
    await client.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await client.post("http://127.0.0.1:1/inbox", ACTIVITY, RecordingSigner())


async def test_a_slow_lookup_counts_against_the_connect_timeout() -> None:
    async def slow(host: str, port: int) -> list[str]:
        await asyncio.sleep(2)
        return ["127.0.0.1"]

    async with loopback_client(connect_timeout=0.2, resolver=slow) as client:
        started = time.monotonic()
        result = await client.post("http://slow.test/inbox", ACTIVITY, RecordingSigner())
    assert time.monotonic() - started < 1.5
    assert result.status is None
    assert result.error == "could not connect to http://slow.test/inbox in time"
    assert isinstance(next_step(result, 1, rng()), RetryAt)
