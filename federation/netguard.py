"""The SSRF guard: outbound requests only reach public addresses, checked at connect time.

Any remote server can make fedcop fetch a URL of its choosing (an actor id, an inbox, a
redirect). Without a guard, `https://10.0.0.5/admin` or a name that resolves to 127.0.0.1 would
let a stranger probe the node's own network. Checking the URL's host before the request is not
enough: the name can resolve to a public address for the check and to 127.0.0.1 a moment later
(DNS rebinding). So the check lives inside the connection itself, on both outbound paths:

```
fetch.py    ── httpx ───> GuardedTransport, GuardedNetworkBackend   (this module)  ─┐
deliver.py  ── aiohttp ─> TCPConnector with GuardedResolver,                        │
                          check_literal_host for IP literals   (aiohttp_guard.py)  ─┤
                                                                                   v
                          one rule for both, here: resolve once with a Resolver,
                          check_addresses on EVERY address, connect only to those
```

The httpx path, in this module:

```
httpx.AsyncClient ──> GuardedTransport ──> httpcore.AsyncConnectionPool
                                                │ connect_tcp("social.example", 443)
                                                v
                                        GuardedNetworkBackend
                                          1. resolve the name once (getaddrinfo)
                                          2. check EVERY address     ──> BlockedAddressError
                                          3. connect to a checked IP (httpcore AnyIOBackend)
                                                │
                                                v
                              httpcore: TLS with SNI and certificate check for the NAME
```

Because the socket is opened to the very address that was checked, no second lookup happens.
httpcore starts TLS afterwards with the URL's host name, so certificates are verified as usual.
IP-literal URLs go through the same path (getaddrinfo returns the literal, which is checked).
Each redirect hop opens its connection through this backend too, so every hop is checked.

The aiohttp path (deliveries) applies the same rule with the same `check_addresses` and
`Resolver`; how it fits aiohttp's connector is drawn in aiohttp_guard.py.

`allow_private_addresses=True` turns the guard off on both paths: for development nodes and
tests on loopback.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from contextlib import contextmanager

import anyio
import httpcore
import httpx

from federation.fetch_errors import BlockedAddressError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# (host, port) -> addresses as strings, in the order to try them.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Checked in order; the first match names the reason. Broadcast precedes 240/4 so that
# 255.255.255.255 gets its own name.
_BLOCKED_IPV4: tuple[tuple[ipaddress.IPv4Network, str], ...] = (
    (_V4("0.0.0.0/8"), "unspecified ('this network')"),
    (_V4("10.0.0.0/8"), "private (RFC 1918)"),
    (_V4("100.64.0.0/10"), "carrier-grade NAT (RFC 6598)"),
    (_V4("127.0.0.0/8"), "loopback"),
    (_V4("169.254.0.0/16"), "link-local"),
    (_V4("172.16.0.0/12"), "private (RFC 1918)"),
    (_V4("192.0.0.0/24"), "reserved for IETF protocol assignments"),
    (_V4("192.0.2.0/24"), "documentation (TEST-NET-1)"),
    (_V4("192.88.99.0/24"), "reserved (deprecated 6to4 relay anycast)"),
    (_V4("192.168.0.0/16"), "private (RFC 1918)"),
    (_V4("198.18.0.0/15"), "benchmarking (RFC 2544)"),
    (_V4("198.51.100.0/24"), "documentation (TEST-NET-2)"),
    (_V4("203.0.113.0/24"), "documentation (TEST-NET-3)"),
    (_V4("224.0.0.0/4"), "multicast"),
    (_V4("255.255.255.255/32"), "broadcast"),
    (_V4("240.0.0.0/4"), "reserved"),
)

_IPV4_MAPPED = _V6("::ffff:0:0/96")
_GLOBAL_UNICAST = _V6("2000::/3")

# Outside 2000::/3 everything is blocked; these only give the common cases a precise name.
_NAMED_NON_GLOBAL_IPV6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("::/128"), "unspecified"),
    (_V6("::1/128"), "loopback"),
    (_V6("fe80::/10"), "link-local"),
    (_V6("fc00::/7"), "unique local (private)"),
    (_V6("ff00::/8"), "multicast"),
    (_V6("fec0::/10"), "site-local (deprecated)"),
    (_V6("64:ff9b::/96"), "NAT64"),
)

# Inside 2000::/3 but still not a place a fediverse server lives.
_BLOCKED_GLOBAL_IPV6: tuple[tuple[ipaddress.IPv6Network, str], ...] = (
    (_V6("2001:db8::/32"), "documentation"),
    (_V6("3fff::/20"), "documentation"),
    # Teredo tunnels, benchmarking (2001:2::/48), ORCHID and other protocol assignments.
    (_V6("2001::/23"), "reserved for IETF protocol assignments"),
    # 6to4 embeds an IPv4 address, which could be a private one; the mechanism is deprecated.
    (_V6("2002::/16"), "6to4 (tunnels to an embedded IPv4 address)"),
)


def blocked_reason(address: IPAddress) -> str | None:
    """Why outbound requests must not reach `address`, or None when it is public unicast."""
    if isinstance(address, ipaddress.IPv4Address):
        return _ipv4_blocked_reason(address)
    if address in _IPV4_MAPPED:
        embedded = address.ipv4_mapped
        assert embedded is not None
        inner = _ipv4_blocked_reason(embedded)
        # Even a public IPv4 is refused in mapped form: it lies outside 2000::/3.
        return f"IPv4-mapped {inner or 'address (outside 2000::/3)'}"
    if address not in _GLOBAL_UNICAST:
        for network, reason in _NAMED_NON_GLOBAL_IPV6:
            if address in network:
                return reason
        return "outside the IPv6 global unicast range 2000::/3"
    for network, reason in _BLOCKED_GLOBAL_IPV6:
        if address in network:
            return reason
    return None


def _ipv4_blocked_reason(address: ipaddress.IPv4Address) -> str | None:
    for network, reason in _BLOCKED_IPV4:
        if address in network:
            return reason
    return None


def check_addresses(host: str, addresses: Iterable[str]) -> None:
    """Raise BlockedAddressError unless every address is public: one bad answer taints the name."""
    for text in addresses:
        # getaddrinfo may add an IPv6 zone ("fe80::1%eth0"); ipaddress understands it.
        reason = blocked_reason(ipaddress.ip_address(text))
        if reason is not None:
            raise BlockedAddressError(
                f"refused to connect to {host}: it resolves to {text}, a {reason} address; "
                "outbound requests only go to public addresses "
                "(allow_private_addresses is off)",
                host=host,
                address=text,
                reason=reason,
            )


async def resolve_with_getaddrinfo(host: str, port: int) -> list[str]:
    """All TCP addresses of `host`, in the system's preferred order, without duplicates."""
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _canonname, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@functools.cache
def default_ssl_context() -> ssl.SSLContext:
    """The CA bundle httpx trusts, loaded once per process: loading it costs milliseconds."""
    return httpx.create_ssl_context()


class GuardedNetworkBackend(httpcore.AsyncNetworkBackend):
    """A network backend that resolves names itself and only connects to checked addresses."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        resolver: Resolver = resolve_with_getaddrinfo,
        inner: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.allow_private_addresses = allow_private_addresses
        self._resolver = resolver
        self._inner = inner if inner is not None else httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # One budget for the lookup and every connection attempt, as the caller asked.
        deadline = None if timeout is None else anyio.current_time() + timeout
        addresses = await self._resolve(host, port, timeout)
        if not self.allow_private_addresses:
            check_addresses(host, addresses)

        last_error: Exception | None = None
        for address in addresses:
            remaining = None if deadline is None else max(deadline - anyio.current_time(), 0.0)
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=remaining,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                # Try the next address: a dual-stack host may be unreachable over one family.
                last_error = exc
        assert last_error is not None  # _resolve never returns an empty list
        raise last_error

    async def _resolve(self, host: str, port: int, time_limit: float | None) -> list[str]:
        try:
            with anyio.fail_after(time_limit):
                addresses = await self._resolver(host, port)
        except TimeoutError:
            raise httpcore.ConnectTimeout(
                f"looking up {host} took longer than {time_limit} s"
            ) from None
        except OSError as exc:
            raise httpcore.ConnectError(f"could not resolve {host}: {exc}") from exc
        if not addresses:
            raise httpcore.ConnectError(f"could not resolve {host}: no addresses")
        return addresses

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's interface)
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        # Nothing in fedcop talks to a unix socket through this backend; refuse rather than
        # open a path that bypasses the address check.
        raise httpcore.ConnectError("unix sockets are not allowed for outbound requests")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


# httpcore exception -> the httpx exception httpx.AsyncClient users expect; most specific first.
_HTTPCORE_TO_HTTPX: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.ConnectTimeout, httpx.ConnectTimeout),
    (httpcore.ReadTimeout, httpx.ReadTimeout),
    (httpcore.WriteTimeout, httpx.WriteTimeout),
    (httpcore.PoolTimeout, httpx.PoolTimeout),
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.ReadError, httpx.ReadError),
    (httpcore.WriteError, httpx.WriteError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.RemoteProtocolError, httpx.RemoteProtocolError),
    (httpcore.LocalProtocolError, httpx.LocalProtocolError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
    (httpcore.ProxyError, httpx.ProxyError),
)


@contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_type, httpx_type in _HTTPCORE_TO_HTTPX:
            if isinstance(exc, core_type):
                raise httpx_type(str(exc) or type(exc).__name__) from exc
        raise


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, stream: AsyncIterable[bytes]) -> None:
        self._stream = stream

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        aclose = getattr(self._stream, "aclose", None)
        if aclose is not None:
            with _as_httpx_errors():
                await aclose()


class GuardedTransport(httpx.AsyncBaseTransport):
    """An HTTP/1.1 keep-alive transport whose every connection passes the SSRF guard."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        ssl_context: ssl.SSLContext | None = None,
        max_connections: int = 8,
        keepalive_expiry: float = 30.0,
        resolver: Resolver = resolve_with_getaddrinfo,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        """`resolver` and `network_backend` (what opens the checked connections, by default
        httpcore's AnyIOBackend) are replaceable so tests can stand in for DNS and the network."""
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context if ssl_context is not None else default_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=keepalive_expiry,
            http1=True,
            http2=False,
            network_backend=GuardedNetworkBackend(
                allow_private_addresses=allow_private_addresses,
                resolver=resolver,
                inner=network_backend,
            ),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=request.url.raw_scheme,
                host=request.url.raw_host,
                port=request.url.port,
                target=request.url.raw_path,
            ),
            headers=request.headers.raw,
            content=_request_body(request),
            extensions=request.extensions,
        )
        with _as_httpx_errors():
            core_response = await self._pool.handle_async_request(core_request)
        body = core_response.stream
        # An async connection pool always answers with an async body.
        assert isinstance(body, AsyncIterable)
        return httpx.Response(
            status_code=core_response.status,
            headers=core_response.headers,
            stream=_ResponseStream(body),
            extensions=core_response.extensions,
        )

    async def aclose(self) -> None:
        with _as_httpx_errors():
            await self._pool.aclose()


def _request_body(request: httpx.Request) -> AsyncIterable[bytes]:
    if not isinstance(request.stream, httpx.AsyncByteStream):
        raise TypeError("GuardedTransport needs an async request body (use httpx.AsyncClient)")
    return request.stream
