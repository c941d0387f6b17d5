"""Signed requests made by hand, for tests that play another server.

sender = await local_sender(beta, "bo")          # a real actor on a live node, with its key
response = await post(alpha, encoded(activity(sender, "Follow", object=...)), sender)
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson
from cryptography.hazmat.primitives.asymmetric import rsa

from fedcop.store import actors as actor_store
from federation.keys import generate_key_pair, load_private_key
from federation.signatures import sign_request
from federation.vocab import AS_CONTEXT
from tests.live_node import LiveNode

ACTIVITY_JSON = "application/activity+json"


@dataclass(frozen=True)
class Sender:
    """Someone who signs requests: an actor id, its key id and its private key."""

    uri: str
    key_id: str
    private_key: rsa.RSAPrivateKey

    @property
    def origin(self) -> str:
        parts = urlsplit(self.uri)
        return f"{parts.scheme}://{parts.netloc}"


async def local_sender(node: LiveNode, name: str) -> Sender:
    async with node.pool.acquire() as conn:
        local = await actor_store.find_local(conn, name)
    assert local is not None
    return Sender(
        local.actor.uri, local.actor.public_key_id, load_private_key(local.private_key_pem)
    )


def stranger(origin: str, name: str) -> Sender:
    """An actor on a server that is not running (or not an ActivityPub server at all)."""
    uri = f"{origin}/u/{name}"
    return Sender(uri, f"{uri}#main-key", load_private_key(generate_key_pair().private_pem))


def activity(sender: Sender, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "@context": AS_CONTEXT,
        "id": f"{sender.origin}/activities/{uuid.uuid4().hex}",
        "type": kind,
        "actor": sender.uri,
        **fields,
    }


def encoded(document: object) -> bytes:
    return orjson.dumps(document)


async def _chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def post(
    node: LiveNode,
    body: bytes,
    signer: Sender | None,
    *,
    path: str = "/inbox",
    content_type: str = ACTIVITY_JSON,
    signed_body: bytes | None = None,
    signed_at: datetime | None = None,
    headers: Mapping[str, str | bytes] | None = None,
    chunked: bool = False,
) -> httpx.Response:
    """POST `body` to `node` over TCP, signed by `signer` over `signed_body` (default: `body`)
    at `signed_at` (default: now); `headers` are set after signing, replacing signed ones."""
    sent: dict[str, str | bytes] = {"Host": node.config.domain, "Content-Type": content_type}
    if signer is not None:
        sent.update(
            sign_request(
                "POST",
                node.base + path,
                body if signed_body is None else signed_body,
                signer.key_id,
                signer.private_key,
                now=signed_at,
            )
        )
    sent.update(headers or {})
    content: Any = _chunks(body) if chunked else body
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}", timeout=30) as http:
        return await http.post(path, content=content, headers=sent)
