"""A members-only community's pages stay among its members, over real sockets: alpha hosts
the private "clinic" (facilitator fa); bea on beta is an approved member; gamma has none.

    fa writes a page -> beta keeps a copy, gamma gets nothing; the announce is addressed to
    the members only; the Article and its history are served to a member's server's signed
    GET, and to no one else (403 for gamma, 401 unsigned, no page for a browser).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.services.knowledge import editing, pages, remote_edits
from fedcop.store.knowledge import pages as page_store
from federation.fetch_errors import StatusError
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.scene import Nodes, settle

AP = {"Accept": "application/activity+json"}


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
        community = f"{alpha.base}/c/clinic"
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "bea", community
        )
        await settle(alpha, beta, gamma)
        await follows.decide_request(
            alpha.pool, alpha.config, "clinic", f"{beta.base}/u/bea", approve=True
        )
        await settle(alpha, beta, gamma)
        yield alpha, beta, gamma


async def test_pages_of_a_private_community_reach_members_only(three: Nodes) -> None:
    alpha, beta, gamma = three
    # When fa writes a page
    made = await pages.create(
        alpha.pool, alpha.config, community="clinic", by="fa", title="Handover",
        markdown="Patient details stay here.",
    )  # fmt: skip
    uri = made.page.ap_id
    await settle(alpha, beta, gamma)
    # Then beta, a member's node, keeps a copy, and gamma has nothing
    async with beta.pool.acquire() as conn:
        assert await page_store.find_by_ap_id(conn, uri) is not None
    async with gamma.pool.acquire() as conn:
        assert await page_store.find_by_ap_id(conn, uri) is None
    # and what alpha sent is addressed to the members, never to the public
    async with alpha.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT document, members_of FROM outbound_activities"
            " WHERE document->'object'->'object'->>'id' = $1 OR document->'object'->>'id' = $1",
            uri,
        )
    assert rows
    for row in rows:
        document = row["document"]
        assert row["members_of"] is not None
        assert PUBLIC not in document.get("to", []) + document.get("cc", [])
    # And a member's server may fetch the Article and its history; gamma may not
    article = await beta.app.state.network.fetch(uri)
    assert article["type"] == "Article" and article["fedcop:version"] == 1
    assert PUBLIC not in article["to"] + article["cc"]
    history = await beta.app.state.network.fetch(f"{uri}/history?page=true")
    assert history["orderedItems"][0]["source"]["content"] == "Patient details stay here."
    for path in ("", "/history", "/history/1", "/history/1/notice"):
        with pytest.raises(StatusError) as refused:
            await gamma.app.state.network.fetch(uri + path)
        assert refused.value.status == 403, path
        # nor anyone unsigned
        unsigned = await alpha.get(uri.removeprefix(alpha.base) + path, headers=AP)
        assert unsigned.status_code == 401, path
    # And bea edits it from beta like any member
    sent = await remote_edits.propose(
        beta.pool, beta.config, community=f"clinic@{alpha.config.domain}", slug=made.page.slug,
        by="bea", base_version=1, title="Handover", markdown="Details stay here, always.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    taken = await remote_edits.latest(beta.pool, sent.page_id, sent.editor_actor_id)
    assert taken is not None and taken.accepted and taken.edit.version == 2


async def test_a_long_history_is_served_in_pages(three: Nodes) -> None:
    """A page's history collection pages through its versions, 20 at a time, newest first."""
    alpha, beta, _ = three
    made = await pages.create(
        alpha.pool, alpha.config, community="clinic", by="fa", title="Rota", markdown="v1",
    )  # fmt: skip
    for number in range(2, 26):
        await editing.edit(
            alpha.pool, alpha.config, community="clinic", slug=made.page.slug, by="fa",
            base_version=number - 1, title="Rota", markdown=f"v{number}",
        )  # fmt: skip
    history = await beta.app.state.network.fetch(f"{made.page.ap_id}/history")
    assert history["totalItems"] == 25
    first = await beta.app.state.network.fetch(history["first"])
    assert [item["fedcop:version"] for item in first["orderedItems"]] == list(range(25, 5, -1))
    second = await beta.app.state.network.fetch(first["next"])
    assert [item["fedcop:version"] for item in second["orderedItems"]] == list(range(5, 0, -1))
    assert "next" not in second
    assert second["orderedItems"][-1]["source"]["content"] == "v1"
