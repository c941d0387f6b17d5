"""Deleting an account: the actor's Delete reaches every server that knows it, over real
sockets, and those servers delete its posts; its sessions and API tokens stop working at once;
its name is never given again.

beta's bea posts in alpha's community (alpha and, through alpha's relay, gamma have it), in a
community of her own on beta that gamma's gus belongs to (relayed by beta to gamma), and is
followed by mona on a Mastodon-shaped server (tests/microblog_server.py).
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts, relay
from fedcop.services.account_data import deletion
from fedcop.services.errors import InvalidInput, NameTaken
from fedcop.store import actors as actor_store
from fedcop.store.account_data import deletion as deletion_store
from tests.live_node import LiveNode
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import settle, stored, three_nodes
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

PASSWORD = "long enough"


async def _write(node: LiveNode, author: str, community: str, title: str, text: str) -> Any:
    return await posts.write(
        node.pool,
        node.config,
        node.app.state.network,
        author=author,
        community_uri=community,
        title=title,
        content=text,
    )


async def _followed_by_mona(beta: LiveNode, mona: MicroblogServer, bea_uri: str) -> None:
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{mona.user}#follows/1",
        "type": "Follow",
        "actor": mona.user,
        "object": bea_uri,
    }
    response = await post(beta, encoded(follow), mona.sender)
    assert response.status_code == 202, response.text
    await settle(beta)
    assert any(activity.get("type") == "Accept" for activity in mona.received)


async def _api_status(node: LiveNode, token: str) -> int:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        response = await http.get(
            "/api/v1/accounts/verify_credentials",
            headers={"Host": node.config.domain, "Authorization": f"Bearer {token}"},
        )
    return response.status_code


@pytest.mark.parametrize("keep_posts", [False, True])
async def test_a_deleted_account_is_deleted_on_every_server_that_knew_it(
    pg_cluster: EmbeddedPostgres, keep_posts: bool
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        with microblog_server("masto") as mona:
            bea = await _bea(beta)
            mona.known_keys[bea.public_key_id] = bea.public_key_pem
            await _followed_by_mona(beta, mona, bea.uri)
            # bea's own community on beta, that gus (gamma) belongs to
            await accounts.create_community(
                beta.pool, beta.config, "circle", title="Circle", owner="bea"
            )
            await follows.follow_remote(
                gamma.pool, gamma.config, gamma.app.state.network, "gus", f"{beta.base}/c/circle"
            )
            await settle(alpha, beta, gamma)
            elsewhere = await _write(
                beta, "bea", f"{alpha.base}/c/stewards", "Shelf marks", "Use **call numbers**."
            )
            at_home = await _write(beta, "bea", f"{beta.base}/c/circle", "Hello", "A *first* word")
            await settle(alpha, beta, gamma)
            assert await stored(alpha, elsewhere.uri) is not None
            assert (await stored(gamma, elsewhere.uri)) is not None  # through alpha's relay
            assert (await stored(gamma, at_home.uri)) is not None  # through beta's relay

            token = await oauth.admin_token(beta.pool, "bea", "read write")
            assert await _api_status(beta, token) == 200
            async with signed_in(beta, "bea", PASSWORD) as browser:
                assert (await browser.http.get("/settings")).status_code == 200
                # When bea deletes her account from her settings, with her password
                await browser.csrf("/settings/delete")
                wrong = await browser.submit("/settings/delete", password="not it", posts="delete")
                assert wrong.status_code == 400
                assert "password is not right" in wrong.text
                done = await browser.submit(
                    "/settings/delete",
                    password=PASSWORD,
                    posts="keep" if keep_posts else "delete",
                )
                assert done.status_code == 200, done.text
                assert "Account deleted" in done.text
                # Then this browser is signed out, and the session would not count anyway
                settings = await browser.http.get("/settings")
                assert settings.status_code == 303
            # Nobody signs in to it again
            assert await _sign_in_status(beta, "bea") == 400
            # And her app's token stops working at once
            assert await _api_status(beta, token) == 401

            await settle(alpha, beta, gamma)
            # The Delete of the actor reached every server that knew her: signed by her
            deletes = [
                activity
                for activity in mona.received
                if activity.get("type") == "Delete" and activity.get("object") == bea.uri
            ]
            assert len(deletes) == 1 and deletes[0]["actor"] == bea.uri
            for node in (alpha, gamma):
                assert await _delete_received(node, bea.uri), node.config.domain
                # and they deleted her posts they kept
                for written in (elsewhere, at_home):
                    kept = await stored(node, written.uri)
                    if kept is not None:
                        assert kept.deleted_at is not None and kept.content == ""
            assert (await stored(alpha, elsewhere.uri)) is not None
            # Here, her posts are deleted, or kept under "a former member" as she chose
            here = await stored(beta, at_home.uri)
            assert (here.deleted_at is None) is keep_posts
            assert ("A <em>first</em> word" in here.content) is keep_posts
            async with beta.pool.acquire() as conn:
                actor = await actor_store.find_by_id(conn, bea.id)
            assert actor is not None
            assert actor.display_name == ("a former member" if keep_posts else "")
            # Her actor is gone, and her name is not given again
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{beta.port}") as http:
                gone = await http.get(
                    "/u/bea",
                    headers={"Host": beta.config.domain, "Accept": "application/activity+json"},
                )
            assert gone.status_code == 410
            with pytest.raises(NameTaken):
                await accounts.create_user(beta.pool, beta.config, "bea", PASSWORD)
            with pytest.raises(InvalidInput):
                await deletion.delete(beta.pool, beta.config, bea.id, keep_posts=False)


async def _bea(beta: LiveNode) -> Any:
    async with beta.pool.acquire() as conn:
        local = await actor_store.find_local(conn, "bea")
    assert local is not None
    return local.actor


async def _delete_received(node: LiveNode, actor_uri: str) -> bool:
    async with node.pool.acquire() as conn:
        state = await conn.fetchval(
            """
            SELECT state FROM inbound_activities
            WHERE activity_type = 'Delete' AND actor_uri = $1 AND document->>'object' = $1
            """,
            actor_uri,
        )
    return state == "done"


async def _sign_in_status(node: LiveNode, name: str) -> int:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{node.port}", headers={"Host": node.config.domain}
    ) as http:
        page = await http.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        response = await http.post(
            "/login", data={"csrf": token.group(1), "name": name, "password": PASSWORD}
        )
    return response.status_code


async def test_a_server_that_had_the_posts_only_through_a_community_hears_of_the_deletion(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        bea = await _bea(beta)
        thread = await _write(
            beta, "bea", f"{alpha.base}/c/stewards", "Shelf marks", "Use **call numbers**."
        )
        await settle(alpha, beta, gamma)
        # gamma has bea's post only through alpha's community: beta never wrote to gamma
        assert (await stored(gamma, thread.uri)) is not None
        async with beta.pool.acquire() as conn:
            assert "gamma" not in " ".join(await deletion_store.inboxes_knowing(conn, bea.id))
        await deletion.delete(beta.pool, beta.config, bea.id, keep_posts=False)
        await settle(alpha, beta, gamma)
        # alpha heard from beta and relayed the Delete; gamma believed it once beta said 410
        for node in (alpha, gamma):
            kept = await stored(node, thread.uri)
            assert kept is not None and kept.deleted_at is not None, node.config.domain
        async with gamma.pool.acquire() as conn:
            state = await conn.fetchval(
                """
                SELECT state FROM inbound_activities
                WHERE activity_type = 'Announce' AND document->'object'->>'type' = 'Delete'
                """
            )
        assert state == "done"


async def test_a_relayed_deletion_of_an_account_that_still_exists_is_not_believed(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        bea = await _bea(beta)
        thread = await _write(beta, "bea", f"{alpha.base}/c/stewards", "Still here", "Yes.")
        await settle(alpha, beta, gamma)
        # alpha's community relays a Delete of bea that bea never sent
        async with alpha.pool.acquire() as conn:
            community = await actor_store.find_by_uri(conn, f"{alpha.base}/c/stewards")
            assert community is not None
            forged = {"id": f"{bea.uri}#delete", "type": "Delete", "actor": bea.uri,
                      "object": bea.uri}  # fmt: skip
            await relay.relay(conn, alpha.config, community, forged)
        await settle(alpha, beta, gamma)
        kept = await stored(gamma, thread.uri)
        assert kept is not None and kept.deleted_at is None
