"""Cached remote actors are refreshed on a schedule: a server that renames someone (or moves
their inbox) without sending an Update does not leave this node stale for ever
(services/remote_actors.py: schedule_refreshes, refresh).

    beta: bo, who follows ana on alpha, then is renamed on beta (no Update is sent)
    alpha: ana and cy; alpha's copy of bo is made older than a day, then bo follows cy
    gamma: gu, who follows ana, then goes offline
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth
from fedcop.store import actors as actor_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.signed_requests import activity, encoded, local_sender, post


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, str]]:
    """alpha (ana, cy) on a database of its own; the cluster for the other nodes."""
    async with fresh_database(pg_cluster) as alpha_dsn, live_node(alpha_dsn, "alpha") as alpha:
        for name in ("ana", "cy"):
            await accounts.create_user(alpha.pool, alpha.config, name, "long enough")
        yield alpha, alpha_dsn


async def followers_of_ana(alpha: LiveNode) -> list[dict[str, Any]]:
    """ana's followers as her Mastodon app lists them."""
    token = await oauth.admin_token(alpha.pool, "ana", "read")
    async with alpha.pool.acquire() as conn:
        ana = await actor_store.find_by_uri(conn, f"{alpha.base}/u/ana")
    assert ana is not None
    headers = {"Host": alpha.config.domain, "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}") as http:
        response = await http.get(f"/api/v1/accounts/{ana.id}/followers", headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json())


async def make_old(node: LiveNode, uri: str) -> None:
    """The node's copy of `uri` was fetched more than a day ago."""
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET fetched_at = now() - interval '25 hours' WHERE uri = $1", uri
        )


async def refresh_task(node: LiveNode, uri: str) -> dict[str, Any] | None:
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT m.state, m.attempts, m.last_error, m.updated_at
            FROM maintenance m JOIN actors a ON a.id = m.actor_id
            WHERE m.kind = 'refresh' AND a.uri = $1
            """,
            uri,
        )
    return None if row is None else dict(row)


async def rename(node: LiveNode, name: str, display_name: str) -> None:
    """The node renames its user directly in its database: no Update goes out."""
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET display_name = $2 WHERE domain IS NULL AND username = $1",
            name,
            display_name,
        )


async def test_an_actor_renamed_without_an_update_is_refreshed_when_it_next_acts(
    nodes: tuple[LiveNode, str], pg_cluster: EmbeddedPostgres
) -> None:
    alpha, _ = nodes
    async with fresh_database(pg_cluster) as beta_dsn, live_node(beta_dsn, "beta") as beta:
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        bo = f"{beta.base}/u/bo"
        network = beta.app.state.network
        # Given bo on beta follows ana, and alpha keeps a copy of bo
        await rename(beta, "bo", "Bo")
        await follows.follow_remote(beta.pool, beta.config, network, "bo", f"{alpha.base}/u/ana")
        await settle(alpha, beta)
        assert [f["display_name"] for f in await followers_of_ana(alpha)] == ["Bo"]
        # And beta renames bo without telling anyone, a day after alpha read bo
        await rename(beta, "bo", "Bo Renamed")
        await make_old(alpha, bo)

        # When bo next does something that reaches alpha (follows cy)
        await follows.follow_remote(beta.pool, beta.config, network, "bo", f"{alpha.base}/u/cy")
        await settle(alpha, beta)

        # Then ana's app shows bo's new name, and nothing is left due
        assert [f["display_name"] for f in await followers_of_ana(alpha)] == ["Bo Renamed"]
        assert await refresh_task(alpha, bo) is None

        # When beta renames bo again and bo acts again, the same day
        await rename(beta, "bo", "Bo Again")
        await follows.unfollow_remote(beta.pool, beta.config, "bo", f"{alpha.base}/u/cy")
        await settle(alpha, beta)
        # Then alpha does not read bo again before a day has passed
        assert [f["display_name"] for f in await followers_of_ana(alpha)] == ["Bo Renamed"]


async def test_an_actor_whose_server_is_down_keeps_its_cached_copy(
    nodes: tuple[LiveNode, str], pg_cluster: EmbeddedPostgres
) -> None:
    alpha, _ = nodes
    # Given gu on gamma follows ana, and then gamma goes offline
    async with fresh_database(pg_cluster) as gamma_dsn:
        async with live_node(gamma_dsn, "gamma") as gamma:
            await accounts.create_user(gamma.pool, gamma.config, "gu", "long enough")
            await rename(gamma, "gu", "Gu of Gamma")
            gu = f"{gamma.base}/u/gu"
            await follows.follow_remote(
                gamma.pool, gamma.config, gamma.app.state.network, "gu", f"{alpha.base}/u/ana"
            )
            await settle(alpha, gamma)
            sender = await local_sender(gamma, "gu")
        assert [f["display_name"] for f in await followers_of_ana(alpha)] == ["Gu of Gamma"]
        # And alpha's copy of gu is more than a day old
        await make_old(alpha, gu)

        # When an activity signed by gu still reaches alpha (a resent Like of nothing here)
        like = activity(sender, "Like", object=f"{alpha.base}/posts/404")
        assert (await post(alpha, encoded(like), sender)).status_code == 202
        await settle(alpha)

        # Then the refresh failed quietly: ana still sees gu as alpha knew them
        assert [f["display_name"] for f in await followers_of_ana(alpha)] == ["Gu of Gamma"]
        task = await refresh_task(alpha, gu)
        assert task is not None
        assert (task["state"], task["attempts"]) == ("given_up", 1)
        assert task["last_error"]

        # When gu's activities keep coming the same day
        again = activity(sender, "Like", object=f"{alpha.base}/posts/405")
        assert (await post(alpha, encoded(again), sender)).status_code == 202
        await settle(alpha)
        # Then gu's server is not tried again before a day has passed
        assert await refresh_task(alpha, gu) == task
        assert [f["display_name"] for f in await followers_of_ana(alpha)] == ["Gu of Gamma"]
