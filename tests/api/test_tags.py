"""Hashtags in the client API: the Tag entity with its week of use, following a hashtag (its
public posts come into the home timeline), and the hashtags a person features on their
profile."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.store import actors as actor_store
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, join, post
from tests.api.test_timelines import all_ids


def today() -> str:
    return str(int(datetime.combine(datetime.now(UTC).date(), time(), UTC).timestamp()))


async def test_a_tag_shows_its_use_day_by_day(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given two public posts tagged #Collections by two people, and one in a private community
    await community(app, config, "stewards", "alice")
    await community(app, config, "clinic", "alice", private=True)
    bob = await api_user(app, config, "bob")
    await post(api, alice, status="@stewards Weeding\nHow often? #Collections")
    await post(api, bob, status="@stewards Shelving\nAny tips? #collections #shelves")
    await post(api, alice, status="@clinic Rota\nSecret #collections", visibility="private")

    # When anyone asks for the tag
    response = await api.get("/api/v1/tags/Collections")
    assert response.status_code == 200, response.text
    tag = response.json()
    # Then it is named in lower case, with seven days of use, today first (the private post
    # is nobody else's business)
    assert (tag["name"], tag["url"]) == ("collections", f"{config.base_url}/tags/collections")
    assert len(tag["history"]) == 7
    assert tag["history"][0] == {"day": today(), "uses": "2", "accounts": "2"}
    assert all(day["uses"] == "0" for day in tag["history"][1:])
    assert "following" not in tag  # nobody signed in
    # A signed-in user is told whether they follow and feature it
    mine = (await api.get("/api/v1/tags/collections", headers=alice.auth)).json()
    assert (mine["following"], mine["featuring"]) == (False, False)
    # A tag nobody used yet is there, unused; a name that cannot be a tag is not
    unused = (await api.get("/api/v1/tags/brandnew")).json()
    assert {day["uses"] for day in unused["history"]} == {"0"}
    for bad in ("123", "a-b", "%20", "x" * 101):
        assert (await api.get(f"/api/v1/tags/{bad}")).status_code == 404, bad


async def test_a_followed_tag_brings_its_posts_into_the_home_timeline(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given posts tagged #metadata in communities alice does not belong to
    bob = await api_user(app, config, "bob")
    await community(app, config, "stewards", "bob")
    await community(app, config, "clinic", "bob", private=True)
    tagged = await post(api, bob, status="@stewards Schemas\nWhich? #metadata")
    await post(api, bob, status="@stewards Lunch\nNothing to see")
    await post(api, bob, status="@clinic Notes\nMembers only #metadata", visibility="private")
    assert await all_ids(api, "/api/v1/timelines/home", alice) == []

    # When alice follows the tag
    followed = await api.post("/api/v1/tags/%23Metadata/follow", headers=alice.auth)
    assert followed.status_code == 200, followed.text
    assert (followed.json()["name"], followed.json()["following"]) == ("metadata", True)
    await api.post("/api/v1/tags/metadata/follow", headers=alice.auth)  # again: no change
    await api.post("/api/v1/tags/archives/follow", headers=alice.auth)

    # Then its public posts are in her home timeline, earlier and later ones alike
    later = await post(api, bob, status="@stewards Vocabularies\nControlled? #metadata")
    assert await all_ids(api, "/api/v1/timelines/home?limit=1", alice) == [
        later["id"],
        tagged["id"],
    ]
    # and she lists the tags she follows, the latest followed first
    listed = await api.get("/api/v1/followed_tags", headers=alice.auth)
    assert [t["name"] for t in listed.json()] == ["archives", "metadata"]
    assert all(t["following"] is True for t in listed.json())
    assert "link" in listed.headers
    # nobody else's home timeline changed
    carol = await api_user(app, config, "carol")
    assert await all_ids(api, "/api/v1/timelines/home", carol) == []

    # When she unfollows it, its posts leave her timeline
    unfollowed = await api.post("/api/v1/tags/metadata/unfollow", headers=alice.auth)
    assert unfollowed.json()["following"] is False
    assert await all_ids(api, "/api/v1/timelines/home", alice) == []
    listed = await api.get("/api/v1/followed_tags", headers=alice.auth)
    assert [t["name"] for t in listed.json()] == ["archives"]


async def test_following_tags_needs_a_user_with_the_scope(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    assert (await api.post("/api/v1/tags/metadata/follow")).status_code == 401
    assert (await api.get("/api/v1/followed_tags")).status_code == 401
    reader = await api_user(app, config, "reader", scopes="read")
    refused = await api.post("/api/v1/tags/metadata/follow", headers=reader.auth)
    assert refused.status_code == 403
    bad = await api.post("/api/v1/tags/not-a-tag/follow", headers=alice.auth)
    assert bad.status_code == 404
    assert (await api.get("/api/v1/followed_tags", headers=alice.auth)).json() == []


async def test_a_person_features_hashtags_on_their_profile(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's posts tagged #preservation, one of them members-only
    await community(app, config, "stewards", "alice")
    await community(app, config, "clinic", "alice", private=True)
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, f"{config.base_url}/c/stewards")
    formats = await post(api, alice, status="@stewards Formats\nPDF/A #preservation")
    checksums = await post(api, alice, status="@stewards Checksums\nSHA-256 #Preservation #fixity")
    await post(api, alice, status="@clinic Rota\n#preservation", visibility="private")
    await post(api, bob, status="@stewards Mine\nAlso #preservation")

    # An app opening a featured tag on her profile lists her posts with it (those bob may read)
    with_tag = await api.get(
        f"/api/v1/accounts/{alice.actor.id}/statuses",
        params={"tagged": "Preservation"},
        headers=bob.auth,
    )
    assert [s["id"] for s in with_tag.json()] == [checksums["id"], formats["id"]]
    untagged = await api.get(
        f"/api/v1/accounts/{alice.actor.id}/statuses", params={"tagged": "nothing"}
    )
    assert untagged.json() == []

    # Her recent tags are suggested for featuring, the latest used first
    suggested = await api.get("/api/v1/featured_tags/suggestions", headers=alice.auth)
    assert [t["name"] for t in suggested.json()] == ["fixity", "preservation"]

    # When she features the tag
    made = await api.post(
        "/api/v1/featured_tags", json={"name": "#Preservation"}, headers=alice.auth
    )
    assert made.status_code == 200, made.text
    featured = made.json()
    # Then it counts her public posts that carry it
    assert featured["name"] == "preservation"
    assert featured["statuses_count"] == "2"
    assert featured["last_status_at"] == datetime.now(UTC).date().isoformat()
    # and anyone sees it on her profile
    listed = await api.get(f"/api/v1/accounts/{alice.actor.id}/featured_tags")
    assert listed.status_code == 200
    assert listed.json() == [featured]
    assert (await api.get("/api/v1/featured_tags", headers=alice.auth)).json() == [featured]
    tag = (await api.get("/api/v1/tags/preservation", headers=alice.auth)).json()
    assert tag["featuring"] is True
    suggested = await api.get("/api/v1/featured_tags/suggestions", headers=alice.auth)
    assert [t["name"] for t in suggested.json()] == ["fixity"]
    # and other servers read it from her actor's featuredTags, as Mastodon does
    ap = {"Accept": "application/activity+json"}
    person = (await api.get("/u/alice", headers=ap)).json()
    assert person["featuredTags"] == f"{config.base_url}/u/alice/featured_tags"
    collection = (await api.get("/u/alice/featured_tags", headers=ap)).json()
    assert collection["orderedItems"] == [
        {
            "type": "Hashtag",
            "href": f"{config.base_url}/tags/preservation",
            "name": "#preservation",
        }
    ]
    # bob features nothing; a community and a person elsewhere feature nothing here
    assert (await api.get(f"/api/v1/accounts/{bob.actor.id}/featured_tags")).json() == []
    async with app.state.pool.acquire() as conn:
        remote = await actor_store.upsert_remote(
            conn,
            actor_store.RemoteActorFields(
                uri="https://far.example/users/rita",
                actor_type="Person",
                username="rita",
                domain="far.example",
                display_name="Rita",
                summary="",
                inbox_url="https://far.example/users/rita/inbox",
                shared_inbox_url=None,
                outbox_url=None,
                followers_url=None,
                public_key_id="https://far.example/users/rita#main-key",
                public_key_pem="(not used)",
            ),
        )
    assert (await api.get(f"/api/v1/accounts/{remote.id}/featured_tags")).json() == []
    assert (await api.get("/api/v1/accounts/123/featured_tags")).status_code == 404

    # When she stops featuring it
    removed = await api.delete(f"/api/v1/featured_tags/{featured['id']}", headers=alice.auth)
    assert (removed.status_code, removed.json()) == (200, {})
    assert (await api.get(f"/api/v1/accounts/{alice.actor.id}/featured_tags")).json() == []
    assert (await api.get("/u/alice/featured_tags", headers=ap)).json()["orderedItems"] == []
    # and bob cannot remove what is not his
    again = await api.post("/api/v1/featured_tags", json={"name": "fixity"}, headers=alice.auth)
    theirs = await api.delete(f"/api/v1/featured_tags/{again.json()['id']}", headers=bob.auth)
    assert theirs.status_code == 404
    # The tag's own feature/unfeature do the same
    unfeatured = await api.post("/api/v1/tags/fixity/unfeature", headers=alice.auth)
    assert unfeatured.json()["featuring"] is False
    refeatured = await api.post("/api/v1/tags/fixity/feature", headers=alice.auth)
    assert refeatured.json()["featuring"] is True


async def test_featured_tags_are_limited_and_checked(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    for n in range(10):
        made = await api.post("/api/v1/featured_tags", json={"name": f"tag{n}"}, headers=alice.auth)
        assert made.status_code == 200
    refused = await api.post("/api/v1/featured_tags", json={"name": "more"}, headers=alice.auth)
    assert (refused.status_code, refused.json()) == (
        422,
        {"error": "Validation failed: You have already featured the maximum number of hashtags"},
    )
    for bad in ("", "not a tag", "123"):
        refused = await api.post("/api/v1/featured_tags", json={"name": bad}, headers=alice.auth)
        assert refused.status_code == 422, bad
    reader = await api_user(app, config, "reader", scopes="read")
    no_scope = await api.post("/api/v1/featured_tags", json={"name": "x"}, headers=reader.auth)
    assert no_scope.status_code == 403
    assert len((await api.get("/api/v1/featured_tags", headers=alice.auth)).json()) == 10
    instance = (await api.get("/api/v2/instance")).json()
    assert instance["configuration"]["accounts"]["max_featured_tags"] == 10
