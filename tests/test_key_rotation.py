"""`fedcop admin rotate-key`: a new key pair, announced by an Update signed with the OLD key.

alpha: ana (followed by mona on a Mastodon-shaped stub, and by bo on the fedcop node beta)
rotate-key ana -> Update(ana, new publicKey) signed with the old key
   stub: verifies it with the only key it knows, the old one; learns the new one from it
   beta: verifies it with its cached (old) key; stores the new key
afterwards: ana's activities are signed with the new key and verify on both
"""

from __future__ import annotations

import subprocess
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, profiles
from fedcop.store import actors as actor_store
from fedcop.store import users as user_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.processes import clean_env, run_fedcop
from tests.signed_requests import activity, encoded, post

AP = {"Accept": "application/activity+json"}


def rotate(dsn: str, node: LiveNode, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_BASE_URL=node.base)
    return run_fedcop("admin", "rotate-key", *args, env=env)


async def public_key(node: LiveNode, path: str) -> str:
    return str((await node.get(path, headers=AP)).json()["publicKey"]["publicKeyPem"])


async def cached_key(node: LiveNode, uri: str) -> str:
    async with node.pool.acquire() as conn:
        actor = await actor_store.find_by_uri(conn, uri)
    assert actor is not None
    return actor.public_key_pem


@pytest.fixture
async def scene(
    pg_cluster: EmbeddedPostgres,
) -> AsyncIterator[tuple[LiveNode, str, LiveNode, MicroblogServer]]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        with microblog_server("masto") as masto:
            ana = await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
            await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
            masto.known_keys[ana.public_key_id] = ana.public_key_pem
            # mona (on the stub) and bo (on beta) follow ana
            follow = activity(masto.sender, "Follow", object=ana.uri)
            assert (await post(alpha, encoded(follow), masto.sender)).status_code == 202
            network = beta.app.state.network
            await follows.follow_remote(beta.pool, beta.config, network, "bo", ana.uri)
            for _ in range(3):
                await beta.drain()
                await alpha.drain()
            assert [item["type"] for item in masto.received] == ["Accept"]
            assert await cached_key(beta, ana.uri) == ana.public_key_pem
            masto.received.clear()
            yield alpha, alpha_dsn, beta, masto


async def test_rotation_is_announced_with_the_old_key_and_new_signatures_verify(
    scene: tuple[LiveNode, str, LiveNode, MicroblogServer],
) -> None:
    alpha, alpha_dsn, beta, masto = scene
    ana_uri = f"{alpha.base}/u/ana"
    old_key = await public_key(alpha, "/u/ana")
    # When the operator rotates ana's key
    result = rotate(alpha_dsn, alpha, "ana")
    assert result.returncode == 0, result.stderr
    assert "announces it to 2 inbox(es), signed with the old key" in result.stdout
    # Then her actor serves the new key, under the same key id
    new_key = await public_key(alpha, "/u/ana")
    assert new_key != old_key
    assert (await alpha.get("/u/ana", headers=AP)).json()["publicKey"][
        "id"
    ] == f"{ana_uri}#main-key"
    # And the Update reaches the stub, which knows only the old key: it was signed with it
    await alpha.drain()
    assert [item["type"] for item in masto.received] == ["Update"]
    announced = masto.received[0]["object"]
    assert announced["id"] == ana_uri
    assert announced["publicKey"]["publicKeyPem"] == new_key
    # And beta verified it with its cached old key and now holds the new one
    await beta.drain()
    assert await cached_key(beta, ana_uri) == new_key
    async with beta.pool.acquire() as conn:
        update_state = await conn.fetchval(
            "SELECT state FROM inbound_activities WHERE activity_type = 'Update'"
        )
    assert update_state == "done"
    # When ana does something after the rotation (she edits her profile)
    masto.known_keys[f"{ana_uri}#main-key"] = new_key  # the stub keeps the key it was sent
    masto.received.clear()
    async with alpha.pool.acquire() as conn:
        ana = await user_store.find_by_name(conn, "ana")
    assert ana is not None
    await profiles.update(
        alpha.pool,
        alpha.config,
        ana,
        display_name="Ana",
        bio_html="",
        organisation="",
        sector="",
        job_role="",
        expertise="",
    )
    await alpha.drain()
    # Then it is signed with the new key and verifies on the stub
    assert [item["type"] for item in masto.received] == ["Update"]
    # And on beta at the first delivery, although beta's inbox still holds the old key in its
    # memory: a signature that fails with it is checked again with the key in the database
    async with alpha.pool.acquire() as conn:
        states = await conn.fetch("SELECT state, last_status, attempts FROM deliveries ORDER BY id")
    assert [tuple(row) for row in states][-2:] == [("done", 202, 1)] * 2
    await beta.drain()
    async with beta.pool.acquire() as conn:
        names = await conn.fetchval("SELECT display_name FROM actors WHERE uri = $1", ana_uri)
    assert names == "Ana"


async def test_a_community_and_the_instance_actor_can_be_rotated(
    scene: tuple[LiveNode, str, LiveNode, MicroblogServer],
) -> None:
    alpha, alpha_dsn, _, _ = scene
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="ana"
    )
    before = await public_key(alpha, "/c/stewards")
    result = rotate(alpha_dsn, alpha, "stewards")
    assert result.returncode == 0, result.stderr
    assert await public_key(alpha, "/c/stewards") != before
    instance_before = await public_key(alpha, "/actor")
    result = rotate(alpha_dsn, alpha, "--instance-actor")
    assert result.returncode == 0, result.stderr
    assert "restart every fedcop serve and worker" in result.stdout
    assert await public_key(alpha, "/actor") != instance_before
    # Unknown names and ambiguous asks are refused, changing nothing
    for args, message in (
        (("nobody",), "no user or community 'nobody'"),
        (("ana", "--instance-actor"), "one of the two"),
        ((), "one of the two"),
    ):
        keys_before = await _all_keys(alpha)
        refused = rotate(alpha_dsn, alpha, *args)
        assert refused.returncode == 1 and message in refused.stderr, refused.stderr
        assert await _all_keys(alpha) == keys_before


async def _all_keys(node: LiveNode) -> list[Any]:
    async with node.pool.acquire() as conn:
        return list(await conn.fetch("SELECT id, public_key_pem FROM actors ORDER BY id"))
