"""Double-knocking against Fedify, an independent implementation, over real sockets.

The Fedify peer runs with PEER_ACCEPTS=rfc9421: any request signed draft-cavage is answered 401,
as by a server that knows only RFC 9421, and every RFC 9421 request is verified by Fedify itself.
A fedcop user follows the peer's Group, then leaves it:
- fedcop's signed GETs of the Group and of what it announces knock with draft-cavage, get 401,
  and knock again at once with RFC 9421 (GETs remember nothing);
- the Follow is delivered in one attempt: draft-cavage refused, RFC 9421 verified by Fedify; the
  host is remembered as RFC 9421;
- the Undo(Follow) is then one request, signed RFC 9421, verified by Fedify.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import hosts as host_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.peers import PeerProcess, wait_until
from tests.peers.fedify import fedify_peer, install

# What the peer logs for every POST (and signed GET) it gets: METHOD PATH (SCHEME) -> STATUS
_REQUEST_LINE = re.compile(r"\] (GET|POST) (\S+) \((rfc9421|draft-cavage|unsigned)\) -> (\d+)")


@pytest.fixture(scope="session")
def fedify_home() -> Path:
    """The peer's node_modules, installed once, before any node starts (it may take a while)."""
    return install()


def requests_seen(peer: PeerProcess, method: str, path: str) -> list[tuple[str, int]]:
    """(scheme, status) of every `method path` request the peer logged, in order."""
    return [
        (match.group(3), int(match.group(4)))
        for match in _REQUEST_LINE.finditer(peer.output())
        if (match.group(1), match.group(2)) == (method, path)
    ]


async def follow_is_accepted(node: LiveNode, follower_uri: str, followed_uri: str) -> bool:
    async with node.pool.acquire() as conn:
        follower = await actor_store.find_by_uri(conn, follower_uri)
        followed = await actor_store.find_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return False
        found = await follow_store.find(conn, follower.id, followed.id)
    return found is not None and found.state == "accepted"


async def remembered(node: LiveNode, host: str) -> str | None:
    async with node.pool.acquire() as conn:
        return await host_store.signature_scheme(conn, host)


async def test_a_fedify_group_that_verifies_only_rfc9421_gets_every_delivery(
    pg_cluster: EmbeddedPostgres, fedify_home: Path, tmp_path: Path
) -> None:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn, run_workers=True) as node,
        fedify_peer(fedify_home, "group", tmp_path, accepts="rfc9421") as group,
    ):
        await accounts.create_user(node.pool, node.config, "ana", "long enough")
        ana = f"{node.base}/u/ana"
        inbox = "/users/community/inbox"
        network = node.app.state.network
        # Given a host fedcop knows nothing of yet
        assert await remembered(node, "127.0.0.1") is None
        # When ana follows the Group (a signed GET of it, then a signed Follow)
        pending = await follows.follow_remote(
            node.pool, node.config, network, "ana", group.actor_uri
        )
        assert pending.state == "pending"
        # Then the signed GET was refused as draft-cavage and served as RFC 9421, at once
        assert requests_seen(group, "GET", "/users/community")[:2] == [
            ("draft-cavage", 401),
            ("rfc9421", 200),
        ], group.describe()
        # And Fedify verified the Follow, delivered after a refused draft-cavage knock
        await group.wait_for(f"verified Follow from {ana}")
        await group.wait_for(f"POST {inbox} (rfc9421) -> 202")
        assert requests_seen(group, "POST", inbox) == [
            ("draft-cavage", 401),
            ("rfc9421", 202),
        ], group.describe()

        # And the delivery is done in its first attempt, and the host remembered as RFC 9421
        async def delivered() -> bool:
            async with node.pool.acquire() as conn:
                rows = await conn.fetch("SELECT state, attempts, last_status FROM deliveries")
            return [tuple(row) for row in rows] == [("done", 1, 202)]

        await wait_until(delivered, "the Follow's delivery to be done", context=group.describe)
        assert await remembered(node, "127.0.0.1") == "rfc9421"
        # And the Group's Accept was taken: the follow is accepted here
        await wait_until(
            lambda: follow_is_accepted(node, ana, group.actor_uri),
            "fedcop to record the Group's Accept",
            context=group.describe,
        )

        # When ana leaves the Group
        assert await follows.unfollow_remote(node.pool, node.config, "ana", group.actor_uri)
        # Then the Undo reaches it in one request, signed RFC 9421, verified by Fedify
        await group.wait_for(f"verified Undo(Follow) from {ana}")
        assert requests_seen(group, "POST", inbox) == [
            ("draft-cavage", 401),
            ("rfc9421", 202),
            ("rfc9421", 202),
        ], group.describe()
