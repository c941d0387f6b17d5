"""A person pins their own posts on their profile, as on Mastodon: `pinned` in the status, the
pins listed by `/accounts/:id/statuses?pinned=true`, at most five, never someone else's or a
members-only post; the pins are the person's `featured` collection, and their followers'
servers are sent `Add` and `Remove`. A community's pinned threads are another thing."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, moderation
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, join, post
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.microblog_server import microblog_server
from tests.scene import settle
from tests.signed_requests import encoded
from tests.signed_requests import post as signed_post

AP = {"Accept": "application/activity+json"}


async def pinned_ids(api: httpx.AsyncClient, account_id: int, viewer: ApiUser | None) -> list[str]:
    response = await api.get(
        f"/api/v1/accounts/{account_id}/statuses",
        params={"pinned": "true"},
        headers=viewer.auth if viewer else {},
    )
    assert response.status_code == 200, response.text
    return [status["id"] for status in response.json()]


async def test_a_person_pins_and_unpins_their_own_posts(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's community and two threads of hers
    await community(app, config, "stewards", "alice")
    first = await post(api, alice, status="@stewards Retention\nHow long?")
    second = await post(api, alice, status="@stewards Formats\nWhich ones?")
    assert first["pinned"] is False

    # When she pins them, the first one first
    pinned = await api.post(f"/api/v1/statuses/{first['id']}/pin", headers=alice.auth)
    assert pinned.status_code == 200, pinned.text
    assert pinned.json()["pinned"] is True
    await api.post(f"/api/v1/statuses/{second['id']}/pin", headers=alice.auth)
    # and pins one again (nothing changes)
    again = await api.post(f"/api/v1/statuses/{first['id']}/pin", headers=alice.auth)
    assert again.status_code == 200 and again.json()["pinned"] is True

    # Then her profile lists them, the latest pinned first, to anyone
    assert await pinned_ids(api, alice.actor.id, alice) == [second["id"], first["id"]]
    assert await pinned_ids(api, alice.actor.id, None) == [second["id"], first["id"]]
    shown = (await api.get(f"/api/v1/statuses/{first['id']}", headers=alice.auth)).json()
    assert shown["pinned"] is True
    # and her featured collection names them
    featured = (await api.get("/u/alice/featured", headers=AP)).json()
    assert featured["orderedItems"] == [second["uri"], first["uri"]]
    assert featured["totalItems"] == 2
    person = (await api.get("/u/alice", headers=AP)).json()
    assert person["featured"] == f"{config.base_url}/u/alice/featured"

    # When she unpins the first
    unpinned = await api.post(f"/api/v1/statuses/{first['id']}/unpin", headers=alice.auth)
    assert unpinned.status_code == 200 and unpinned.json()["pinned"] is False
    assert await pinned_ids(api, alice.actor.id, alice) == [second["id"]]
    # A deleted post leaves the pins
    await api.delete(f"/api/v1/statuses/{second['id']}", headers=alice.auth)
    assert await pinned_ids(api, alice.actor.id, alice) == []
    assert (await api.get("/u/alice/featured", headers=AP)).json()["orderedItems"] == []


async def test_pins_are_refused_with_mastodons_errors(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    stewards = await community(app, config, "stewards", "alice")
    await community(app, config, "clinic", "alice", private=True)
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    theirs = await post(api, bob, status="@stewards Bob's thread\nHello")

    # Someone else's post
    refused = await api.post(f"/api/v1/statuses/{theirs['id']}/pin", headers=alice.auth)
    assert (refused.status_code, refused.json()) == (
        422,
        {"error": "Validation failed: Someone else's post cannot be pinned"},
    )
    # A members-only post
    private = await post(api, alice, status="@clinic Rota\nFor members", visibility="private")
    refused = await api.post(f"/api/v1/statuses/{private['id']}/pin", headers=alice.auth)
    assert (refused.status_code, refused.json()) == (
        422,
        {"error": "Validation failed: Non-public toot cannot be pinned"},
    )
    # More than five
    mine = [(await post(api, alice, status=f"@stewards Note {n}\nText"))["id"] for n in range(6)]
    for status_id in mine[:5]:
        response = await api.post(f"/api/v1/statuses/{status_id}/pin", headers=alice.auth)
        assert response.status_code == 200
    refused = await api.post(f"/api/v1/statuses/{mine[5]}/pin", headers=alice.auth)
    assert (refused.status_code, refused.json()) == (
        422,
        {"error": "Validation failed: You have already pinned the maximum number of posts"},
    )
    # Unknown posts, no token, a token without the scope
    assert (await api.post("/api/v1/statuses/123/pin", headers=alice.auth)).status_code == 404
    assert (await api.post(f"/api/v1/statuses/{mine[5]}/pin")).status_code == 401
    reader = await api_user(app, config, "reader", scopes="read")
    no_scope = await api.post(f"/api/v1/statuses/{mine[5]}/pin", headers=reader.auth)
    assert no_scope.status_code == 403
    # Nothing was pinned by any of these
    assert await pinned_ids(api, alice.actor.id, alice) == list(reversed(mine[:5]))
    assert await pinned_ids(api, bob.actor.id, bob) == []
    # The instance says how many may be pinned
    instance = (await api.get("/api/v2/instance")).json()
    assert instance["configuration"]["accounts"]["max_pinned_statuses"] == 5


async def test_a_communitys_pinned_threads_are_not_its_authors_pins(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a thread by bob that alice, a facilitator, pins in the community
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    thread = await post(api, bob, status="@stewards House rules\nRead first")
    await moderation.act(
        app.state.pool,
        config,
        app.state.network,
        moderator="alice",
        community_uri=stewards,
        action=moderation.Action("pin", thread["uri"]),
    )
    group_id = thread["mentions"][0]["id"]
    # Then the community lists it among its pins, and bob's profile does not
    assert await pinned_ids(api, int(group_id), bob) == [thread["id"]]
    assert await pinned_ids(api, bob.actor.id, bob) == []
    # and the status is not "pinned" by its author
    shown = (await api.get(f"/api/v1/statuses/{thread['id']}", headers=bob.auth)).json()
    assert shown["pinned"] is False


async def test_followers_servers_are_told_of_pins(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        fa = await api_user(alpha.app, alpha.config, "fa")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        with microblog_server("masto") as masto:
            masto.known_keys[fa.actor.public_key_id] = fa.actor.public_key_pem
            # Given mona, on a microblog server, follows fa
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{masto.user}#follows/{uuid.uuid4().int}",
                "type": "Follow",
                "actor": masto.user,
                "object": fa.actor.uri,
            }
            sent = await signed_post(alpha, encoded(follow), masto.sender, path="/u/fa/inbox")
            assert sent.status_code == 202
            await settle(alpha)
            assert [a["type"] for a in masto.received] == ["Accept"]
            transport = httpx.ASGITransport(app=alpha.app)
            async with httpx.AsyncClient(transport=transport, base_url=alpha.base) as api:
                thread = await post(api, fa, status="@stewards Welcome\nHello")
                # When fa pins the thread, then unpins it
                await api.post(f"/api/v1/statuses/{thread['id']}/pin", headers=fa.auth)
                await settle(alpha)
                await api.post(f"/api/v1/statuses/{thread['id']}/unpin", headers=fa.auth)
                await settle(alpha)
            # Then mona's server was sent Add, then Remove, of the post to fa's featured
            told = [a for a in masto.received if a["type"] in ("Add", "Remove")]
            assert [(a["type"], a["object"], a["target"]) for a in told] == [
                ("Add", thread["uri"], f"{fa.actor.uri}/featured"),
                ("Remove", thread["uri"], f"{fa.actor.uri}/featured"),
            ]
            assert all(a["actor"] == fa.actor.uri for a in told)


async def test_a_fedcop_follower_records_a_pin_and_changes_nothing(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        # Given bea on beta follows alice on alpha
        alice = await api_user(alpha.app, alpha.config, "alice")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Stewards", owner="alice"
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "bea", alice.actor.uri
        )
        await settle(alpha, beta)
        transport = httpx.ASGITransport(app=alpha.app)
        async with httpx.AsyncClient(transport=transport, base_url=alpha.base) as api:
            thread = await post(api, alice, status="@stewards Welcome\nHello")
            # When alice pins her thread
            pinned = await api.post(f"/api/v1/statuses/{thread['id']}/pin", headers=alice.auth)
            assert pinned.status_code == 200
        await settle(alpha, beta)
        # Then beta received the Add, recorded it as not its business, and changed nothing
        async with beta.pool.acquire() as conn:
            add = await conn.fetchrow(
                "SELECT state, last_error FROM inbound_activities WHERE activity_type = 'Add'"
            )
            pins = await conn.fetchval("SELECT count(*) FROM community_pins")
        assert add is not None
        assert (add["state"], add["last_error"]) == ("ignored", None)
        assert pins == 0
