"""One actor's flood, or one host's from many actors, neither fills the inbox nor holds
everyone else's work back.

    beta's bo  --QUOTA + EXTRA signed Creates--> alpha: QUOTA answered 202, EXTRA 429 Retry-After
    gamma's cy --one Create, after the flood---> alpha: handled in the worker's first batch
    then everything accepted is handled (a post each); bo's refused ones, sent again, are taken
    beta's dee, eve, fay --HOST_QUOTA + EXTRA between them--> alpha: HOST_QUOTA 202, then 429
    gamma's cy --one Create, after that flood---> alpha: handled in the worker's first batch

Real nodes over TCP, real signatures; the quotas are lowered on alpha so the floods stay small.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import pytest_asyncio

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.queues import INBOUND_BATCH
from fedcop.services import accounts, remote_actors
from federation.keys import generate_key_pair, load_private_key
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.signed_requests import Sender, activity, encoded, local_sender, post

pytestmark = pytest.mark.asyncio(loop_scope="module")

QUOTA = INBOUND_BATCH + 20  # more than one batch of the flooder's waits
HOST_QUOTA = QUOTA + 10  # one actor's flood stays within it; three actors' goes beyond
EXTRA = 5


@dataclass
class Nodes:
    alpha: LiveNode
    bo: Sender
    cy: Sender  # the one on another host (gamma)
    crowd: list[Sender]  # more of beta's actors

    @property
    def garden(self) -> str:
        return f"{self.alpha.base}/c/garden"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        await accounts.create_community(alpha.pool, alpha.config, "garden", title="G", owner="ana")
        senders = []
        for node, name in [
            (beta, "bo"),
            (gamma, "cy"),
            (beta, "dee"),
            (beta, "eve"),
            (beta, "fay"),
        ]:
            await accounts.create_user(node.pool, node.config, name, "long enough")
            sender = await local_sender(node, name)
            await remote_actors.fetch_actor(alpha.pool, alpha.app.state.network, sender.uri)
            senders.append(sender)
        shares = alpha.app.state.acceptance.shares
        shares.quota = QUOTA
        shares.host_quota = HOST_QUOTA
        shares.recheck_seconds = 0.0  # read the count each time it matters: no clock involved
        yield Nodes(alpha, senders[0], senders[1], senders[2:])


def stranger_key() -> Any:
    return load_private_key(generate_key_pair().private_pem)


def create(nodes: Nodes, sender: Sender, text: str) -> dict[str, Any]:
    note = {
        "id": f"{sender.origin}/notes/{text.replace(' ', '-')}",
        "type": "Note",
        "attributedTo": sender.uri,
        "content": f"<p>{text}</p>",
        "to": [PUBLIC],
        "cc": [nodes.garden],
        "audience": nodes.garden,
    }
    return activity(sender, "Create", object=note, to=[PUBLIC], cc=[nodes.garden])


async def state_of(node: LiveNode, activity_id: str) -> str | None:
    async with node.pool.acquire() as conn:
        value = await conn.fetchval(
            "SELECT state FROM inbound_activities WHERE activity_id = $1", activity_id
        )
    return str(value) if value is not None else None


async def posts_by(node: LiveNode, author_uri: str) -> int:
    async with node.pool.acquire() as conn:
        return int(
            await conn.fetchval(
                """
                SELECT count(*) FROM posts JOIN actors ON actors.id = posts.author_id
                WHERE actors.uri = $1
                """,
                author_uri,
            )
        )


async def test_a_flood_is_held_to_its_quota_and_waits_behind_others(nodes: Nodes) -> None:
    alpha = nodes.alpha
    # Given bo floods alpha's inbox past its quota
    flood = [create(nodes, nodes.bo, f"flood {index}") for index in range(QUOTA + EXTRA)]
    answers = [await post(alpha, encoded(document), nodes.bo) for document in flood]
    statuses = [answer.status_code for answer in answers]
    # Then the first QUOTA are taken, the rest answered 429 with when to come back
    assert statuses == [202] * QUOTA + [429] * EXTRA
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert "waiting" in refused.json()["error"]
    assert await state_of(alpha, flood[-1]["id"]) is None  # nothing kept of a refused one

    # When cy sends one post after the whole flood
    lone = create(nodes, nodes.cy, "a lone post")
    assert (await post(alpha, encoded(lone), nodes.cy)).status_code == 202

    # Then the worker's first batch handles it, though bo's flood came first
    await alpha.app.state.inbox_worker.handle_batch()
    assert await state_of(alpha, lone["id"]) == "done"
    assert await posts_by(alpha, nodes.cy.uri) == 1
    assert await posts_by(alpha, nodes.bo.uri) < QUOTA

    # And nothing accepted is lost: every one of bo's accepted posts is kept in the end
    await alpha.drain()
    assert await posts_by(alpha, nodes.bo.uri) == QUOTA
    for document in flood[:QUOTA]:
        assert await state_of(alpha, document["id"]) == "done"

    # And once its queue has drained, what bo was told to send again is taken
    for document in flood[QUOTA:]:
        assert (await post(alpha, encoded(document), nodes.bo)).status_code == 202
    await alpha.drain()
    assert await posts_by(alpha, nodes.bo.uri) == QUOTA + EXTRA


async def test_requests_forged_in_someones_name_do_not_fill_their_share(nodes: Nodes) -> None:
    alpha = nodes.alpha
    # Given someone signing with a key alpha has never seen, in cy's name (on cy's host): alpha
    # cannot tell yet, and queues them for its worker to fetch the key and check
    forger = Sender(nodes.cy.uri, f"{nodes.cy.uri}#forged", stranger_key())
    for index in range(QUOTA + EXTRA):
        document = create(nodes, nodes.cy, f"forged {index}")
        answer = await post(alpha, encoded(document), forger)
        assert answer.status_code == 202, answer.text
        assert await state_of(alpha, document["id"]) == "unverified"
    # When cy itself sends a post, Then it is taken: the forgeries count against no one's share
    own = create(nodes, nodes.cy, "cy's own post")
    answer = await post(alpha, encoded(own), nodes.cy)
    assert answer.status_code == 202, answer.text
    assert await state_of(alpha, own["id"]) == "pending"


async def test_many_actors_of_one_host_share_one_quota_and_wait_behind_others(
    nodes: Nodes,
) -> None:
    alpha = nodes.alpha
    await alpha.drain()
    # Given dee, eve and fay, all on beta, flood alpha's inbox in turn: each stays well within
    # an actor's quota, together they go past beta's
    flood = [
        create(nodes, nodes.crowd[index % 3], f"crowd {index}")
        for index in range(HOST_QUOTA + EXTRA)
    ]
    senders = [nodes.crowd[index % 3] for index in range(len(flood))]
    answers = [
        await post(alpha, encoded(document), sender)
        for document, sender in zip(flood, senders, strict=True)
    ]
    # Then beta's first HOST_QUOTA are taken, the rest answered 429 with when to come back
    assert [answer.status_code for answer in answers] == [202] * HOST_QUOTA + [429] * EXTRA
    refused = answers[-1]
    assert int(refused.headers["Retry-After"]) > 0
    assert "beta.test" in refused.json()["error"]
    assert await state_of(alpha, flood[-1]["id"]) is None
    # And beta's last accepted one is queued behind all of beta's backlog, not only behind its
    # own actor's third of it
    async with alpha.pool.acquire() as conn:
        behind = await conn.fetchval(
            "SELECT fair_at - received_at FROM inbound_activities WHERE activity_id = $1",
            flood[HOST_QUOTA - 1]["id"],
        )
    assert behind >= timedelta(seconds=HOST_QUOTA - 5)

    # When cy, on gamma, sends one post after the whole flood
    lone = create(nodes, nodes.cy, "another lone post")
    assert (await post(alpha, encoded(lone), nodes.cy)).status_code == 202

    # Then the worker's first batch handles it, though beta's actors' flood came first
    await alpha.app.state.inbox_worker.handle_batch()
    assert await state_of(alpha, lone["id"]) == "done"

    # And nothing accepted is lost
    await alpha.drain()
    for document in flood[:HOST_QUOTA]:
        assert await state_of(alpha, document["id"]) == "done"
    crowd_posts = [await posts_by(alpha, sender.uri) for sender in nodes.crowd]
    assert sum(crowd_posts) == HOST_QUOTA
