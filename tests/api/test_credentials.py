"""The signed-in user's own account: verify_credentials, update_credentials, preferences."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, oauth
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from tests.api.conftest import ApiUser, api_user


async def _deliveries_to(app: Any, inbox: str) -> list[Any]:
    async with app.state.pool.acquire() as conn:
        return list(
            await conn.fetch(
                """
                SELECT a.document FROM deliveries d
                JOIN outbound_activities a ON a.id = d.activity_id
                WHERE d.inbox_url = $1 ORDER BY d.id
                """,
                inbox,
            )
        )


async def test_verify_credentials_has_source_and_role(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await api.get("/api/v1/accounts/verify_credentials", headers=alice.auth)

    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["username"], me["acct"]) == (str(alice.actor.id), "alice", "alice")
    assert me["source"] == {
        "privacy": "public",
        "sensitive": False,
        "language": "",
        "note": "",
        "fields": [],
        "follow_requests_count": 0,
        "indexable": False,
        "hide_collections": False,
        # not listed in the node's directory until they choose it
        "discoverable": False,
        "attribution_domains": [],
    }
    # someone without a role has Mastodon's built-in "everyone" role
    assert me["role"] == {
        "id": "-99",
        "name": "",
        "permissions": "65536",
        "color": "",
        "highlighted": False,
    }


async def test_an_administrator_has_the_admin_role(
    app: Any, config: Config, api: httpx.AsyncClient
) -> None:
    await accounts.create_user(app.state.pool, config, "root", "long enough", is_admin=True)
    token = await oauth.admin_token(app.state.pool, "root", "profile")

    # the narrow `profile` scope is enough here
    me = (
        await api.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
    ).json()

    assert me["role"]["name"] == "Admin"
    assert me["role"]["permissions"] == "1"


async def test_verify_credentials_needs_a_user_token_with_an_account_scope(
    app: Any, config: Config, api: httpx.AsyncClient
) -> None:
    writer = await api_user(app, config, "bob", scopes="write")

    no_scope = await api.get("/api/v1/accounts/verify_credentials", headers=writer.auth)
    no_token = await api.get("/api/v1/accounts/verify_credentials")
    bad_token = await api.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer nonsense"}
    )

    assert no_scope.status_code == 403
    assert no_token.status_code == 401
    assert bad_token.status_code == 401
    assert all("error" in r.json() for r in (no_scope, no_token, bad_token))


async def test_update_credentials_changes_the_profile_and_tells_followers(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a follower of alice's on another server
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
        await follow_store.upsert(
            conn, remote.id, alice.actor.id, "https://far.example/follows/1", True
        )

    # When alice changes her name, her text and her fields as Mastodon apps send them (a form)
    response = await api.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.auth,
        data={
            "display_name": "Alice Archivist",
            "note": "I keep **records**.",
            "fields_attributes[0][name]": "Organisation",
            "fields_attributes[0][value]": "City Archive",
            "fields_attributes[1][name]": "expertise",
            "fields_attributes[1][value]": "records, metadata",
            "fields_attributes[2][name]": "",
            "fields_attributes[2][value]": "",
            "locked": "false",
            "source[privacy]": "public",
        },
    )

    # Then the answer shows her new profile
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["display_name"] == "Alice Archivist"
    assert me["note"].strip() == "<p>I keep <strong>records</strong>.</p>"
    assert me["source"]["note"] == "I keep records."
    assert [(f["name"], f["value"]) for f in me["source"]["fields"]] == [
        ("Organisation", "City Archive"),
        ("Expertise", "records, metadata"),
    ]
    # and so does everyone's view of her account
    public = (await api.get(f"/api/v1/accounts/{alice.actor.id}")).json()
    assert public["display_name"] == "Alice Archivist"
    # and her follower's server is sent an Update of her
    [update] = await _deliveries_to(app, "https://far.example/inbox")
    assert update["document"]["type"] == "Update"
    assert update["document"]["object"]["name"] == "Alice Archivist"

    # When she sends JSON with only a new role, the other fields are emptied (Mastodon replaces
    # the whole list) and her name stays
    response = await api.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.auth,
        json={"fields_attributes": {"0": {"name": "Role", "value": "Archivist"}}},
    )
    assert response.status_code == 200
    assert response.json()["display_name"] == "Alice Archivist"
    assert [(f["name"], f["value"]) for f in response.json()["fields"]] == [("Role", "Archivist")]


async def test_update_credentials_refuses_what_it_cannot_keep_and_changes_nothing(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    before = (await api.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()

    unknown_field = await api.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.auth,
        json={"display_name": "Changed", "fields_attributes": [{"name": "Website", "value": "x"}]},
    )
    picture = await api.patch(
        "/api/v1/accounts/update_credentials",
        headers=alice.auth,
        data={"display_name": "Changed"},
        files={"avatar": ("me.png", b"\x89PNG\r\n", "image/png")},
    )
    too_long = await api.patch(
        "/api/v1/accounts/update_credentials", headers=alice.auth, json={"display_name": "x" * 101}
    )
    reader = await api_user(app, config, "bob", scopes="read")
    no_scope = await api.patch(
        "/api/v1/accounts/update_credentials", headers=reader.auth, json={"display_name": "B"}
    )

    assert unknown_field.status_code == 422
    assert "Organisation, Sector, Role and Expertise" in unknown_field.json()["error"]
    assert picture.status_code == 422
    assert "avatar" in picture.json()["error"]
    assert too_long.status_code == 422
    assert no_scope.status_code == 403
    after = (await api.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()
    assert after == before
    bob = (await api.get(f"/api/v1/accounts/{reader.actor.id}")).json()
    assert bob["display_name"] == "bob"


async def test_preferences_are_the_defaults(api: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await api.get("/api/v1/preferences", headers=alice.auth)

    assert response.json() == {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }
    assert (await api.get("/api/v1/preferences")).status_code == 401
