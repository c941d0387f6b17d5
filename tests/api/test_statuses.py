"""Statuses through the client API on one node: posting into a community by mentioning it,
replying, reading a thread, favourites, bookmarks, boosts and deleting; members-only posts;
and bad requests, each of which changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows
from tests.api.conftest import ApiUser, api_user


async def community(app: Any, config: Config, name: str, owner: str, **options: Any) -> str:
    await accounts.create_community(
        app.state.pool, config, name, title=name.title(), owner=owner, **options
    )
    return f"{config.base_url}/c/{name}"


async def join(app: Any, config: Config, user: ApiUser, community_uri: str) -> None:
    await follows.join(
        app.state.pool, config, app.state.network, user.actor.username, community_uri
    )


async def post(api: httpx.AsyncClient, user: ApiUser, **fields: Any) -> dict[str, Any]:
    response = await api.post("/api/v1/statuses", json=fields, headers=user.auth)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def post_count(app: Any) -> int:
    async with app.state.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM posts"))


async def test_a_member_posts_replies_and_acts_on_statuses(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice founded "stewards" and bob joined it
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)

    # When bob posts a status that mentions the community
    thread = await post(
        api, bob, status="@stewards Retention schedules?\nHow do you keep them? #Records"
    )
    # Then it is a thread in the community: title first, then the body, hashtag and mention
    assert "<strong>Retention schedules?</strong>" in thread["content"]
    assert "How do you keep them?" in thread["content"]
    assert thread["account"]["acct"] == "bob"
    assert thread["visibility"] == "public"
    assert thread["mentions"][0]["acct"] == "stewards"
    assert thread["mentions"][0]["url"] == stewards
    assert thread["tags"] == [{"name": "records", "url": f"{config.base_url}/tags/records"}]
    assert thread["in_reply_to_id"] is None
    assert thread["url"] == f"{config.base_url}/t/{thread['id']}"
    assert (thread["favourited"], thread["bookmarked"], thread["reblogged"]) == (
        False,
        False,
        False,
    )
    # And anyone can read it, without a token
    anonymous = await api.get(f"/api/v1/statuses/{thread['id']}")
    assert anonymous.status_code == 200
    assert anonymous.json()["id"] == thread["id"]
    assert "favourited" not in anonymous.json()

    # When alice replies to it
    reply = await post(
        api, alice, status="We keep a schedule per record type.", in_reply_to_id=thread["id"]
    )
    assert reply["in_reply_to_id"] == thread["id"]
    assert reply["in_reply_to_account_id"] == str(bob.actor.id)
    assert reply["mentions"][0]["acct"] == "stewards"  # an app's reply stays in the community
    # Then the thread shows it, and each knows the other
    context = (await api.get(f"/api/v1/statuses/{thread['id']}/context")).json()
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]
    assert context["ancestors"] == []
    context = (await api.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert [s["id"] for s in context["ancestors"]] == [thread["id"]]
    shown = (await api.get(f"/api/v1/statuses/{thread['id']}", headers=alice.auth)).json()
    assert shown["replies_count"] == 1

    # When alice favourites the thread (twice: an app's retry)
    for _ in range(2):
        faved = await api.post(f"/api/v1/statuses/{thread['id']}/favourite", headers=alice.auth)
        assert faved.status_code == 200
    assert faved.json()["favourited"] is True
    assert faved.json()["favourites_count"] == 1
    # Then bob sees one favourite that is not his, and who gave it
    seen = (await api.get(f"/api/v1/statuses/{thread['id']}", headers=bob.auth)).json()
    assert (seen["favourites_count"], seen["favourited"]) == (1, False)
    fans = (await api.get(f"/api/v1/statuses/{thread['id']}/favourited_by")).json()
    assert [fan["acct"] for fan in fans] == ["alice"]
    favourites = (await api.get("/api/v1/favourites", headers=alice.auth)).json()
    assert [s["id"] for s in favourites] == [thread["id"]]
    # And unfavouriting takes it back
    undone = await api.post(f"/api/v1/statuses/{thread['id']}/unfavourite", headers=alice.auth)
    assert (undone.json()["favourited"], undone.json()["favourites_count"]) == (False, 0)

    # When alice bookmarks it, it is in her bookmarks only
    marked = await api.post(f"/api/v1/statuses/{thread['id']}/bookmark", headers=alice.auth)
    assert marked.json()["bookmarked"] is True
    saved = (await api.get("/api/v1/bookmarks", headers=alice.auth)).json()
    assert [s["id"] for s in saved] == [thread["id"]]
    assert (await api.get("/api/v1/bookmarks", headers=bob.auth)).json() == []
    await api.post(f"/api/v1/statuses/{thread['id']}/unbookmark", headers=alice.auth)
    assert (await api.get("/api/v1/bookmarks", headers=alice.auth)).json() == []

    # When alice boosts it
    boosted = await api.post(f"/api/v1/statuses/{thread['id']}/reblog", headers=alice.auth)
    assert boosted.status_code == 200
    wrapper = boosted.json()
    # Then she gets her boost, wrapping the original, as Mastodon answers
    assert wrapper["account"]["acct"] == "alice"
    assert wrapper["id"] != thread["id"]
    assert wrapper["reblog"]["id"] == thread["id"]
    assert wrapper["reblog"]["reblogged"] is True
    assert wrapper["reblog"]["reblogs_count"] == 1
    boosters = (await api.get(f"/api/v1/statuses/{thread['id']}/reblogged_by")).json()
    assert [b["acct"] for b in boosters] == ["alice"]
    unboosted = await api.post(f"/api/v1/statuses/{thread['id']}/unreblog", headers=alice.auth)
    assert (unboosted.json()["reblogged"], unboosted.json()["reblogs_count"]) == (False, 0)

    # When bob deletes his thread
    deleted = await api.delete(f"/api/v1/statuses/{thread['id']}", headers=bob.auth)
    # Then he gets its text back to redraft (with the mention that puts it in the community)
    assert deleted.status_code == 200
    assert deleted.json()["text"].startswith("@stewards Retention schedules?")
    assert (await api.get(f"/api/v1/statuses/{thread['id']}")).status_code == 404


async def test_an_idempotency_key_gives_back_the_first_post(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    headers = {**alice.auth, "Idempotency-Key": "retry-1"}
    first = await api.post("/api/v1/statuses", data={"status": "@stewards Hello"}, headers=headers)
    again = await api.post("/api/v1/statuses", data={"status": "@stewards Hello"}, headers=headers)
    assert first.status_code == again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert await post_count(app) == 1


async def test_members_only_posts_are_for_members(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a private community of alice's, and bob who is not a member
    await community(app, config, "board", "alice", private=True)
    bob = await api_user(app, config, "bob")
    # When alice posts in it
    secret = await post(api, alice, status="@board Minutes of the meeting\nBudget is fine.")
    assert secret["visibility"] == "private"
    path = f"/api/v1/statuses/{secret['id']}"
    # Then she reads it, and neither bob nor anyone without a token finds it
    assert (await api.get(path, headers=alice.auth)).status_code == 200
    assert (await api.get(path, headers=bob.auth)).status_code == 404
    assert (await api.get(path)).status_code == 404
    assert (await api.get(f"{path}/context", headers=bob.auth)).status_code == 404
    public = (await api.get("/api/v1/timelines/public")).json()
    assert secret["id"] not in [s["id"] for s in public]
    # And bob can neither favourite it nor reply to it, and nothing changes
    faved = await api.post(f"{path}/favourite", headers=bob.auth)
    assert faved.status_code == 404
    reply = await api.post(
        "/api/v1/statuses",
        json={"status": "Let me in", "in_reply_to_id": secret["id"]},
        headers=bob.auth,
    )
    assert reply.status_code == 404
    assert await post_count(app) == 1
    shown = (await api.get(path, headers=alice.auth)).json()
    assert (shown["favourites_count"], shown["replies_count"]) == (0, 0)


async def test_bad_requests_change_nothing(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    mine = await post(api, alice, status="@stewards Keep this")

    async def refused(status: int, fields: dict[str, Any], user: ApiUser = alice) -> str:
        response = await api.post("/api/v1/statuses", json=fields, headers=user.auth)
        assert response.status_code == status, response.text
        message: str = response.json()["error"]
        return message

    # No community mentioned: the answer says what to do
    assert "Mention a community" in await refused(422, {"status": "Hello world"})
    assert "Mention a community" in await refused(422, {"status": "Hi @nobody and @bob"})
    # A reply to a post that does not exist, or an id that is not one
    assert await refused(404, {"status": "Hi", "in_reply_to_id": "123456"})
    assert await refused(422, {"status": "Hi", "in_reply_to_id": "abc"})
    # Empty text, media, polls that are no polls (one option, a reply) and a direct message
    # naming no person (a community is none)
    assert await refused(422, {"status": "   "})
    assert await refused(422, {"status": "@stewards x", "media_ids": ["1"]})
    assert await refused(422, {"status": "@stewards x", "poll": {"options": ["a"]}})
    assert await refused(422, {"status": "@stewards x", "poll": {"expires_in": 600}})
    assert await refused(422, {"status": "@stewards x", "visibility": "direct"})
    poll = {"options": ["yes", "no"], "expires_in": 600}
    assert await refused(422, {"status": "@bob x", "visibility": "direct", "poll": poll})
    assert await refused(422, {"status": "@stewards x", "visibility": "private"})
    # A token without the write scope
    reader = await api_user(app, config, "reader", scopes="read")
    assert await refused(403, {"status": "@stewards Sneaky"}, reader)
    # Malformed and unknown ids
    for path in ("/api/v1/statuses/abc", "/api/v1/statuses/-1", "/api/v1/statuses/1234"):
        assert (await api.get(path)).status_code == 404
        assert "error" in (await api.get(path)).json()
    assert (await api.get("/api/v1/statuses/99999999999999999999")).status_code == 404
    assert (await api.post("/api/v1/statuses/abc/favourite", headers=bob.auth)).status_code == 404
    # Deleting someone else's post
    other = await api.delete(f"/api/v1/statuses/{mine['id']}", headers=bob.auth)
    assert other.status_code == 404
    # Nothing changed: alice's post is the only one, still there
    assert await post_count(app) == 1
    assert (await api.get(f"/api/v1/statuses/{mine['id']}")).status_code == 200
