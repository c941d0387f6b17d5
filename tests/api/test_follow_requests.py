"""Follow requests through the client API: a facilitator of a community that approves its
members by hand sees who asked to join, and lets them in or turns them away. Nobody else can."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows
from tests.api.conftest import ApiUser, api_user


async def _scene(app: Any, config: Config) -> tuple[str, ApiUser, ApiUser, ApiUser]:
    """alice facilitates "clinic" (joining needs approval); bob and dave asked to join;
    carol is just another user."""
    community = await accounts.create_community(
        app.state.pool, config, "clinic", title="Clinicians", owner="alice"
    )
    await follows.set_manual_approval(app.state.pool, "clinic", True)
    transport = httpx.ASGITransport(app=app)
    users = []
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        for name in ("bob", "dave", "carol"):
            user = await api_user(app, config, name)
            if name != "carol":
                asked = await http.post(
                    f"/api/v1/accounts/{community.id}/follow", headers=user.auth
                )
                assert asked.json()["requested"] is True
            users.append(user)
    return str(community.id), users[0], users[1], users[2]


async def _members(api: httpx.AsyncClient, community_id: str, alice: ApiUser) -> set[str]:
    response = await api.get(f"/api/v1/accounts/{community_id}/followers", headers=alice.auth)
    return {a["username"] for a in response.json()}


async def _requests(api: httpx.AsyncClient, user: ApiUser) -> list[str]:
    response = await api.get("/api/v1/follow_requests", headers=user.auth)
    assert response.status_code == 200
    return [a["username"] for a in response.json()]


async def test_a_facilitator_sees_and_decides_join_requests(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community_id, bob, dave, _ = await _scene(app, config)

    # alice sees both requests, newest first, and counts them in her credentials
    assert await _requests(api, alice) == ["dave", "bob"]
    me = (await api.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()
    assert me["source"]["follow_requests_count"] == 2

    # When she lets bob in
    authorized = await api.post(
        f"/api/v1/follow_requests/{bob.actor.id}/authorize", headers=alice.auth
    )

    # Then he is a member, and sees himself as one
    assert authorized.status_code == 200
    assert authorized.json()["id"] == str(bob.actor.id)
    assert await _members(api, community_id, alice) == {"alice", "bob"}
    mine = await api.get(
        "/api/v1/accounts/relationships", params={"id[]": community_id}, headers=bob.auth
    )
    assert (mine.json()[0]["following"], mine.json()[0]["requested"]) == (True, False)

    # When she turns dave away
    rejected = await api.post(f"/api/v1/follow_requests/{dave.actor.id}/reject", headers=alice.auth)

    # Then he is not a member and has no request left
    assert rejected.status_code == 200
    assert await _members(api, community_id, alice) == {"alice", "bob"}
    theirs = await api.get(
        "/api/v1/accounts/relationships", params={"id[]": community_id}, headers=dave.auth
    )
    assert (theirs.json()[0]["following"], theirs.json()[0]["requested"]) == (False, False)
    assert await _requests(api, alice) == []

    # and deciding again finds nothing
    again = await api.post(f"/api/v1/follow_requests/{dave.actor.id}/authorize", headers=alice.auth)
    assert (again.status_code, again.json()) == (404, {"error": "Record not found"})


async def test_someone_who_is_not_a_facilitator_cannot_decide(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community_id, bob, _, carol = await _scene(app, config)

    # carol facilitates nothing: she has no requests to see, and deciding bob's is not hers
    assert await _requests(api, carol) == []
    for action in ("authorize", "reject"):
        refused = await api.post(
            f"/api/v1/follow_requests/{bob.actor.id}/{action}", headers=carol.auth
        )
        assert (refused.status_code, refused.json()) == (404, {"error": "Record not found"})
    # bob cannot let himself in either
    own = await api.post(f"/api/v1/follow_requests/{bob.actor.id}/authorize", headers=bob.auth)
    assert own.status_code == 404

    # Bad ids and missing scopes change nothing
    for bad in ("abc", "99999999", "-5"):
        response = await api.post(f"/api/v1/follow_requests/{bad}/authorize", headers=alice.auth)
        assert response.status_code == 404, bad
    reader = await api_user(app, config, "reader", scopes="read")
    no_scope = await api.post(
        f"/api/v1/follow_requests/{bob.actor.id}/authorize", headers=reader.auth
    )
    assert no_scope.status_code == 403
    no_token = await api.post(f"/api/v1/follow_requests/{bob.actor.id}/authorize")
    assert no_token.status_code == 401
    assert (await api.get("/api/v1/follow_requests")).status_code == 401

    assert await _members(api, community_id, alice) == {"alice"}
    assert await _requests(api, alice) == ["dave", "bob"]


async def test_follow_requests_are_paged(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await _scene(app, config)

    first = await api.get("/api/v1/follow_requests", params={"limit": 1}, headers=alice.auth)

    assert [a["username"] for a in first.json()] == ["dave"]
    next_url = first.headers["link"].split(";")[0].strip("<>")
    second = await api.get(next_url, headers=alice.auth)
    assert [a["username"] for a in second.json()] == ["bob"]


async def test_deciding_a_request_answers_the_relationship_an_app_expects(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given bob and dave asked to join alice's community
    _, bob, dave, _ = await _scene(app, config)

    # When alice authorizes bob, as Mastodon answers: bob now follows her (her community)
    authorized = await api.post(
        f"/api/v1/follow_requests/{bob.actor.id}/authorize", headers=alice.auth
    )
    assert authorized.status_code == 200
    answer = authorized.json()
    assert answer["id"] == str(bob.actor.id)
    assert (answer["followed_by"], answer["requested_by"], answer["following"]) == (
        True,
        False,
        False,
    )
    # When she rejects dave: he follows nothing of hers and asks nothing any more
    rejected = await api.post(f"/api/v1/follow_requests/{dave.actor.id}/reject", headers=alice.auth)
    assert (rejected.json()["followed_by"], rejected.json()["requested_by"]) == (False, False)
