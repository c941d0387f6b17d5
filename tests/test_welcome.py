"""A community's welcome message, sent privately to every new member when their join is
accepted — a member here, a member on another fedcop node, a member on a Mastodon-shaped server
— and the page a newly registered person lands on: communities to join, the busiest first.

alpha: fa (facilitates "stewards"); beta: bea; gamma: gus (members since the scene began);
masto: mona (tests/microblog_server.py).
"""

from __future__ import annotations

import re
import uuid

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, admin, follows, posts
from fedcop.store import actors as actor_store
from fedcop.store import users as user_store
from federation.vocab import PUBLIC
from tests.live_node import LiveNode
from tests.microblog_server import microblog_server
from tests.scene import settle, three_nodes
from tests.signed_requests import encoded, local_sender, post
from tests.web_session import signed_in

PASSWORD = "long enough"
WELCOME = "Welcome {name}! Introduce yourself in the *Introductions* thread."


async def direct_messages_to(node: LiveNode, username: str) -> list[str]:
    """The content of the direct messages a person on `node` has received."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT p.content FROM posts p JOIN direct_recipients r ON r.post_id = p.id
            JOIN actors a ON a.id = r.actor_id
            WHERE p.visibility = 'direct' AND a.username = $1 AND a.domain IS NULL
            ORDER BY p.id
            """,
            username,
        )
    return [row["content"] for row in rows]


async def test_every_new_member_is_welcomed_privately_once(pg_cluster: EmbeddedPostgres) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        # Given fa sets a welcome message on the Facilitate page
        async with signed_in(alpha, "fa", PASSWORD) as fa:
            await fa.csrf("/c/stewards/manage")
            saved = await fa.submit("/c/stewards/manage/welcome", welcome=WELCOME)
            assert saved.status_code == 303
            assert "Introduce yourself" in await fa.page("/c/stewards/manage")
        # And a thread, so that stewards is the busiest community; a quiet one beside it
        await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="fa",
            community_uri=f"{alpha.base}/c/stewards", title="Introductions", content="Say hi.",
        )  # fmt: skip
        await accounts.create_community(
            alpha.pool, alpha.config, "quiet", title="Quiet Corner", owner="fa"
        )
        # Members who joined before the message was set are not welcomed after the fact
        assert await direct_messages_to(beta, "bea") == []

        # When Nia registers on alpha, which takes sign-ups
        await accounts.create_user(alpha.pool, alpha.config, "ops", PASSWORD, is_admin=True)
        async with alpha.pool.acquire() as conn:
            ops = await user_store.find_by_name(conn, "ops")
        assert ops is not None
        await admin.save_settings(
            alpha.pool, ops, organisation="", description="", registrations="open"
        )
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{alpha.port}", headers={"Host": alpha.config.domain}
        ) as http:
            form = await http.get("/register")
            token = re.search(r'name="csrf" value="([^"]+)"', form.text)
            assert token is not None
            registered = await http.post(
                "/register",
                data={"csrf": token.group(1), "name": "nia", "password": PASSWORD},
            )
            # Then she lands on the communities she could join, the busiest first
            assert registered.status_code == 303
            assert registered.headers["location"] == "/welcome"
            landing = await http.get("/welcome")
            assert landing.status_code == 200
            text = landing.text
            assert text.index("Data Stewards") < text.index("Quiet Corner")
            assert "1 post in the last 30 days" in text
            # When she joins stewards from there
            token = re.search(r'name="csrf" value="([^"]+)"', text)
            assert token is not None
            joined = await http.post("/c/stewards/join", data={"csrf": token.group(1)})
            assert joined.status_code == 303
            # Then stewards is no longer suggested to her
            assert "Data Stewards" not in (await http.get("/welcome")).text
        await settle(alpha, beta, gamma)
        # And she got the welcome privately, from fa, with her name
        [welcome] = await direct_messages_to(alpha, "nia")
        assert "Welcome nia!" in welcome and "<em>Introductions</em>" in welcome
        async with signed_in(alpha, "nia", PASSWORD) as nia:
            assert "Welcome nia!" in await nia.page("/messages")

        # When gil joins from gamma, and mona from a Mastodon-shaped server
        await accounts.create_user(gamma.pool, gamma.config, "gil", PASSWORD)
        await follows.join(
            gamma.pool, gamma.config, gamma.app.state.network, "gil", f"{alpha.base}/c/stewards"
        )
        with microblog_server("masto") as mona:
            for name in ("fa", "stewards"):
                sender = await local_sender(alpha, name)
                async with alpha.pool.acquire() as conn:
                    local = await actor_store.find_local(conn, name)
                assert local is not None
                mona.known_keys[sender.key_id] = local.actor.public_key_pem
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{mona.user}#follows/{uuid.uuid4().int}",
                "type": "Follow",
                "actor": mona.user,
                "object": f"{alpha.base}/c/stewards",
            }
            response = await post(alpha, encoded(follow), mona.sender, path="/c/stewards/inbox")
            assert response.status_code == 202
            await settle(alpha, beta, gamma)
            # Then each gets the welcome on their own server, addressed to them alone
            [on_gamma] = await direct_messages_to(gamma, "gil")
            assert "Welcome gil!" in on_gamma
            [create] = [a for a in mona.received if a["type"] == "Create"]
            assert create["actor"] == f"{alpha.base}/u/fa"
            assert create["object"]["to"] == [mona.user] and create["object"]["cc"] == []
            assert "Welcome mona!" in create["object"]["content"]
            assert PUBLIC not in str(create)
            # And when mona follows again (her server retries), she is not welcomed twice
            follow["id"] = f"{mona.user}#follows/{uuid.uuid4().int}"
            await post(alpha, encoded(follow), mona.sender, path="/c/stewards/inbox")
            await settle(alpha, beta, gamma)
            assert len([a for a in mona.received if a["type"] == "Create"]) == 1
        # And nobody else got any of these messages
        assert await direct_messages_to(beta, "bea") == []
        assert await direct_messages_to(gamma, "gus") == []
        async with alpha.pool.acquire() as conn:
            welcomed = await conn.fetchval(
                "SELECT count(*) FROM community_messages WHERE kind = 'welcome'"
            )
        assert welcomed == 3


async def test_a_member_approved_by_hand_is_welcomed_when_approved(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        # Given stewards approves its members by hand, and has a welcome message
        await follows.set_manual_approval(alpha.pool, "stewards", True)
        async with signed_in(alpha, "fa", PASSWORD) as fa:
            await fa.csrf("/c/stewards/manage")
            await fa.submit("/c/stewards/manage/welcome", welcome=WELCOME)
        # When gil on gamma asks to join
        await accounts.create_user(gamma.pool, gamma.config, "gil", PASSWORD)
        await follows.join(
            gamma.pool, gamma.config, gamma.app.state.network, "gil", f"{alpha.base}/c/stewards"
        )
        await settle(alpha, beta, gamma)
        # Then nothing is sent while the request waits
        assert await direct_messages_to(gamma, "gil") == []
        # When fa approves it, gil is welcomed on gamma
        await follows.decide_request(
            alpha.pool, alpha.config, "stewards", f"{gamma.base}/u/gil", approve=True
        )
        await settle(alpha, beta, gamma)
        [welcome] = await direct_messages_to(gamma, "gil")
        assert "Welcome gil!" in welcome
