"""A private community: alpha hosts it, bea on beta is an approved member, gus on gamma is not.

Its posts go to members only, are served only to signed requests from servers with a member,
and never appear in public collections.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.services.errors import InvalidInput
from federation.fetch_errors import StatusError
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle, stored

AP = {"Accept": "application/activity+json"}
Nodes = tuple[LiveNode, LiveNode, LiveNode]


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
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
            alpha.pool, alpha.config, "clinic", title="Clinicians", owner="fa", private=True
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        await accounts.create_user(gamma.pool, gamma.config, "gus", "long enough")
        community = f"{alpha.base}/c/clinic"
        # bea asks to join and a facilitator approves her; gus never joins
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "bea", community
        )
        await settle(alpha, beta, gamma)
        await follows.decide_request(
            alpha.pool, alpha.config, "clinic", f"{beta.base}/u/bea", approve=True
        )
        await settle(alpha, beta, gamma)
        yield alpha, beta, gamma


async def test_joining_a_private_community_needs_approval(pg_cluster: EmbeddedPostgres) -> None:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "clinic", title="Clinicians", owner="fa", private=True
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        group = (await alpha.get("/c/clinic", headers=AP)).json()
        assert group["manuallyApprovesFollowers"] is True
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "bea", f"{alpha.base}/c/clinic"
        )
        await settle(alpha, beta)
        # bea is not counted (yet): the one member is the founder
        assert (await alpha.get("/c/clinic/followers", headers=AP)).json()["totalItems"] == 1


async def test_posts_stay_among_the_members(three: Nodes) -> None:
    alpha, beta, gamma = three
    # When bea starts a thread
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/clinic", title="A hard case",
        content="Patient details stay here.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # Then the community keeps it, as members-only
    on_alpha = await stored(alpha, thread.uri)
    assert on_alpha is not None and on_alpha.visibility == "followers"
    # And it is addressed to the members, never to the public
    document = await alpha.app.state.network.fetch(thread.uri)
    assert PUBLIC not in document["to"] + document.get("cc", [])
    assert f"{alpha.base}/c/clinic/followers" in document["to"]
    # And a server with no member can fetch neither the post nor the community's relay of it
    with pytest.raises(StatusError) as refused:
        await gamma.app.state.network.fetch(thread.uri)
    assert refused.value.status == 403
    # Nor can anyone unsigned, nor a browser
    assert (await beta.get(thread.uri.removeprefix(beta.base), headers=AP)).status_code == 401
    assert (await beta.get(thread.uri.removeprefix(beta.base))).status_code == 404
    # And the public outbox shows nothing
    outbox = (await alpha.get("/c/clinic/outbox", headers=AP)).json()
    assert outbox["totalItems"] == 0 and "first" not in outbox


async def test_the_communitys_relay_is_for_members_only(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=f"{alpha.base}/c/clinic", title="Rota", content="Changes.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    assert await stored(beta, thread.uri) is not None
    assert await stored(gamma, thread.uri) is None
    async with alpha.pool.acquire() as conn:
        announce = await conn.fetchrow(
            "SELECT uri, document, members_of FROM outbound_activities"
            " WHERE document->>'type' = 'Announce'"
        )
    assert announce["members_of"] is not None
    assert announce["document"]["to"] == [f"{alpha.base}/c/clinic/followers"]
    # beta (a member's server) may fetch the Announce; gamma may not
    fetched: dict[str, Any] = await beta.app.state.network.fetch(announce["uri"])
    assert fetched["type"] == "Announce"
    with pytest.raises(StatusError):
        await gamma.app.state.network.fetch(announce["uri"])


async def test_a_non_member_cannot_post_into_it(three: Nodes) -> None:
    alpha, beta, gamma = three
    # gus (no member) sends a thread anyway
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=f"{alpha.base}/c/clinic", title="Let me in", content="Hi",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    assert await stored(alpha, thread.uri) is None
    assert await stored(beta, thread.uri) is None
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities WHERE activity_type = 'Create'"
        )
    assert row["state"] == "rejected"
    assert "not a member" in row["last_error"]


async def test_a_non_member_here_cannot_post_into_it_either(three: Nodes) -> None:
    alpha, _, _ = three
    community = f"{alpha.base}/c/clinic"
    # ann has an account on the community's own node, but is no member
    await accounts.create_user(alpha.pool, alpha.config, "ann", "long enough")
    for reply_to in (None, "thread"):
        in_reply_to = None
        if reply_to:
            thread = await posts.write(
                alpha.pool, alpha.config, alpha.app.state.network,
                author="fa", community_uri=community, title="Rounds", content="Tuesday",
            )  # fmt: skip
            in_reply_to = thread.uri
        with pytest.raises(InvalidInput, match="members-only"):
            await posts.write(
                alpha.pool, alpha.config, alpha.app.state.network,
                author="ann", community_uri=community, title="Let me in", content="Hi",
                in_reply_to=in_reply_to,
            )  # fmt: skip
    async with alpha.pool.acquire() as conn:
        written = await conn.fetchval(
            "SELECT count(*) FROM posts p JOIN actors a ON a.id = p.author_id"
            " WHERE a.username = 'ann'"
        )
    assert written == 0
