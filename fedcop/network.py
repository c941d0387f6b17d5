"""The node's outbound HTTP: signed fetches (by the instance actor) and signed deliveries.

One `Network` per process. It holds small per-host keep-alive clients behind the SSRF guard
(loopback and private addresses allowed only with FEDCOP_ALLOW_PRIVATE_ADDRESSES), and caches
parsed private keys, since parsing a PEM costs more than signing with it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

import fedcop
from fedcop.config import Config
from federation.deliver import DeliveryClient, DeliveryResult
from federation.fetch import Signer, fetch_jrd, fetch_json
from federation.host_clients import HostClients
from federation.keys import load_private_key
from federation.netguard import Resolver, resolve_with_getaddrinfo
from federation.signatures import sign_request


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key_pem: str


@functools.lru_cache(maxsize=1024)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    return load_private_key(pem)


def signer_for(key: SigningKey) -> Signer:
    private_key = _private_key(key.private_key_pem)

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return sign_request(method, url, body, key.key_id, private_key)

    return sign


class Network:
    def __init__(
        self,
        config: Config,
        instance_key: SigningKey,
        *,
        resolver: Resolver = resolve_with_getaddrinfo,
    ) -> None:
        self.config = config
        self.user_agent = f"fedcop/{fedcop.__version__} (+{config.base_url})"
        # http is allowed only when the node itself is on http (local set-ups and tests).
        self.allow_http = config.scheme == "http"
        self._instance_signer = signer_for(instance_key)
        self._fetch_clients = HostClients(
            allow_private_addresses=config.allow_private_addresses, resolver=resolver
        )
        self.delivery = DeliveryClient(
            user_agent=self.user_agent,
            allow_private_addresses=config.allow_private_addresses,
            allow_http=self.allow_http,
            resolver=resolver,
        )

    async def fetch(self, url: str) -> dict[str, Any]:
        """A signed GET of an ActivityPub document; raises federation.fetch_errors.FetchError."""
        return await fetch_json(
            url,
            signer=self._instance_signer,
            user_agent=self.user_agent,
            allow_private_addresses=self.config.allow_private_addresses,
            allow_http=self.allow_http,
            clients=self._fetch_clients,
        )

    async def fetch_plain_json(self, url: str) -> dict[str, Any]:
        """An unsigned GET of a plain JSON document (NodeInfo): same limits, no id check."""
        return await fetch_jrd(
            url,
            user_agent=self.user_agent,
            allow_private_addresses=self.config.allow_private_addresses,
            allow_http=self.allow_http,
            accept="application/json",
            clients=self._fetch_clients,
        )

    async def deliver(self, inbox_url: str, body: bytes, key: SigningKey) -> DeliveryResult:
        return await self.delivery.post(inbox_url, body, signer_for(key))

    async def aclose(self) -> None:
        await self._fetch_clients.aclose()
        await self.delivery.aclose()
