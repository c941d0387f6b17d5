"""A user mutes a conversation: replies, mentions, favourites and boosts in that thread no longer
notify them, from here or from another node, until they unmute it; `muted` in its statuses says
so. Other threads still notify them."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from tests.api.conftest import ApiUser, api_user
from tests.api.test_notifications import summary
from tests.api.test_statuses import community, join, post
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.scene import settle


async def told(api: httpx.AsyncClient, user: ApiUser) -> list[tuple[str, str, str | None]]:
    response = await api.get("/api/v1/notifications", headers=user.auth)
    assert response.status_code == 200
    return summary(response.json())


async def test_a_muted_conversation_tells_nothing(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's thread in her community, which bob joined, and another thread of hers
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    thread = await post(api, alice, status="@stewards Metadata standards\nWhich?")
    other = await post(api, alice, status="@stewards Storage\nWhere?")
    first = await post(api, bob, status="Dublin Core", in_reply_to_id=thread["id"])

    # When alice mutes the conversation from a reply in it
    muted = await api.post(f"/api/v1/statuses/{first['id']}/mute", headers=alice.auth)
    assert muted.status_code == 200, muted.text
    assert muted.json()["muted"] is True
    # Then every post of the thread shows as muted to her, not to bob
    for status_id in (thread["id"], first["id"]):
        seen = (await api.get(f"/api/v1/statuses/{status_id}", headers=alice.auth)).json()
        assert seen["muted"] is True
    assert (await api.get(f"/api/v1/statuses/{thread['id']}", headers=bob.auth)).json()[
        "muted"
    ] is False
    other_seen = (await api.get(f"/api/v1/statuses/{other['id']}", headers=alice.auth)).json()
    assert other_seen["muted"] is False

    # When bob replies to her thread, mentions her in it, favourites and boosts it
    await post(api, bob, status="And MODS", in_reply_to_id=thread["id"])
    await post(api, bob, status="@alice what do you think?", in_reply_to_id=first["id"])
    await api.post(f"/api/v1/statuses/{thread['id']}/favourite", headers=bob.auth)
    await api.post(f"/api/v1/statuses/{thread['id']}/reblog", headers=bob.auth)
    # and replies to her other thread
    elsewhere = await post(api, bob, status="In the cloud", in_reply_to_id=other["id"])

    # Then she is told only about the other thread (and the reply before she muted)
    assert await told(api, alice) == [
        ("mention", "bob", elsewhere["id"]),
        ("mention", "bob", first["id"]),
    ]

    # When she unmutes it, the next reply tells her again
    unmuted = await api.post(f"/api/v1/statuses/{thread['id']}/unmute", headers=alice.auth)
    assert unmuted.status_code == 200 and unmuted.json()["muted"] is False
    later = await post(api, bob, status="One more", in_reply_to_id=thread["id"])
    assert (await told(api, alice))[0] == ("mention", "bob", later["id"])


async def test_muting_needs_a_user_with_the_scope_and_a_readable_post(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    await community(app, config, "clinic", "alice", private=True)
    thread = await post(api, alice, status="@stewards Topic\nText")
    private = await post(api, alice, status="@clinic Rota\nText", visibility="private")
    bob = await api_user(app, config, "bob")
    assert (await api.post(f"/api/v1/statuses/{thread['id']}/mute")).status_code == 401
    reader = await api_user(app, config, "reader", scopes="read")
    refused = await api.post(f"/api/v1/statuses/{thread['id']}/mute", headers=reader.auth)
    assert refused.status_code == 403
    assert (await api.post("/api/v1/statuses/123/mute", headers=alice.auth)).status_code == 404
    # A members-only post bob may not read is unknown to him
    hidden = await api.post(f"/api/v1/statuses/{private['id']}/mute", headers=bob.auth)
    assert (hidden.status_code, hidden.json()) == (404, {"error": "Record not found"})
    async with app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM muted_conversations") == 0


async def test_replies_from_another_node_in_a_muted_conversation_tell_nothing(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        # Given alice's thread in her community on alpha, and bea on beta a member of it
        alice = await api_user(alpha.app, alpha.config, "alice")
        stewards = await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Stewards", owner="alice"
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "bea", stewards.uri
        )
        await settle(alpha, beta)
        transport = httpx.ASGITransport(app=alpha.app)
        async with httpx.AsyncClient(transport=transport, base_url=alpha.base) as api:
            thread = await post(api, alice, status="@stewards Schedules\nWhich ones?")
            quiet = await post(api, alice, status="@stewards Formats\nWhich ones?")
            await settle(alpha, beta)
            # When alice mutes the first, and bea answers both from beta
            await api.post(f"/api/v1/statuses/{thread['id']}/mute", headers=alice.auth)
            for answered in (thread, quiet):
                await posts.write(
                    beta.pool, beta.config, beta.app.state.network,
                    author="bea", community_uri=stewards.uri, content="Ours are online.",
                    in_reply_to=answered["uri"],
                )  # fmt: skip
            await settle(alpha, beta)
            # Then alice is told only of the answer to the other thread
            notifications = (await api.get("/api/v1/notifications", headers=alice.auth)).json()
            assert [(n["type"], n["status"]["in_reply_to_id"]) for n in notifications] == [
                ("mention", quiet["id"])
            ]
