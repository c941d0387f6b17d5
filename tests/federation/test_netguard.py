"""The SSRF guard: which addresses are refused, and that the check happens at connect time."""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpcore
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from federation.fetch_errors import BlockedAddressError, ConnectionFailedError, FetchError
from federation.host_clients import HostClients
from federation.netguard import (
    GuardedNetworkBackend,
    GuardedTransport,
    blocked_reason,
    check_addresses,
)
from tests.federation.local_http import (
    PUBLIC_STAND_IN,
    StandInNetwork,
    resolver_for,
    self_signed_certificate,
    serve,
)

BLOCKED = [
    ("0.0.0.0", "unspecified"),
    ("0.1.2.3", "unspecified"),
    ("10.0.0.1", "private"),
    ("10.255.255.255", "private"),
    ("172.16.0.1", "private"),
    ("172.31.255.255", "private"),
    ("192.168.1.1", "private"),
    ("100.64.0.1", "carrier-grade NAT"),
    ("100.127.255.255", "carrier-grade NAT"),
    ("127.0.0.1", "loopback"),
    ("127.255.0.9", "loopback"),
    ("169.254.169.254", "link-local"),  # cloud metadata endpoints live here
    ("192.0.0.8", "IETF"),
    ("192.0.2.10", "documentation"),
    ("198.51.100.7", "documentation"),
    ("203.0.113.200", "documentation"),
    ("198.18.0.1", "benchmarking"),
    ("198.19.255.255", "benchmarking"),
    ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::", "unspecified"),
    ("::1", "loopback"),
    ("fe80::1", "link-local"),
    ("fe80::1%1", "link-local"),
    ("fc00::1", "unique local"),
    ("fd12:3456:789a::1", "unique local"),
    ("ff02::1", "multicast"),
    ("fec0::1", "site-local"),
    ("64:ff9b::808:808", "NAT64"),
    ("100::1", "outside the IPv6 global unicast range"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:10.1.2.3", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped link-local"),
    ("::ffff:100.64.0.1", "IPv4-mapped carrier-grade NAT"),
    ("::ffff:192.0.2.1", "IPv4-mapped documentation"),
    ("::ffff:8.8.8.8", "IPv4-mapped address"),
    ("::127.0.0.1", "outside the IPv6 global unicast range"),  # deprecated IPv4-compatible
    ("2001:db8::1", "documentation"),
    ("3fff::1", "documentation"),
    ("2001::1", "IETF"),  # Teredo
    ("2001:2::1", "IETF"),  # benchmarking
    ("2002:7f00:1::1", "6to4"),
]

ALLOWED = [
    "8.8.8.8",
    "1.1.1.1",
    "93.184.216.34",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.0",
    "192.167.255.255",
    "192.169.0.0",
    "198.17.255.255",
    "198.20.0.0",
    "223.255.255.255",
    "2606:4700:4700::1111",
    "2a00:1450:4001:80b::200e",
    "2003::1",
    "3ffe::1",
]


@pytest.mark.parametrize(("address", "reason_part"), BLOCKED)
def test_blocked_addresses_are_named(address: str, reason_part: str) -> None:
    reason = blocked_reason(ipaddress.ip_address(address))
    assert reason is not None
    assert reason_part in reason


@pytest.mark.parametrize("address", ALLOWED)
def test_public_unicast_addresses_pass(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@given(st.ip_addresses(v=4))
def test_an_ipv4_address_and_its_mapped_form_are_never_both_allowed(
    address: ipaddress.IPv4Address,
) -> None:
    mapped = ipaddress.IPv6Address(f"::ffff:{address}")
    assert blocked_reason(mapped) is not None
    if blocked_reason(address) is not None:
        assert "IPv4-mapped" in str(blocked_reason(mapped))


@given(st.ip_addresses(v=6))
def test_ipv6_outside_global_unicast_is_blocked(address: ipaddress.IPv6Address) -> None:
    if address not in ipaddress.IPv6Network("2000::/3"):
        assert blocked_reason(address) is not None


@given(st.ip_addresses(v=4))
def test_ipv4_blocking_agrees_with_the_standard_library(address: ipaddress.IPv4Address) -> None:
    # Python's `is_global` is a second, independent reading of the IANA registries.
    if not address.is_global:
        assert blocked_reason(address) is not None


def test_one_private_answer_taints_the_whole_name() -> None:
    with pytest.raises(BlockedAddressError) as caught:
        check_addresses("mixed.example", ["93.184.216.34", "2606:4700::1", "10.0.0.7"])
    error = caught.value
    assert (error.host, error.address) == ("mixed.example", "10.0.0.7")
    assert "mixed.example" in str(error)
    assert "10.0.0.7" in str(error)
    assert "private" in str(error)
    assert isinstance(error, FetchError)


# --- the guard in a real connection -------------------------------------------------------------


async def hello(request: Request) -> PlainTextResponse:
    request.app.state.hits += 1
    return PlainTextResponse("hello")


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    app = Starlette(routes=[Route("/", hello)])
    app.state.hits = 0
    with serve(app) as port:
        yield port


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "[::ffff:127.0.0.1]"])
async def test_loopback_is_refused_before_any_byte_is_sent(host: str, server_port: int) -> None:
    # Given the guard is on, when a request targets the local server by IP, name or mapped IPv6
    transport = GuardedTransport(allow_private_addresses=False)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(BlockedAddressError) as caught:
            await client.get(f"http://{host}:{server_port}/")
    # Then it is refused with a reason, and the server never heard of it
    assert "loopback" in caught.value.reason
    assert "allow_private_addresses" in str(caught.value)


async def test_loopback_is_reachable_when_private_addresses_are_allowed(
    server_port: int,
) -> None:
    transport = GuardedTransport(allow_private_addresses=True)
    async with httpx.AsyncClient(transport=transport) as client:
        response = await client.get(f"http://127.0.0.1:{server_port}/")
    assert response.status_code == 200
    assert response.text == "hello"


async def test_a_name_resolving_to_a_private_address_is_refused(server_port: int) -> None:
    transport = GuardedTransport(
        resolver=resolver_for({"intranet.example": ["192.168.10.5"]}),
    )
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(BlockedAddressError, match=r"intranet\.example.*192\.168\.10\.5"):
            await client.get(f"http://intranet.example:{server_port}/")


class Recorder(httpcore.AsyncNetworkBackend):
    """Records where the guard asks to connect, without connecting."""

    def __init__(self) -> None:
        self.hosts: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.hosts.append(host)
        raise httpcore.ConnectError("recorded only")


async def test_the_socket_goes_to_the_checked_address_not_to_a_second_lookup() -> None:
    # Given a name that answers public first and loopback afterwards (DNS rebinding)
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    async def rebinding_resolver(host: str, port: int) -> list[str]:
        return next(answers)

    recorder = Recorder()
    backend = GuardedNetworkBackend(resolver=rebinding_resolver, inner=recorder)
    # When the guard connects
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("rebind.example", 443, timeout=1)
    # Then the connection is opened to the address that was checked, by IP, once
    assert recorder.hosts == ["93.184.216.34"]


async def test_every_resolved_address_is_tried_in_order() -> None:
    recorder = Recorder()
    backend = GuardedNetworkBackend(
        resolver=resolver_for({"dual.example": ["2606:4700::1", "93.184.216.34"]}),
        inner=recorder,
    )
    with pytest.raises(httpcore.ConnectError):
        await backend.connect_tcp("dual.example", 443, timeout=1)
    assert recorder.hosts == ["2606:4700::1", "93.184.216.34"]


async def test_an_unresolvable_name_is_a_connection_failure() -> None:
    async def failing_resolver(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    transport = GuardedTransport(resolver=failing_resolver)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(httpx.ConnectError, match=r"could not resolve nowhere\.example"):
            await client.get("https://nowhere.example/")


async def test_unix_sockets_are_refused() -> None:
    with pytest.raises(httpcore.ConnectError):
        await GuardedNetworkBackend().connect_unix_socket("/run/docker.sock")


async def test_tls_verifies_the_host_name_while_connecting_to_the_checked_ip(
    tmp_path: Path,
) -> None:
    # Given an https server whose certificate names only "localhost" (no IP address in it)
    certfile, keyfile = self_signed_certificate(tmp_path, "localhost")
    trust = ssl.create_default_context(cafile=str(certfile))
    app = Starlette(routes=[Route("/", hello)])
    app.state.hits = 0
    with serve(app, certfile=certfile, keyfile=keyfile) as port:
        stand_in = StandInNetwork()
        async with HostClients(
            allow_private_addresses=False,
            ssl_context=trust,
            resolver=resolver_for({"localhost": [PUBLIC_STAND_IN]}),
            network_backend=stand_in,
        ) as clients:
            url = httpx.URL(f"https://localhost:{port}/")
            # When we connect by the checked IP
            async with clients.lease(url) as client:
                response = await client.get(url)
            # Then the certificate was verified against the name, over a socket opened by IP
            assert response.status_code == 200
            assert stand_in.connected_to == [PUBLIC_STAND_IN]

        # And a URL naming the IP itself fails verification: checking really happens
        async with HostClients(allow_private_addresses=True, ssl_context=trust) as clients:
            url = httpx.URL(f"https://127.0.0.1:{port}/")
            async with clients.lease(url) as client:
                with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
                    await client.get(url)


def test_blocked_address_error_is_a_refusal_not_a_network_failure() -> None:
    error = BlockedAddressError("x", host="h", address="127.0.0.1", reason="loopback")
    assert not isinstance(error, ConnectionFailedError)
