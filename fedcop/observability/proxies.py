"""Believing X-Forwarded-For / X-Forwarded-Proto only from a trusted reverse proxy.

    peer (the TCP connection's address) in FEDCOP_TRUSTED_PROXIES?
      no  -> the headers are ignored: the peer is the client, the scheme is the connection's
      yes -> client = the right-most X-Forwarded-For address that is not itself a trusted proxy
             (entries left of it were written by whoever sent the request: not believed;
             an entry that is not an address on the way: the client is "unknown")
             scheme = X-Forwarded-Proto's last value, when it is http or https
             scope["fedcop.trusted_proxy"] = True (X-Request-Id is then believed too)

The client address is what sign-in throttling counts and what logs and /metrics' allowlist see.
Nothing builds an id or a URL from these headers (or from Host): every id comes from the
configured base URL. uvicorn's own proxy_headers are off (fedcop.cli), so this is the only place
they are read.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from starlette.types import ASGIApp, Receive, Scope, Send

from fedcop.config import IPNetwork

TRUSTED_FLAG = "fedcop.trusted_proxy"
UNKNOWN = "unknown"  # a client a trusted proxy relayed without a readable address


def address_in(address: str, networks: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str, trusted: Sequence[IPNetwork]) -> str:
    """The client's address, walking X-Forwarded-For from the right past trusted proxies.
    An entry that is not an address (`unknown`, a name, `addr:port`, garbage) makes the client
    UNKNOWN: never the proxy's own address, which /metrics' allowlist may well let in."""
    client = peer
    for entry in reversed([item.strip() for item in forwarded_for.split(",")]):
        try:
            ipaddress.ip_address(entry)
        except ValueError:
            return UNKNOWN
        client = entry
        if not address_in(entry, trusted):
            break
    return client


class TrustedProxies:
    def __init__(self, app: ASGIApp, trusted: Sequence[IPNetwork]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.trusted:
            client = scope.get("client")
            if client and address_in(client[0], self.trusted):
                headers: dict[str, str] = {}
                for name, value in scope.get("headers", []):
                    key = name.decode("latin-1").lower()
                    if key in ("x-forwarded-for", "x-forwarded-proto"):
                        text = value.decode("latin-1")
                        headers[key] = f"{headers[key]},{text}" if key in headers else text
                scope[TRUSTED_FLAG] = True
                if "x-forwarded-for" in headers:
                    address = forwarded_client(client[0], headers["x-forwarded-for"], self.trusted)
                    scope["client"] = (address, 0)
                proto = headers.get("x-forwarded-proto", "").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    websocket = scope["type"] == "websocket"
                    scope["scheme"] = {"http": "ws", "https": "wss"}[proto] if websocket else proto
        await self.app(scope, receive, send)
