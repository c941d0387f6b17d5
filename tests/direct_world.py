"""The federation the direct-message tests play in, over real sockets.

alpha: fa (facilitates "stewards"), ann (a member of nothing); beta: bea (member);
gamma: gus (member); masto: mona (member, Mastodon-shaped, tests/microblog_server.py), who
verifies what alpha's fa, ann and stewards send her.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from mastodon import Mastodon

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from fedcop.store import actors as actor_store
from federation.signatures import sign_request
from tests.live_node import LiveNode
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import settle, three_nodes
from tests.signed_requests import Sender, encoded, local_sender, post

PASSWORD = "long enough"


@dataclass
class World:
    alpha: LiveNode
    beta: LiveNode
    gamma: LiveNode
    mona: MicroblogServer

    async def settle(self) -> None:
        await settle(self.alpha, self.beta, self.gamma)

    async def actor_id(self, node: LiveNode, uri: str) -> int:
        async with node.pool.acquire() as conn:
            actor = await actor_store.find_by_uri(conn, uri)
        assert actor is not None
        return actor.id


@pytest.fixture
async def world(pg_cluster: EmbeddedPostgres) -> AsyncIterator[World]:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        await accounts.create_user(alpha.pool, alpha.config, "ann", PASSWORD)
        with microblog_server("masto") as mona:
            for name in ("fa", "stewards", "ann"):
                sender = await local_sender(alpha, name)
                async with alpha.pool.acquire() as conn:
                    local = await actor_store.find_local(conn, name)
                assert local is not None
                mona.known_keys[sender.key_id] = local.actor.public_key_pem
            # mona joins the community from her Mastodon-shaped server
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{mona.user}#follows/{uuid.uuid4().int}",
                "type": "Follow",
                "actor": mona.user,
                "object": f"{alpha.base}/c/stewards",
            }
            response = await post(alpha, encoded(follow), mona.sender, path="/c/stewards/inbox")
            assert response.status_code == 202, response.text
            world = World(alpha, beta, gamma, mona)
            await world.settle()
            assert any(a["type"] == "Accept" for a in mona.received)
            mona.received.clear()
            mona.received_at.clear()
            yield world


async def signed_get(node: LiveNode, url: str, signer: Sender | None) -> httpx.Response:
    """GET an ActivityPub document from `node` over TCP, signed by `signer` (or not at all)."""
    headers = {"Host": node.config.domain, "Accept": "application/activity+json"}
    if signer is not None:
        headers.update(sign_request("GET", url, None, signer.key_id, signer.private_key))
    path = url.removeprefix(node.base)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        return await http.get(path, headers=headers)


def app_for(node: LiveNode, token: str) -> Mastodon:
    client = Mastodon(access_token=token, api_base_url=f"http://127.0.0.1:{node.port}")
    client.session.headers["Host"] = node.config.domain
    return client


async def direct_posts(node: LiveNode) -> list[Any]:
    async with node.pool.acquire() as conn:
        return list(
            await conn.fetch(
                "SELECT id, uri, content, author_id FROM posts WHERE visibility = 'direct'"
            )
        )
