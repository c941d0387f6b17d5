"""The node's outbound HTTP: signed fetches (by the instance actor) and signed deliveries.

One `Network` per process. Fetches go through small per-host keep-alive httpx clients, deliveries
through one aiohttp session (DeliveryClient), both behind the SSRF guard (loopback and private
addresses allowed only with FEDCOP_ALLOW_PRIVATE_ADDRESSES). It caches parsed private keys, since
parsing a PEM costs more than signing with it.

Deliveries are signed on a few threads, not on the event loop: an RSA-2048 signature costs
~300 µs of CPU, most of a delivery's cost, and `cryptography` releases the GIL while it signs, so
a fan-out signs on every core while the loop keeps sending.

    deliver(inbox, body, key, first_scheme)
      -> signing thread: sign_request_as(first_scheme, "POST", url, body)   (the first knock)
      -> DeliveryClient.post(..., Knock(first_scheme, signer), second_knock=Knock(other, ...))
           signer(request) -> those headers, if asked for exactly that request and still fresh;
                              else sign anew
           a 401 -> the other scheme signs on the loop, once (rare: see double_knock.py)

Signed GETs knock with draft-cavage and, on a 401, again with RFC 9421; nothing is remembered
for them (the memory of what a host accepts is the delivery worker's, in the hosts table).
"""

from __future__ import annotations

import asyncio
import functools
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

import fedcop
from fedcop.config import Config
from federation.deliver import DeliveryClient, DeliveryResult, Knock, request_url
from federation.double_knock import FIRST_SCHEME_FOR_UNKNOWN_HOSTS
from federation.fetch import FetchLimits, Signer, fetch_jrd, fetch_json
from federation.fetch_errors import RequestRefusedError
from federation.host_clients import HostClients
from federation.keys import load_private_key
from federation.media_fetch import FetchedFile, Sink, fetch_file
from federation.netguard import Resolver, resolve_with_getaddrinfo
from federation.signatures import SignatureScheme, other_scheme, sign_request_as
from federation.webfinger_client import resolve_handle

# Threads that sign deliveries (RSA signing runs outside the GIL).
SIGNING_THREADS = min(4, max(2, os.cpu_count() or 2))
# A signature made ahead of its request is used only this soon after (the request may wait for
# a free slot to its host); later it is made anew, so the Date header stays the send time.
PRESIGNED_FRESH_SECONDS = 30.0


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private_key_pem: str


@functools.lru_cache(maxsize=1024)
def _private_key(pem: str) -> rsa.RSAPrivateKey:
    return load_private_key(pem)


def signer_for(key: SigningKey, scheme: SignatureScheme = "draft-cavage") -> Signer:
    private_key = _private_key(key.private_key_pem)

    def sign(method: str, url: str, headers: dict[str, str], body: bytes | None) -> dict[str, str]:
        return sign_request_as(scheme, method, url, body, key.key_id, private_key)

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
        # GETs knock with the scheme every server verifies, then with the other on a 401.
        self._instance_signer = signer_for(instance_key, FIRST_SCHEME_FOR_UNKNOWN_HOSTS)
        self._instance_second_signer = signer_for(
            instance_key, other_scheme(FIRST_SCHEME_FOR_UNKNOWN_HOSTS)
        )
        self._fetch_clients = HostClients(
            allow_private_addresses=config.allow_private_addresses, resolver=resolver
        )
        # One short deadline over each request, connect and read together: a server that
        # accepts connections and never answers holds a worker slot this long at most.
        delivery_deadline = config.delivery_deadline_seconds
        self.delivery = DeliveryClient(
            user_agent=self.user_agent,
            allow_private_addresses=config.allow_private_addresses,
            allow_http=self.allow_http,
            resolver=resolver,
            connect_timeout=min(5.0, delivery_deadline),
            read_timeout=min(10.0, delivery_deadline),
            deadline=delivery_deadline,
        )
        fetch_deadline = config.fetch_deadline_seconds
        self.fetch_limits = FetchLimits(
            connect_timeout=min(5.0, fetch_deadline),
            read_timeout=min(10.0, fetch_deadline),
            deadline=fetch_deadline,
        )
        self._signing = ThreadPoolExecutor(SIGNING_THREADS, thread_name_prefix="fedcop-sign")

    async def fetch(self, url: str) -> dict[str, Any]:
        """A signed GET of an ActivityPub document; raises federation.fetch_errors.FetchError."""
        return await fetch_json(
            url,
            signer=self._instance_signer,
            second_signer=self._instance_second_signer,
            user_agent=self.user_agent,
            allow_private_addresses=self.config.allow_private_addresses,
            allow_http=self.allow_http,
            clients=self._fetch_clients,
            limits=self.fetch_limits,
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
            limits=self.fetch_limits,
        )

    async def fetch_file(
        self, url: str, sink: Sink, *, max_bytes: int, deadline: float
    ) -> FetchedFile:
        """An unsigned GET of a file (the media proxy's pictures) into `sink`: the same SSRF
        guard and redirect checks as every fetch, at most `max_bytes`, within `deadline`."""
        return await fetch_file(
            url,
            sink,
            user_agent=self.user_agent,
            clients=self._fetch_clients,
            max_bytes=max_bytes,
            allow_http=self.allow_http,
            limits=FetchLimits(
                connect_timeout=min(5.0, deadline),
                read_timeout=min(10.0, deadline),
                deadline=deadline,
            ),
        )

    async def resolve_handle(self, handle: str, prefer_type: str | None = None) -> str:
        """The actor URL an `name@domain` handle names, by WebFinger."""
        return await resolve_handle(
            handle,
            user_agent=self.user_agent,
            allow_private_addresses=self.config.allow_private_addresses,
            allow_http=self.allow_http,
            prefer_type=prefer_type,
            clients=self._fetch_clients,
            limits=self.fetch_limits,
        )

    async def deliver(
        self,
        inbox_url: str,
        body: bytes,
        key: SigningKey,
        *,
        first_scheme: SignatureScheme = FIRST_SCHEME_FOR_UNKNOWN_HOSTS,
    ) -> DeliveryResult:
        """POST `body` signed with `first_scheme` (what the host last accepted, see
        double_knock.first_scheme) and, if refused with 401, at once with the other scheme. The
        result's `accepted_scheme` is the one to remember for the host."""
        first = Knock(first_scheme, await self._presigned(inbox_url, body, key, first_scheme))
        second_scheme = other_scheme(first_scheme)
        second = Knock(second_scheme, signer_for(key, second_scheme))
        return await self.delivery.post(inbox_url, body, first, second_knock=second)

    async def _presigned(
        self, inbox_url: str, body: bytes, key: SigningKey, scheme: SignatureScheme
    ) -> Signer:
        """A signer holding this POST's signature, made on a signing thread."""
        inline = signer_for(key, scheme)
        try:
            # The URL exactly as the delivery client will sign and send it.
            url = request_url(inbox_url, allow_http=self.allow_http)
        except RequestRefusedError:
            return inline  # the delivery client refuses it before signing anything
        private_key = _private_key(key.private_key_pem)
        headers = await asyncio.get_running_loop().run_in_executor(
            self._signing, sign_request_as, scheme, "POST", url, body, key.key_id, private_key
        )
        signed_at = time.monotonic()

        def sign(
            method: str, request_url: str, request_headers: dict[str, str], content: bytes | None
        ) -> dict[str, str]:
            if (
                method == "POST"
                and request_url == url
                and content == body
                and time.monotonic() - signed_at < PRESIGNED_FRESH_SECONDS
            ):
                return headers
            return inline(method, request_url, request_headers, content)

        return sign

    async def aclose(self) -> None:
        await self._fetch_clients.aclose()
        await self.delivery.aclose()
        self._signing.shutdown(wait=False, cancel_futures=True)
