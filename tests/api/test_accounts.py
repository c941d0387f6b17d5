"""Accounts through the client API: finding them, following them (a community: joining it),
the lists of followers and follows, and relationships. Bad input changes nothing."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows
from fedcop.store import actors as actor_store
from tests.api.conftest import ApiUser, api_user

NOT_FOUND = {"error": "Record not found"}


async def _community(app: Any, config: Config, name: str, owner: str, **kwargs: Any) -> str:
    actor = await accounts.create_community(
        app.state.pool, config, name, title=name.title(), owner=owner, **kwargs
    )
    return str(actor.id)


async def _relationship(api: httpx.AsyncClient, user: ApiUser, account_id: str) -> Any:
    response = await api.get(
        "/api/v1/accounts/relationships", params={"id[]": account_id}, headers=user.auth
    )
    assert response.status_code == 200
    return response.json()[0]


async def test_an_account_is_found_by_id_by_handle_and_in_a_list(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice and the community she founded
    community_id = await _community(app, config, "librarians", "alice")
    alice_id = str(alice.actor.id)

    # When anyone asks for them by id, no token needed
    person = (await api.get(f"/api/v1/accounts/{alice_id}")).json()
    group = (await api.get(f"/api/v1/accounts/{community_id}")).json()

    # Then alice is a person and librarians a community, both accounts here
    assert (person["username"], person["acct"], person["group"]) == ("alice", "alice", False)
    assert (group["acct"], group["group"], group["display_name"]) == (
        "librarians",
        True,
        "Librarians",
    )
    assert group["followers_count"] == 1  # its founder is its first member

    # and a handle names them, with or without this node's domain
    for acct in ("alice", "@alice", f"alice@{config.domain}", "ALICE"):
        found = await api.get("/api/v1/accounts/lookup", params={"acct": acct})
        assert found.status_code == 200, acct
        assert found.json()["id"] == alice_id
    missing = await api.get("/api/v1/accounts/lookup", params={"acct": "nobody@far.example"})
    assert (missing.status_code, missing.json()) == (404, NOT_FOUND)

    # and a list of ids gives those that exist, in the order asked
    listed = await api.get(
        "/api/v1/accounts", params=[("id[]", community_id), ("id[]", "42"), ("id[]", alice_id)]
    )
    assert [a["id"] for a in listed.json()] == [community_id, alice_id]


async def test_unknown_and_malformed_ids_are_not_found(
    config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    for path in ("/api/v1/accounts/42", "/api/v1/accounts/abc", "/api/v1/accounts/-1"):
        response = await api.get(path)
        assert (response.status_code, response.json()) == (404, NOT_FOUND), path
    for action in ("follow", "unfollow"):
        response = await api.post(f"/api/v1/accounts/99999999/{action}", headers=alice.auth)
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    huge = await api.get("/api/v1/accounts/99999999999999999999")
    assert huge.status_code == 404
    # the instance actor is not an account
    instance = await api.get("/api/v1/accounts/lookup", params={"acct": config.domain})
    assert instance.status_code == 404


async def test_joining_an_open_community_and_leaving_it(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a community bob does not belong to
    community_id = await _community(app, config, "librarians", "alice")
    bob = await api_user(app, config, "bob")
    before = await _relationship(api, bob, community_id)
    assert (before["following"], before["requested"]) == (False, False)

    # When bob follows it
    joined = await api.post(f"/api/v1/accounts/{community_id}/follow", headers=bob.auth)

    # Then he is a member at once
    assert joined.status_code == 200
    assert joined.json()["following"] is True
    assert joined.json()["requested"] is False
    assert (await _relationship(api, bob, community_id))["following"] is True
    members = (await api.get(f"/api/v1/accounts/{community_id}/followers")).json()
    assert {m["username"] for m in members} == {"alice", "bob"}
    following = (await api.get(f"/api/v1/accounts/{bob.actor.id}/following")).json()
    assert [a["id"] for a in following] == [community_id]

    # and following again changes nothing
    again = await api.post(f"/api/v1/accounts/{community_id}/follow", headers=bob.auth)
    assert again.json()["following"] is True

    # When he unfollows it, he has left
    left = await api.post(f"/api/v1/accounts/{community_id}/unfollow", headers=bob.auth)
    assert left.status_code == 200
    assert left.json()["following"] is False
    members = (await api.get(f"/api/v1/accounts/{community_id}/followers")).json()
    assert {m["username"] for m in members} == {"alice"}


async def test_a_community_that_approves_members_gets_a_request(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community_id = await _community(app, config, "clinic", "alice")
    await follows.set_manual_approval(app.state.pool, "clinic", True)
    bob = await api_user(app, config, "bob")

    asked = await api.post(f"/api/v1/accounts/{community_id}/follow", headers=bob.auth)

    assert asked.status_code == 200
    assert (asked.json()["following"], asked.json()["requested"]) == (False, True)
    members = (await api.get(f"/api/v1/accounts/{community_id}/followers")).json()
    assert [m["username"] for m in members] == ["alice"]
    # alice, its facilitator, sees bob's request from her side
    seen_by_alice = await _relationship(api, alice, str(bob.actor.id))
    assert seen_by_alice["requested_by"] is False  # the request is to the community, not alice


async def test_following_a_person_here(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    bob = await api_user(app, config, "bob")
    alice_id = str(alice.actor.id)

    followed = await api.post(f"/api/v1/accounts/{alice_id}/follow", headers=bob.auth)

    assert followed.json()["following"] is True
    assert (await _relationship(api, alice, str(bob.actor.id)))["followed_by"] is True
    profile = (await api.get(f"/api/v1/accounts/{alice_id}")).json()
    assert profile["followers_count"] == 1
    told = (await api.get("/api/v1/notifications", headers=alice.auth)).json()
    assert [(n["type"], n["account"]["acct"]) for n in told] == [("follow", "bob")]
    # nobody follows themselves
    own = await api.post(f"/api/v1/accounts/{alice_id}/follow", headers=alice.auth)
    assert own.status_code == 422
    assert "yourself" in own.json()["error"]


async def test_following_a_person_elsewhere_waits_for_their_server(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a person on another server, known here
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
                shared_inbox_url="https://far.example/inbox",
                outbox_url=None,
                followers_url=None,
                public_key_id="https://far.example/users/rita#main-key",
                public_key_pem="(not used)",
            ),
        )
    found = await api.get("/api/v1/accounts/lookup", params={"acct": "rita@far.example"})
    assert found.json()["acct"] == "rita@far.example"

    # When alice follows her, the follow is requested until rita's server accepts
    followed = await api.post(f"/api/v1/accounts/{remote.id}/follow", headers=alice.auth)
    assert (followed.json()["following"], followed.json()["requested"]) == (False, True)
    async with app.state.pool.acquire() as conn:
        queued = await conn.fetchval(
            "SELECT count(*) FROM deliveries WHERE inbox_url = 'https://far.example/users/rita/inbox'"
        )
    assert queued == 1

    # When she unfollows, the request is withdrawn (an Undo is sent)
    undone = await api.post(f"/api/v1/accounts/{remote.id}/unfollow", headers=alice.auth)
    assert (undone.json()["following"], undone.json()["requested"]) == (False, False)


async def test_follower_lists_are_paged_by_link_header(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    alice_id = str(alice.actor.id)
    names = ["bob", "carol", "dave"]
    for name in names:
        user = await api_user(app, config, name)
        await api.post(f"/api/v1/accounts/{alice_id}/follow", headers=user.auth)

    first = await api.get(f"/api/v1/accounts/{alice_id}/followers", params={"limit": 2})

    # newest follower first
    assert [a["username"] for a in first.json()] == ["dave", "carol"]
    link = first.headers["link"]
    assert 'rel="next"' in link and 'rel="prev"' in link
    next_url = link.split(";")[0].strip("<>")
    assert next_url.startswith(config.base_url)
    second = await api.get(next_url)
    assert [a["username"] for a in second.json()] == ["bob"]
    prev_url = link.split(", ")[1].split(";")[0].strip("<>")
    assert (await api.get(prev_url)).json() == []


async def test_a_members_only_community_lists_its_members_to_members_only(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community_id = await _community(app, config, "clinic", "alice", private=True)
    bob = await api_user(app, config, "bob")

    for who in ({}, bob.auth):
        hidden = await api.get(f"/api/v1/accounts/{community_id}/followers", headers=who)
        assert hidden.json() == []
    shown = await api.get(f"/api/v1/accounts/{community_id}/followers", headers=alice.auth)
    assert [a["username"] for a in shown.json()] == ["alice"]


async def test_following_needs_a_token_with_the_follow_scope(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community_id = await _community(app, config, "librarians", "alice")
    reader = await api_user(app, config, "bob", scopes="read")

    refused = await api.post(f"/api/v1/accounts/{community_id}/follow", headers=reader.auth)
    anonymous = await api.post(f"/api/v1/accounts/{community_id}/follow")
    no_relationships = await api.get(
        "/api/v1/accounts/relationships", params={"id[]": community_id}
    )

    assert refused.status_code == 403
    assert "error" in refused.json()
    assert anonymous.status_code == 401
    assert no_relationships.status_code == 401
    relationship = await _relationship(api, reader, community_id)
    assert (relationship["following"], relationship["requested"]) == (False, False)


async def test_relationships_have_every_field_and_skip_unknown_ids(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community_id = await _community(app, config, "librarians", "alice")

    response = await api.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", community_id), ("id[]", "1"), ("id[]", "junk")],
        headers=alice.auth,
    )

    [found] = response.json()
    assert found["id"] == community_id
    assert found["following"] is True  # the founder is a member
    for name in (
        "showing_reblogs",
        "notifying",
        "followed_by",
        "blocking",
        "blocked_by",
        "muting",
        "muting_notifications",
        "requested",
        "requested_by",
        "domain_blocking",
        "endorsed",
        "note",
        "languages",
    ):
        assert name in found
    familiar = await api.get(
        "/api/v1/accounts/familiar_followers", params={"id[]": community_id}, headers=alice.auth
    )
    assert familiar.json() == [{"id": community_id, "accounts": []}]


async def test_account_search_finds_names_here(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await _community(app, config, "alchemists", "alice")
    await api_user(app, config, "bob")

    found = await api.get("/api/v1/accounts/search", params={"q": "al"}, headers=alice.auth)

    assert [a["username"] for a in found.json()] == ["alchemists", "alice"]
    exact = await api.get("/api/v1/accounts/search", params={"q": "alice"}, headers=alice.auth)
    assert exact.json()[0]["username"] == "alice"
