"""Notifications: replies, mentions, favourites, boosts and follows tell the people they concern
(never about their own doing), here and across nodes; reading, filtering, paging, dismissing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import follows, oauth, posts, votes
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, join, post
from tests.api.test_timelines import links
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, stored, three_nodes


def summary(notifications: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    """(type, who, status id) of each notification."""
    return [
        (item["type"], item["account"]["acct"], item["status"]["id"] if "status" in item else None)
        for item in notifications
    ]


async def test_replies_mentions_favourites_and_boosts_notify_the_author(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's community, which bob joined, and a thread of alice's
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    thread = await post(api, alice, status="@stewards Metadata standards")
    # When alice acts on her own thread, she is told nothing
    await api.post(f"/api/v1/statuses/{thread['id']}/favourite", headers=alice.auth)
    await post(api, alice, status="Adding a note", in_reply_to_id=thread["id"])
    assert (await api.get("/api/v1/notifications", headers=alice.auth)).json() == []
    # When bob replies, favourites, boosts, and mentions her in a thread of his
    reply = await post(api, bob, status="We use Dublin Core", in_reply_to_id=thread["id"])
    await api.post(f"/api/v1/statuses/{thread['id']}/favourite", headers=bob.auth)
    await api.post(f"/api/v1/statuses/{thread['id']}/reblog", headers=bob.auth)
    mention = await post(api, bob, status="@stewards Question for @alice\nWhich schema?")
    # Then alice is told each, newest first, with the account and the status concerned
    response = await api.get("/api/v1/notifications", headers=alice.auth)
    assert response.status_code == 200
    told = response.json()
    assert summary(told) == [
        ("mention", "bob", mention["id"]),
        ("reblog", "bob", thread["id"]),
        ("favourite", "bob", thread["id"]),
        ("mention", "bob", reply["id"]),
    ]
    assert all(item["group_key"] == f"ungrouped-{item['id']}" for item in told)
    assert told[2]["status"]["favourited"] is True  # as alice sees it
    # And bob is told nothing (nobody did anything to him)
    assert (await api.get("/api/v1/notifications", headers=bob.auth)).json() == []

    # Filters: types[], exclude_types[], account_id
    only = await api.get("/api/v1/notifications?types[]=favourite", headers=alice.auth)
    assert summary(only.json()) == [("favourite", "bob", thread["id"])]
    without = await api.get(
        "/api/v1/notifications?exclude_types[]=mention&exclude_types[]=reblog",
        headers=alice.auth,
    )
    assert summary(without.json()) == [("favourite", "bob", thread["id"])]
    by_alice = await api.get(
        f"/api/v1/notifications?account_id={alice.actor.id}", headers=alice.auth
    )
    assert by_alice.json() == []

    # Paging: two at a time, following the Link header
    first = await api.get("/api/v1/notifications?limit=2", headers=alice.auth)
    second = await api.get(links(first)["next"], headers=alice.auth)
    assert [n["id"] for n in first.json() + second.json()] == [n["id"] for n in told]

    # One, dismissed, and all cleared
    path = f"/api/v1/notifications/{told[0]['id']}"
    assert (await api.get(path, headers=alice.auth)).json()["type"] == "mention"
    assert (await api.get(path, headers=bob.auth)).status_code == 404  # not his
    assert (await api.post(f"{path}/dismiss", headers=bob.auth)).status_code == 404
    assert (await api.post(f"{path}/dismiss", headers=alice.auth)).status_code == 200
    assert (await api.get(path, headers=alice.auth)).status_code == 404
    assert (await api.get("/api/v1/notifications/abc", headers=alice.auth)).status_code == 404
    assert (await api.post("/api/v1/notifications/clear", headers=alice.auth)).status_code == 200
    assert (await api.get("/api/v1/notifications", headers=alice.auth)).json() == []


async def test_notifications_need_a_user_with_the_scope(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    assert (await api.get("/api/v1/notifications")).status_code == 401
    writer = await api_user(app, config, "writer", scopes="write")
    refused = await api.get("/api/v1/notifications", headers=writer.auth)
    assert refused.status_code == 403
    assert "error" in refused.json()


async def test_a_deleted_post_takes_its_notifications_away(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    thread = await post(api, alice, status="@stewards Agenda")
    reply = await post(api, bob, status="Item one", in_reply_to_id=thread["id"])
    assert len((await api.get("/api/v1/notifications", headers=alice.auth)).json()) == 1
    await api.delete(f"/api/v1/statuses/{reply['id']}", headers=bob.auth)
    assert (await api.get("/api/v1/notifications", headers=alice.auth)).json() == []


# -- across nodes -----------------------------------------------------------------------------


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


async def api_call(
    node: LiveNode, method: str, path: str, token: str, **kwargs: Any
) -> httpx.Response:
    """A client API request to a node over TCP."""
    headers = {"Host": node.config.domain, "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        return await http.request(method, path, headers=headers, **kwargs)


async def test_people_on_other_nodes_reply_favourite_and_follow(three: Nodes) -> None:
    alpha, beta, _gamma = three
    fa_token = await oauth.admin_token(alpha.pool, "fa", "read write")
    bea_token = await oauth.admin_token(beta.pool, "bea", "read write")
    bea_acct = f"bea@{beta.config.domain}"
    # Given fa's thread in stewards, posted through the API on alpha
    written = await api_call(
        alpha, "POST", "/api/v1/statuses", fa_token, json={"status": "@stewards Welcome!"}
    )
    assert written.status_code == 200, written.text
    thread = written.json()
    await settle(*three)

    # When bea, on beta, replies to it, favourites it and follows fa
    reply = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/stewards", content="Hello from beta",
        in_reply_to=thread["uri"],
    )  # fmt: skip
    await settle(*three)
    await votes.vote(beta.pool, beta.config, voter="bea", post_uri=thread["uri"])
    await settle(*three)
    await follows.follow_remote(
        beta.pool, beta.config, beta.app.state.network, "bea", f"{alpha.base}/u/fa"
    )
    await settle(*three)

    # Then fa, on alpha, is told all three, with bea's account and her reply
    told = (await api_call(alpha, "GET", "/api/v1/notifications", fa_token)).json()
    assert [(n["type"], n["account"]["acct"]) for n in told] == [
        ("follow", bea_acct),
        ("favourite", bea_acct),
        ("mention", bea_acct),
    ]
    assert told[2]["status"]["uri"] == reply.uri
    assert "Hello from beta" in told[2]["status"]["content"]
    assert told[1]["status"]["id"] == thread["id"]

    # When bea boosts fa's thread through the API on beta
    on_beta = await stored(beta, thread["uri"])
    boosted = await api_call(beta, "POST", f"/api/v1/statuses/{on_beta.id}/reblog", bea_token)
    assert boosted.status_code == 200, boosted.text
    await settle(*three)
    # Then alpha counts the boost and fa is told
    shown = (await api_call(alpha, "GET", f"/api/v1/statuses/{thread['id']}", fa_token)).json()
    assert shown["reblogs_count"] == 1
    told = (await api_call(alpha, "GET", "/api/v1/notifications", fa_token)).json()
    assert (told[0]["type"], told[0]["account"]["acct"]) == ("reblog", bea_acct)
    # And when she takes it back, alpha forgets it
    await api_call(beta, "POST", f"/api/v1/statuses/{on_beta.id}/unreblog", bea_token)
    await settle(*three)
    shown = (await api_call(alpha, "GET", f"/api/v1/statuses/{thread['id']}", fa_token)).json()
    assert shown["reblogs_count"] == 0
    told = told[1:]

    # When fa answers bea's reply on alpha
    on_alpha = told[2]["status"]["id"]
    answer = await api_call(
        alpha, "POST", "/api/v1/statuses", fa_token,
        json={"status": "Welcome, bea", "in_reply_to_id": on_alpha},
    )  # fmt: skip
    assert answer.status_code == 200, answer.text
    await settle(*three)
    # Then bea, on beta, is told of it (it reached her through the community)
    hers = (await api_call(beta, "GET", "/api/v1/notifications", bea_token)).json()
    assert [(n["type"], n["account"]["acct"]) for n in hers] == [
        ("mention", f"fa@{alpha.config.domain}")
    ]
    assert hers[0]["status"]["uri"] == answer.json()["uri"]
