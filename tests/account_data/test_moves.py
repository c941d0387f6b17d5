"""A person elsewhere moves to a new account: a `Move` from the old one, believed only when the
new account (fetched afresh, over a real socket) lists the old one in `alsoKnownAs`; then the
members here who followed the old account follow the new one, and no longer the old one."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.store import actors as actor_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import settle
from tests.signed_requests import encoded, post
from tests.web_session import signed_in


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        for name in ("ann", "abe"):
            await accounts.create_user(node.pool, node.config, name, "long enough")
        yield node


def _move(old: MicroblogServer, new: MicroblogServer, number: int) -> bytes:
    return encoded(
        {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{old.user}#moves/{number}",
            "type": "Move",
            "actor": old.user,
            "object": old.user,
            "target": new.user,
        }
    )


async def _followed(node: LiveNode, follower: str) -> list[str]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT b.uri FROM follows f JOIN actors a ON a.id = f.follower_id
            JOIN actors b ON b.id = f.followed_id
            WHERE a.username = $1 AND a.domain IS NULL ORDER BY b.uri
            """,
            follower,
        )
    return [row["uri"] for row in rows]


async def _state(node: LiveNode, activity_id: str) -> tuple[str, str | None]:
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, reason FROM inbound_activities WHERE activity_id = $1", activity_id
        )
    assert row is not None
    return row["state"], row["reason"]


async def test_a_move_from_elsewhere_moves_the_follows_here(alpha: LiveNode) -> None:
    async with alpha.pool.acquire() as conn:
        ann = await actor_store.find_local(conn, "ann")
    assert ann is not None
    with (
        microblog_server("oldhome") as mona,
        microblog_server("newhome") as new_mona,
        microblog_server("liar", "mona") as impostor,
    ):
        for server in (mona, new_mona, impostor):
            server.known_keys[ann.actor.public_key_id] = ann.actor.public_key_pem
        new_mona.actor_extra = {"alsoKnownAs": [mona.user]}
        await follows.follow_remote(
            alpha.pool, alpha.config, alpha.app.state.network, "ann", mona.user
        )
        await settle(alpha)
        # A Move to an account that does not name mona as its alias is not believed
        refused = await post(alpha, _move(mona, impostor, 1), mona.sender)
        assert refused.status_code == 202
        await settle(alpha)
        state, reason = await _state(alpha, f"{mona.user}#moves/1")
        assert state == "rejected" and reason is not None and "alsoKnownAs" in reason
        assert await _followed(alpha, "ann") == [mona.user]
        assert not impostor.received

        # When mona moves to the account that lists her old one
        response = await post(alpha, _move(mona, new_mona, 2), mona.sender)
        assert response.status_code == 202
        await settle(alpha)
        # Then ann follows the new account (its server got her Follow) and not the old one
        assert await _followed(alpha, "ann") == [new_mona.user]
        assert [a["type"] for a in new_mona.received] == ["Follow"]
        assert [a["type"] for a in mona.received] == ["Follow", "Undo"]
        # abe, who did not follow mona, follows nobody
        assert await _followed(alpha, "abe") == []


async def test_a_member_here_moves_to_an_account_elsewhere(alpha: LiveNode) -> None:
    async with alpha.pool.acquire() as conn:
        ann = await actor_store.find_local(conn, "ann")
    assert ann is not None
    with microblog_server("fans", "fan") as fan, microblog_server("newhome", "ann") as new_ann:
        for server in (fan, new_ann):
            server.known_keys[ann.actor.public_key_id] = ann.actor.public_key_pem
        follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{fan.user}#follows/1",
            "type": "Follow",
            "actor": fan.user,
            "object": ann.actor.uri,
        }
        assert (await post(alpha, encoded(follow), fan.sender)).status_code == 202
        await settle(alpha)
        new_address = f"ann@{new_ann.origin.split('://')[1]}"
        async with signed_in(alpha, "ann", "long enough") as browser:
            await browser.csrf("/settings/data")
            # The new account does not list ann's yet: nothing moves
            refused = await browser.submit(
                "/settings/data/move", account=new_address, password="long enough"
            )
            assert refused.status_code == 400 and "alsoKnownAs" in refused.text
            assert not [a for a in fan.received if a["type"] == "Move"]
            # ann lists her new account as her alias, and the new account lists hers
            listed = await browser.submit("/settings/data/aliases", account=new_address)
            assert listed.status_code == 200 and new_ann.user in listed.text
            new_ann.actor_extra = {"alsoKnownAs": [ann.actor.uri]}
            moved = await browser.submit(
                "/settings/data/move", account=new_address, password="long enough"
            )
            assert moved.status_code == 200, moved.text
            assert f"You moved to {new_ann.user}" in moved.text
            # A profile saved afterwards still says where she went
            await browser.csrf("/settings")
            saved = await browser.submit("/settings/profile", display_name="Ann, moved")
            assert saved.status_code == 200
        await settle(alpha)
        # Deliveries of separate activities may arrive in any order: tell them by content.
        # Only the Update of the alias listing, made before the move, lacks movedTo.
        updates = [a["object"] for a in fan.received if a["type"] == "Update"]
        before_move = [u for u in updates if "movedTo" not in u]
        assert len(before_move) == 1 and before_move[0]["alsoKnownAs"] == [new_ann.user]
        assert all(u.get("movedTo") == new_ann.user for u in updates if u not in before_move)
        renamed = [u for u in updates if u["name"] == "Ann, moved"]
        assert len(renamed) == 1 and renamed[0]["movedTo"] == new_ann.user
        # Her follower's server got the Move, signed by her (the microblog server verified it)
        moves = [a for a in fan.received if a["type"] == "Move"]
        assert len(moves) == 1
        assert moves[0]["object"] == ann.actor.uri and moves[0]["target"] == new_ann.user
        assert moves[0]["actor"] == ann.actor.uri
        # Her actor now says where she went, and her other accounts
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}") as http:
            actor = await http.get(
                "/u/ann",
                headers={"Host": alpha.config.domain, "Accept": "application/activity+json"},
            )
        document = actor.json()
        assert document["movedTo"] == new_ann.user
        assert document["alsoKnownAs"] == [new_ann.user]
