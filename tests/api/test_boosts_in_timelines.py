"""Boosts in timelines: the home timeline shows the boosts of the people a user follows (and
their own), a person's statuses show their boosts (unless `exclude_reblogs`), each boost as the
booster's status wrapping the original in `reblog`, paged by the boost's own id among the
posts, and never a boost of a post the viewer may not read."""

from __future__ import annotations

from typing import Any

import httpx
from schemathesis.checks import response_schema_conformance

from fedcop.config import Config
from fedcop.store import boosts as boost_store
from tests.api.conftest import ApiUser, api_user
from tests.api.test_contract import SCHEMA
from tests.api.test_statuses import community, join, post
from tests.api.test_timelines import all_ids, every_page, links


async def follow(api: httpx.AsyncClient, user: ApiUser, other: ApiUser) -> None:
    followed = await api.post(f"/api/v1/accounts/{other.actor.id}/follow", headers=user.auth)
    assert followed.status_code == 200, followed.text
    assert followed.json()["following"] is True


async def boost(api: httpx.AsyncClient, user: ApiUser, status_id: str) -> dict[str, Any]:
    boosted = await api.post(f"/api/v1/statuses/{status_id}/reblog", headers=user.auth)
    assert boosted.status_code == 200, boosted.text
    result: dict[str, Any] = boosted.json()
    return result


async def home(api: httpx.AsyncClient, user: ApiUser) -> list[dict[str, Any]]:
    response = await api.get("/api/v1/timelines/home", headers=user.auth)
    assert response.status_code == 200, response.text
    statuses: list[dict[str, Any]] = response.json()
    return statuses


def conforms(response: httpx.Response, path: str, **path_parameters: str) -> None:
    """The response is what the Mastodon OpenAPI description says of this operation."""
    case = SCHEMA[path]["GET"].Case(path_parameters=path_parameters)
    case.validate_response(response, checks=[response_schema_conformance])


async def test_home_shows_the_boosts_of_people_followed(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's thread in "stewards", which bob has not joined; bob follows carol and dave,
    # not erin
    await community(app, config, "stewards", "alice")
    bob, carol, dave, erin = [
        await api_user(app, config, name) for name in ("bob", "carol", "dave", "erin")
    ]
    thread = await post(api, alice, status="@stewards Retention schedules\nHow long?")
    await follow(api, bob, carol)
    await follow(api, bob, dave)
    assert await home(api, bob) == []

    # When carol, erin, dave and bob himself boost it
    by_carol = await boost(api, carol, thread["id"])
    await boost(api, erin, thread["id"])
    by_dave = await boost(api, dave, thread["id"])
    by_bob = await boost(api, bob, thread["id"])

    # Then bob's home shows each boost by someone he follows, and his own, newest first
    response = await api.get("/api/v1/timelines/home", headers=bob.auth)
    shown = response.json()
    assert [s["id"] for s in shown] == [by_bob["id"], by_dave["id"], by_carol["id"]]
    assert len({by_bob["id"], by_dave["id"], by_carol["id"], thread["id"]}) == 4
    assert [s["account"]["username"] for s in shown] == ["bob", "dave", "carol"]
    # each the booster's own status, as the reblog endpoint answered it, wrapping the thread
    first = shown[2]
    assert first["id"] == by_carol["id"]
    assert first["created_at"] == by_carol["created_at"]
    assert first["uri"] == by_carol["uri"]
    assert first["account"]["id"] == str(carol.actor.id)
    assert (first["content"], first["in_reply_to_id"], first["visibility"]) == ("", None, "public")
    assert first["reblog"]["id"] == thread["id"]
    assert first["reblog"]["account"]["username"] == "alice"
    assert "Retention schedules" in first["reblog"]["content"]
    assert first["reblog"]["reblogs_count"] == 4
    assert first["reblog"]["reblogged"] is True  # bob boosted it too
    assert first["reblog"]["reblog"] is None
    # and the page is what the Mastodon OpenAPI description says a home timeline is
    conforms(response, "/api/v1/timelines/home")

    # A boost's id is not a status of its own here (Mastodon would serve the wrapper)
    assert (
        await api.get(f"/api/v1/statuses/{by_carol['id']}", headers=bob.auth)
    ).status_code == 404

    # When dave takes his boost back, it leaves bob's home
    undone = await api.post(f"/api/v1/statuses/{thread['id']}/unreblog", headers=dave.auth)
    assert undone.status_code == 200
    assert [s["id"] for s in await home(api, bob)] == [by_bob["id"], by_carol["id"]]
    # and erin, who follows nobody, sees only her own boost
    assert [s["reblog"]["id"] for s in await home(api, erin)] == [thread["id"]]


async def test_account_statuses_have_boosts_unless_excluded(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    carol = await api_user(app, config, "carol")
    await community(app, config, "gardeners", "carol")
    thread = await post(api, alice, status="@stewards Seed libraries")
    own = await post(api, carol, status="@gardeners Tomatoes")
    reply = await post(api, carol, status="Which ones?", in_reply_to_id=own["id"])
    boosted = await boost(api, carol, thread["id"])

    # carol's statuses: her boost among her posts, newest first
    path = f"/api/v1/accounts/{carol.actor.id}/statuses"
    response = await api.get(path)
    assert [s["id"] for s in response.json()] == [boosted["id"], reply["id"], own["id"]]
    assert response.json()[0]["reblog"]["id"] == thread["id"]
    conforms(response, "/api/v1/accounts/{id}/statuses", id=str(carol.actor.id))
    # exclude_reblogs leaves the boost out; exclude_replies keeps it (it answers nothing)
    assert await all_ids(api, f"{path}?exclude_reblogs=true") == [reply["id"], own["id"]]
    assert await all_ids(api, f"{path}?exclude_replies=true") == [boosted["id"], own["id"]]
    both = f"{path}?exclude_replies=true&exclude_reblogs=true"
    assert await all_ids(api, both) == [own["id"]]
    # paging one at a time goes through the boost and the posts alike
    assert await every_page(api, f"{path}?limit=1") == [[boosted["id"]], [reply["id"]], [own["id"]]]
    # pinned and only_media lists have no boosts
    assert (await api.get(f"{path}?pinned=true")).json() == []
    assert (await api.get(f"{path}?only_media=true")).json() == []
    # a community's statuses are its threads, not its members' boosts
    stewards = thread["mentions"][0]["id"]
    assert await all_ids(api, f"/api/v1/accounts/{stewards}/statuses") == [thread["id"]]


async def test_home_pages_through_posts_and_boosts(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given bob, a member of "stewards" who follows carol, and posts and boosts in turn
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    carol = await api_user(app, config, "carol")
    await join(app, config, bob, stewards)
    await follow(api, bob, carol)
    a1 = (await post(api, alice, status="@stewards One"))["id"]
    a2 = (await post(api, alice, status="@stewards Two"))["id"]
    a3 = (await post(api, alice, status="@stewards Three"))["id"]
    b1 = (await boost(api, carol, a1))["id"]
    a4 = (await post(api, alice, status="@stewards Four"))["id"]
    b2 = (await boost(api, carol, a2))["id"]
    b3 = (await boost(api, carol, a4))["id"]
    newest_first = [b3, b2, a4, b1, a3, a2, a1]

    # When bob reads his home two at a time, following the Link header's next page
    pages = await every_page(api, "/api/v1/timelines/home?limit=2", bob)
    # Then every post and every boost comes once, in the order they happened
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:6], newest_first[6:]]
    assert await all_ids(api, "/api/v1/timelines/home?limit=3", bob) == newest_first

    # max_id, since_id and min_id bound the entries' own ids (a boost's is the boost's)
    async def ids(query: str) -> list[str]:
        response = await api.get(f"/api/v1/timelines/home?{query}", headers=bob.auth)
        assert response.status_code == 200, response.text
        return [s["id"] for s in response.json()]

    assert await ids(f"limit=2&max_id={b1}") == [a3, a2]
    assert await ids(f"limit=2&since_id={a3}") == [b3, b2]
    assert await ids(f"limit=2&min_id={a3}") == [a4, b1]
    # and the "prev" link of a later page leads back to the newer entries
    later = await api.get(f"/api/v1/timelines/home?limit=2&max_id={b2}", headers=bob.auth)
    assert [s["id"] for s in later.json()] == [a4, b1]
    back = await api.get(links(later)["prev"], headers=bob.auth)
    assert [s["id"] for s in back.json()] == [b3, b2]


async def test_a_boost_of_a_members_only_post_is_for_members(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a private community of alice's, and bob, who is not a member, following carol
    await community(app, config, "board", "alice", private=True)
    bob = await api_user(app, config, "bob")
    carol = await api_user(app, config, "carol")
    await follow(api, bob, carol)
    await follow(api, alice, carol)
    secret = await post(api, alice, status="@board Minutes\nBudget is fine.")
    # Boosting it here is refused, and changes nothing
    refused = await api.post(f"/api/v1/statuses/{secret['id']}/reblog", headers=alice.auth)
    assert refused.status_code == 422
    assert "members only" in refused.json()["error"]
    assert await home(api, bob) == []

    # When a boost of it is on record all the same (as one from another server could be,
    # recorded before fedcop refused them): written through the store, as the handler would
    async with app.state.pool.acquire() as conn:
        leaked = await boost_store.add(
            conn, carol.actor.id, int(secret["id"]), "https://elsewhere.example/announce/1"
        )
    assert leaked is not None

    # Then bob sees it neither in his home nor among carol's statuses, nor does anyone signed out
    assert await home(api, bob) == []
    path = f"/api/v1/accounts/{carol.actor.id}/statuses"
    assert await all_ids(api, path, bob) == []
    assert await all_ids(api, path) == []
    # while alice, who may read the post, sees carol's boost of it
    shown = await home(api, alice)
    assert [(s["id"], (s["reblog"] or {}).get("id")) for s in shown] == [
        (str(leaked.id), secret["id"]),
        (secret["id"], None),
    ]


async def test_a_boost_of_a_deleted_post_disappears(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    carol = await api_user(app, config, "carol")
    await follow(api, bob, carol)
    kept = await post(api, alice, status="@stewards Keep this")
    gone = await post(api, alice, status="@stewards Delete this")
    kept_boost = await boost(api, carol, kept["id"])
    gone_boost = await boost(api, carol, gone["id"])
    assert [s["id"] for s in await home(api, bob)] == [gone_boost["id"], kept_boost["id"]]

    # When alice deletes her post
    deleted = await api.delete(f"/api/v1/statuses/{gone['id']}", headers=alice.auth)
    assert deleted.status_code == 200

    # Then carol's boost of it is gone from bob's home and from carol's statuses
    assert [s["id"] for s in await home(api, bob)] == [kept_boost["id"]]
    path = f"/api/v1/accounts/{carol.actor.id}/statuses"
    assert await all_ids(api, path, bob) == [kept_boost["id"]]
    assert await all_ids(api, "/api/v1/timelines/home?limit=1", bob) == [kept_boost["id"]]
