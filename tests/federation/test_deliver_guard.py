"""The SSRF guard of the delivery client (aiohttp): every address checked at connect time.

Names are resolved by GuardedResolver, which refuses a name when any of its addresses is not
public; IP-literal URLs, which aiohttp connects to without asking a resolver, are checked before
sending. TLS still verifies the certificate against the URL's name.
"""

from __future__ import annotations

import random
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.aiohttp_guard import GuardedResolver, check_literal_host, is_ip_literal
from federation.deliver import DeliveryClient, GiveUp, RetryAt, next_step
from federation.fetch_errors import BlockedAddressError, InvalidURLError
from tests.federation.local_http import (
    PUBLIC_STAND_IN,
    resolver_for,
    self_signed_certificate,
    serve,
)

USER_AGENT = "fedcop-test/1.0 (+https://fedcop.test/)"
ACTIVITY = b'{"id": "https://fedcop.test/activities/1", "type": "Create"}'


def no_signature(
    method: str, url: str, headers: dict[str, str], body: bytes | None
) -> dict[str, str]:
    return {}


def rng() -> random.Random:
    return random.Random(7)  # noqa: S311 (delivery jitter, not a secret)


class Received:
    def __init__(self) -> None:
        self.hosts: list[str] = []


def inbox_app(received: Received) -> Starlette:
    async def inbox(request: Request) -> Response:
        await request.body()
        received.hosts.append(request.headers["host"])
        return Response(status_code=202)

    return Starlette(routes=[Route("/inbox", inbox, methods=["POST"])])


@pytest.fixture(scope="module")
def received_and_port() -> Iterator[tuple[Received, int]]:
    received = Received()
    with serve(inbox_app(received)) as port:
        yield received, port


@pytest.fixture
def received(received_and_port: tuple[Received, int]) -> Received:
    received_and_port[0].hosts.clear()
    return received_and_port[0]


@pytest.fixture
def port(received_and_port: tuple[Received, int]) -> int:
    return received_and_port[1]


def client(**options: Any) -> DeliveryClient:
    options.setdefault("allow_http", True)
    return DeliveryClient(user_agent=USER_AGENT, **options)


class StandInSocket(socket.socket):
    """A socket that connects to loopback when asked for PUBLIC_STAND_IN (tests only)."""

    def connect(self, address: Any) -> None:
        if address[0] == PUBLIC_STAND_IN:
            address = ("127.0.0.1", *address[1:])
        super().connect(address)


class StandInNetwork:
    """A socket factory for DeliveryClient that records the address of every connection."""

    def __init__(self) -> None:
        self.connected_to: list[str] = []

    def __call__(self, addr_info: Any) -> socket.socket:
        family, kind, proto, _, address = addr_info
        self.connected_to.append(address[0])
        return StandInSocket(family, kind, proto)


# --- GuardedResolver -----------------------------------------------------------------------


async def test_the_resolver_hands_back_the_public_addresses_it_checked() -> None:
    resolver = GuardedResolver(
        resolver=resolver_for({"social.example": [PUBLIC_STAND_IN, "2606:4700::1"]})
    )
    results = await resolver.resolve("social.example", 443, family=socket.AF_UNSPEC)
    assert [(r["host"], r["port"], r["family"]) for r in results] == [
        (PUBLIC_STAND_IN, 443, socket.AF_INET),
        ("2606:4700::1", 443, socket.AF_INET6),
    ]
    assert all(r["hostname"] == "social.example" for r in results)


@pytest.mark.parametrize(
    ("addresses", "reason"),
    [
        (["127.0.0.1"], "loopback"),
        (["10.1.2.3"], "private"),
        (["::1"], "loopback"),
        (["169.254.169.254"], "link-local"),
        # One bad answer among good ones taints the name.
        ([PUBLIC_STAND_IN, "192.168.1.10"], "private"),
    ],
)
async def test_the_resolver_refuses_a_name_with_any_non_public_address(
    addresses: list[str], reason: str
) -> None:
    resolver = GuardedResolver(resolver=resolver_for({"sneaky.example": addresses}))
    with pytest.raises(BlockedAddressError, match=reason) as caught:
        await resolver.resolve("sneaky.example", 443, family=socket.AF_UNSPEC)
    assert caught.value.host == "sneaky.example"


async def test_the_resolver_allows_private_addresses_only_when_told() -> None:
    resolver = GuardedResolver(
        allow_private_addresses=True, resolver=resolver_for({"dev.test": ["127.0.0.1"]})
    )
    [result] = await resolver.resolve("dev.test", 80, family=socket.AF_UNSPEC)
    assert result["host"] == "127.0.0.1"


async def test_the_resolver_checks_every_lookup_anew() -> None:
    # Given a name that answers a public address first and loopback the second time
    answers = iter([[PUBLIC_STAND_IN], ["127.0.0.1"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    resolver = GuardedResolver(resolver=rebinding)
    assert (await resolver.resolve("rebind.example", 443))[0]["host"] == PUBLIC_STAND_IN
    with pytest.raises(BlockedAddressError, match="loopback"):
        await resolver.resolve("rebind.example", 443)


async def test_a_name_without_addresses_is_a_lookup_failure() -> None:
    resolver = GuardedResolver(resolver=resolver_for({"empty.example": []}))
    with pytest.raises(OSError, match="no addresses"):
        await resolver.resolve("empty.example", 443)


# --- IP literals ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "literal"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("2130706433", True),
        ("127.1", True),
        ("social.example", False),
        ("0x7f.0.0.1", False),  # goes to the resolver, whose answer is checked
    ],
)
def test_which_hosts_aiohttp_treats_as_ip_literals(host: str, literal: bool) -> None:
    assert is_ip_literal(host) is literal


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.5", "::1", "::ffff:127.0.0.1", "fe80::1"])
def test_a_non_public_ip_literal_is_refused(host: str) -> None:
    with pytest.raises(BlockedAddressError):
        check_literal_host(host, allow_private_addresses=False, url="x")
    check_literal_host(host, allow_private_addresses=True, url="x")


@pytest.mark.parametrize("host", ["2130706433", "127.1", "017700000001", "1:2"])
def test_a_host_that_looks_like_an_ip_but_is_not_one_is_refused(host: str) -> None:
    for allow_private_addresses in (False, True):
        with pytest.raises(InvalidURLError, match="not a valid IP address"):
            check_literal_host(host, allow_private_addresses=allow_private_addresses, url="x")


def test_a_public_ip_literal_and_a_name_pass() -> None:
    check_literal_host(PUBLIC_STAND_IN, allow_private_addresses=False, url="x")
    check_literal_host("2606:4700::1", allow_private_addresses=False, url="x")
    check_literal_host("social.example", allow_private_addresses=False, url="x")


# --- DeliveryClient end to end -------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "reason"),
    [("127.0.0.1", "loopback"), ("[::1]", "loopback"), ("[::ffff:127.0.0.1]", "IPv4-mapped")],
)
async def test_a_delivery_to_a_non_public_ip_literal_is_refused(
    received: Received, port: int, host: str, reason: str
) -> None:
    async with client() as delivery:
        result = await delivery.post(f"http://{host}:{port}/inbox", ACTIVITY, no_signature)
    assert result.refused
    assert result.error is not None
    assert reason in result.error
    assert isinstance(next_step(result, 1, rng()), GiveUp)
    assert received.hosts == []


async def test_a_delivery_to_a_name_resolving_to_a_private_address_is_refused(
    received: Received, port: int
) -> None:
    resolver = resolver_for({"inbox.test": ["127.0.0.1"], "mixed.test": [PUBLIC_STAND_IN, "::1"]})
    async with client(resolver=resolver) as delivery:
        for name in ("inbox.test", "mixed.test"):
            result = await delivery.post(f"http://{name}:{port}/inbox", ACTIVITY, no_signature)
            assert result.refused, name
            assert result.error is not None
            assert "loopback" in result.error
            assert f"refused to connect to {name}" in result.error
    assert received.hosts == []


async def test_a_name_that_does_not_resolve_is_a_network_failure_not_a_refusal() -> None:
    async def nothing(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async with client(resolver=nothing) as delivery:
        result = await delivery.post("https://nowhere.example/inbox", ACTIVITY, no_signature)
    assert not result.refused
    assert result.status is None
    assert result.error is not None
    assert "nowhere.example" in result.error
    assert isinstance(next_step(result, 1, rng()), RetryAt)


async def test_the_delivery_connects_to_the_address_the_resolver_checked(
    received: Received, port: int
) -> None:
    # Given a name that exists only in the resolver, answering a public address
    network = StandInNetwork()
    async with client(
        allow_private_addresses=False,
        resolver=resolver_for({"inbox.test": [PUBLIC_STAND_IN]}),
        socket_factory=network,
    ) as delivery:
        result = await delivery.post(f"http://inbox.test:{port}/inbox", ACTIVITY, no_signature)
    # Then the connection went to that checked address, and the request names the host
    assert result.delivered, result.error
    assert network.connected_to == [PUBLIC_STAND_IN]
    assert received.hosts == [f"inbox.test:{port}"]


async def test_tls_verifies_the_host_name_while_connecting_to_the_checked_ip(
    tmp_path: Path,
) -> None:
    # Given an https server whose certificate names only "inbox.test" (no IP address in it)
    certfile, keyfile = self_signed_certificate(tmp_path, "inbox.test")
    trust = ssl.create_default_context(cafile=str(certfile))
    received = Received()
    with serve(inbox_app(received), certfile=certfile, keyfile=keyfile) as port:
        network = StandInNetwork()
        resolver = resolver_for({"inbox.test": [PUBLIC_STAND_IN], "other.test": [PUBLIC_STAND_IN]})
        async with client(
            allow_http=False, ssl_context=trust, resolver=resolver, socket_factory=network
        ) as delivery:
            # When we deliver by name, over a socket opened to the checked IP
            result = await delivery.post(f"https://inbox.test:{port}/inbox", ACTIVITY, no_signature)
            # Then the certificate was verified against the name (SNI) and the POST arrived
            assert result.delivered, result.error
            assert network.connected_to == [PUBLIC_STAND_IN]
            assert received.hosts == [f"inbox.test:{port}"]

            # And another name for the same server fails verification: checking really happens
            other = await delivery.post(f"https://other.test:{port}/inbox", ACTIVITY, no_signature)
        assert other.status is None
        assert not other.refused
        assert other.error is not None
        assert "certificate" in other.error.lower()

        # And so does the IP itself (allowed here), which the certificate does not name
        async with client(
            allow_http=False, allow_private_addresses=True, ssl_context=trust
        ) as delivery:
            by_ip = await delivery.post(f"https://127.0.0.1:{port}/inbox", ACTIVITY, no_signature)
        assert by_ip.status is None
        assert by_ip.error is not None
        assert "certificate" in by_ip.error.lower()
        assert received.hosts == [f"inbox.test:{port}"]
