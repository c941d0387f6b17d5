"""The SSRF guard for aiohttp: deliveries only reach public addresses, checked at connect time.

The same rule as netguard.py (which guards the httpx clients of fetch.py), in the shape aiohttp
needs. aiohttp opens every new connection in its TCPConnector, which asks its resolver for the
addresses of the URL's host and then connects to exactly those addresses:

```
session.post("https://social.example/inbox")
  │ URL host an IP literal? aiohttp skips the resolver for literals, so fedcop checks the literal
  │   itself before sending (check_literal_host)               ──> BlockedAddressError
  v
TCPConnector: new connection to ("social.example", 443)
  │ GuardedResolver.resolve("social.example", 443)
  │   1. resolve the name once with netguard's Resolver (getaddrinfo by default)
  │   2. check EVERY address with netguard.check_addresses    ──> BlockedAddressError
  │   3. hand back only those checked addresses
  v
TCPConnector connects to a checked address; TLS with SNI and certificate check for the NAME
```

No second lookup happens between the check and the connect, so a name cannot answer a public
address for the check and 127.0.0.1 for the connection (DNS rebinding). aiohttp may cache what
the resolver returned for a few seconds (`ttl_dns_cache`); the cache only ever holds addresses
that passed the check. Redirects are never followed by the delivery client, proxies and the
environment's settings are off (`trust_env=False`), so no request leaves by another path.

`allow_private_addresses=True` turns the guard off: for development nodes and tests on loopback.
BlockedAddressError is not an OSError, so aiohttp lets it through unchanged to the caller.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from federation.fetch_errors import InvalidURLError
from federation.netguard import (
    Resolver,
    check_addresses,
    default_ssl_context,
    resolve_with_getaddrinfo,
)

__all__ = ["GuardedResolver", "check_literal_host", "guarded_connector", "is_ip_literal"]


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that only returns addresses outbound requests may reach."""

    def __init__(
        self,
        *,
        allow_private_addresses: bool = False,
        resolver: Resolver = resolve_with_getaddrinfo,
    ) -> None:
        self.allow_private_addresses = allow_private_addresses
        self._resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        # An OSError here (no such name) becomes aiohttp's ClientConnectorDNSError; a
        # BlockedAddressError passes through aiohttp unchanged.
        addresses = await self._resolver(host, port)
        if not addresses:
            raise OSError(f"could not resolve {host}: no addresses")
        if not self.allow_private_addresses:
            check_addresses(host, addresses)
        results: list[ResolveResult] = []
        for address in addresses:
            address_family = socket.AF_INET6 if ":" in address else socket.AF_INET
            if family not in (socket.AF_UNSPEC, address_family):
                continue
            results.append(
                ResolveResult(
                    hostname=host,
                    host=address,
                    port=port,
                    family=address_family,
                    proto=0,
                    flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
                )
            )
        if not results:
            raise OSError(f"could not resolve {host}: no addresses of the family asked for")
        return results

    async def close(self) -> None:
        """Nothing to release: the lookups are the Resolver callable's."""


def is_ip_literal(host: str) -> bool:
    """Whether aiohttp connects to `host` as an IP address without asking the resolver.

    Mirrors aiohttp's own test (aiohttp.helpers.is_ip_address): a colon, or only digits and dots.
    """
    return ":" in host or host.replace(".", "").isdigit()


def check_literal_host(host: str, *, allow_private_addresses: bool, url: str) -> None:
    """Refuse a URL whose host is an IP literal outbound requests must not reach.

    aiohttp never asks the resolver about literals, so this check stands in for GuardedResolver.
    A host that looks like a literal but is not a valid address (`127.1`, `2130706433`, forms
    the socket library would still map onto 127.0.0.1) is refused outright.
    """
    if not is_ip_literal(host):
        return
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise InvalidURLError(
            f"refused to contact {url}: {host!r} is not a valid IP address", url=url
        ) from None
    if not allow_private_addresses:
        check_addresses(host, [host])


def guarded_connector(
    *,
    allow_private_addresses: bool,
    resolver: Resolver = resolve_with_getaddrinfo,
    ssl_context: ssl.SSLContext | None = None,
    limit: int,
    limit_per_host: int,
    keepalive_timeout: float,
    socket_factory: aiohttp.SocketFactoryType | None = None,
) -> aiohttp.TCPConnector:
    """One connector for every host: keep-alive per host, bounded overall and per host.

    Idle connections are closed after `keepalive_timeout`, so the pool holds connections only to
    hosts contacted lately, however many hosts there are. The DNS cache keeps at most 1,000
    names for 10 s, and only addresses that passed the check. `socket_factory` makes the socket
    for each checked address before aiohttp connects it there (tests stand in for the network).
    """
    return aiohttp.TCPConnector(
        resolver=GuardedResolver(
            allow_private_addresses=allow_private_addresses, resolver=resolver
        ),
        ssl=ssl_context if ssl_context is not None else default_ssl_context(),
        limit=limit,
        limit_per_host=limit_per_host,
        keepalive_timeout=keepalive_timeout,
        use_dns_cache=True,
        ttl_dns_cache=10,
        dns_cache_max_size=1000,
        socket_factory=socket_factory,
    )
