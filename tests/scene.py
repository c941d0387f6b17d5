"""The federation most tests play in: a community on alpha, members on beta and gamma.

async with three_nodes(pg_cluster) as (alpha, beta, gamma):
    # alpha: fa, who founded and facilitates "stewards"; beta: bea; gamma: gus
    # bea and gus are members; every queue is drained
    ...
    await settle(alpha, beta, gamma)          # until the whole federation is quiet
    post = await stored(gamma, thread.uri)    # what a node keeps of a post
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.store import posts as post_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node

Nodes = tuple[LiveNode, LiveNode, LiveNode]


@contextlib.asynccontextmanager
async def three_nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        await accounts.create_user(gamma.pool, gamma.config, "gus", "long enough")
        community = f"{alpha.base}/c/stewards"
        for node, name in ((beta, "bea"), (gamma, "gus")):
            await follows.follow_remote(
                node.pool, node.config, node.app.state.network, name, community
            )
        await settle(alpha, beta, gamma)
        yield alpha, beta, gamma


async def settle(*nodes: LiveNode) -> None:
    """Drain every node's queues until the whole federation is quiet."""
    while True:
        handled = 0
        for node in nodes:
            handled += await node.drain()
        if handled == 0:
            return


async def stored(node: LiveNode, uri: str) -> Any:
    async with node.pool.acquire() as conn:
        return await post_store.find_by_uri(conn, uri)
