"""Two fedcop nodes over real sockets: the follow handshake, really signed and verified.

alpha has the user ana; beta has the community stewards. Every request crosses TCP, every
signature is made with the sender's key and checked with the key the receiver fetched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, profiles
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import inbound as inbound_store
from fedcop.store import outbound as outbound_store
from fedcop.store import users as user_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node

AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, LiveNode]]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        await accounts.create_community(
            beta.pool, beta.config, "stewards", title="Data Stewards", owner="bo"
        )
        yield alpha, beta


async def _follow_state(node: LiveNode, follower_uri: str, followed_uri: str) -> str | None:
    async with node.pool.acquire() as conn:
        follower = await actor_store.find_by_uri(conn, follower_uri)
        followed = await actor_store.find_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        found = await follow_store.find(conn, follower.id, followed.id)
    return found.state if found else None


async def _followers(node: LiveNode, actor_path: str) -> int:
    response = await node.get(f"{actor_path}/followers", headers=AP)
    return int(response.json()["totalItems"])


async def test_a_user_joins_a_community_on_another_node(nodes: tuple[LiveNode, LiveNode]) -> None:
    alpha, beta = nodes
    ana, stewards = f"{alpha.base}/u/ana", f"{beta.base}/c/stewards"
    # When ana follows the community (alpha fetches it with a signed GET and sends Follow)
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    assert await _follow_state(alpha, ana, stewards) == "pending"
    assert await alpha.drain() == 1  # the Follow is delivered
    # Then beta fetched ana's key, verified the Follow, and accepted it
    assert await beta.drain() >= 2  # Follow handled, Accept delivered
    assert await _follow_state(beta, ana, stewards) == "accepted"
    assert await _followers(beta, "/c/stewards") == 2  # the founder and ana
    # And alpha verified the Accept and recorded the membership
    await alpha.drain()
    assert await _follow_state(alpha, ana, stewards) == "accepted"
    async with alpha.pool.acquire() as conn:
        assert (await inbound_store.counts(conn)).get("done") == 1
    async with beta.pool.acquire() as conn:
        assert (await outbound_store.delivery_counts(conn)) == {"done": 1}


async def test_undo_follow_ends_the_membership(nodes: tuple[LiveNode, LiveNode]) -> None:
    alpha, beta = nodes
    ana, stewards = f"{alpha.base}/u/ana", f"{beta.base}/c/stewards"
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    for _ in range(2):
        await alpha.drain()
        await beta.drain()
    assert await _followers(beta, "/c/stewards") == 2  # the founder and ana
    # When ana leaves
    assert await follows.unfollow_remote(alpha.pool, alpha.config, "ana", stewards)
    await alpha.drain()
    await beta.drain()
    # Then beta no longer counts her, and alpha no longer lists the follow
    assert await _follow_state(beta, ana, stewards) is None
    assert await _followers(beta, "/c/stewards") == 1  # the founder
    assert await _follow_state(alpha, ana, stewards) is None


async def test_a_community_that_approves_members_can_reject(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, beta = nodes
    ana, stewards = f"{alpha.base}/u/ana", f"{beta.base}/c/stewards"
    await follows.set_manual_approval(beta.pool, "stewards", True)
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    await alpha.drain()
    await beta.drain()
    # The request waits for a facilitator
    assert await _follow_state(beta, ana, stewards) == "pending"
    assert await _followers(beta, "/c/stewards") == 1  # the founder
    # When the facilitator declines it, ana's node hears a Reject and forgets the follow
    await follows.decide_request(beta.pool, beta.config, "stewards", ana, approve=False)
    await beta.drain()
    await alpha.drain()
    assert await _follow_state(beta, ana, stewards) is None
    assert await _follow_state(alpha, ana, stewards) is None


async def test_a_community_that_approves_members_can_approve(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, beta = nodes
    ana, stewards = f"{alpha.base}/u/ana", f"{beta.base}/c/stewards"
    await follows.set_manual_approval(beta.pool, "stewards", True)
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    await alpha.drain()
    await beta.drain()
    await follows.decide_request(beta.pool, beta.config, "stewards", ana, approve=True)
    await beta.drain()
    await alpha.drain()
    assert await _follow_state(beta, ana, stewards) == "accepted"
    assert await _follow_state(alpha, ana, stewards) == "accepted"


async def test_the_same_follow_twice_changes_nothing(nodes: tuple[LiveNode, LiveNode]) -> None:
    alpha, beta = nodes
    stewards = f"{beta.base}/c/stewards"
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    await alpha.drain()
    await beta.drain()
    # Redeliver the very same Follow: it is deduplicated by its id
    async with alpha.pool.acquire() as conn:
        await conn.execute("UPDATE deliveries SET state = 'pending', next_attempt_at = now()")
    await alpha.drain()
    await beta.drain()
    async with beta.pool.acquire() as conn:
        rows = await conn.fetchval(
            "SELECT count(*) FROM inbound_activities WHERE activity_type = 'Follow'"
        )
        accepts = await conn.fetchval(
            "SELECT count(*) FROM outbound_activities WHERE document->>'type' = 'Accept'"
        )
    assert (rows, accepts) == (1, 1)
    assert await _followers(beta, "/c/stewards") == 2  # the founder and ana


async def test_authorized_fetch_serves_signed_gets_only(pg_cluster: EmbeddedPostgres) -> None:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta", authorized_fetch=True) as beta,
    ):
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        # An unsigned GET of a user is refused; the instance actor stays open
        refused = await beta.get("/u/bo", headers=AP)
        assert refused.status_code == 401
        assert (await beta.get("/actor", headers=AP)).status_code == 200
        webfinger = await beta.get(
            "/.well-known/webfinger", params={"resource": f"acct:bo@beta.test:{beta.port}"}
        )
        assert webfinger.status_code == 200
        # Browsers still get the page
        assert (await beta.get("/u/bo")).status_code == 200
        # alpha's signed fetch (by its instance actor) is served
        network: Any = alpha.app.state.network
        document = await network.fetch(f"{beta.base}/u/bo")
        assert document["preferredUsername"] == "bo"


async def test_a_profile_change_reaches_the_communities_a_person_is_in(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, beta = nodes
    ana, stewards = f"{alpha.base}/u/ana", f"{beta.base}/c/stewards"
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    for _ in range(2):
        await alpha.drain()
        await beta.drain()
    # When ana renames herself on alpha
    async with alpha.pool.acquire() as conn:
        user = await user_store.find_by_name(conn, "ana")
    assert user is not None
    await profiles.update(
        alpha.pool, alpha.config, user, display_name="Ana Ortiz", bio_html="<p>Archivist</p>",
        organisation="City Archive", sector="", job_role="", expertise="",
    )  # fmt: skip
    await alpha.drain()
    await beta.drain()
    # Then the community's node shows her new name
    async with beta.pool.acquire() as conn:
        cached = await actor_store.find_by_uri(conn, ana)
    assert cached is not None
    assert (cached.display_name, cached.summary) == ("Ana Ortiz", "<p>Archivist</p>")
