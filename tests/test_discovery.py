"""WebFinger, host-meta and NodeInfo, checked field by field as a peer server reads them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fedcop.config import Config
from fedcop.services import accounts, admin, posts
from fedcop.store import users as user_store

JRD = "application/jrd+json"


@pytest.fixture
async def people(app: Any, config: Config) -> None:
    pool = app.state.pool
    await accounts.create_user(pool, config, "alice", "correct horse", is_admin=True)
    await accounts.create_community(
        pool, config, "librarians", title="City Librarians", owner="alice"
    )


async def test_webfinger_finds_a_user(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alice@alpha.test"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(JRD)
    assert response.headers["access-control-allow-origin"] == "*"
    document = response.json()
    assert document["subject"] == "acct:alice@alpha.test"
    assert "https://alpha.test/u/alice" in document["aliases"]
    self_links = [link for link in document["links"] if link["rel"] == "self"]
    assert self_links == [
        {"rel": "self", "type": "application/activity+json", "href": "https://alpha.test/u/alice"}
    ]
    profile = [
        link for link in document["links"] if link["rel"] == "http://webfinger.net/rel/profile-page"
    ]
    assert profile[0]["href"] == "https://alpha.test/u/alice"
    assert profile[0]["type"] == "text/html"


async def test_webfinger_finds_a_community_and_says_it_is_a_group(
    client: httpx.AsyncClient, people: None
) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:librarians@alpha.test"}
    )
    assert response.status_code == 200
    (self_link,) = [link for link in response.json()["links"] if link["rel"] == "self"]
    assert self_link["href"] == "https://alpha.test/c/librarians"
    assert self_link["properties"] == {"https://www.w3.org/ns/activitystreams#type": "Group"}


@pytest.mark.parametrize(
    "resource",
    [
        "acct:ALICE@alpha.test",
        "alice@alpha.test",
        "acct:alice@ALPHA.TEST",
        "https://alpha.test/u/alice",
    ],
)
async def test_webfinger_accepts_the_forms_clients_send(
    client: httpx.AsyncClient, people: None, resource: str
) -> None:
    response = await client.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == 200
    assert response.json()["subject"] == "acct:alice@alpha.test"


async def test_webfinger_unknown_account_is_404(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:bob@alpha.test"}
    )
    assert response.status_code == 404
    assert "bob" in response.json()["error"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"resource": ""},
        {"resource": "acct:"},
        {"resource": "acct:alice"},
        {"resource": "acct:@alpha.test"},
        {"resource": "acct:a@b@alpha.test"},
        {"resource": "mailto:alice@alpha.test"},
        {"resource": "acct:alice@alpha.test/../x"},
        {"resource": "x" * 5000},
    ],
)
async def test_webfinger_malformed_resource_is_400(
    client: httpx.AsyncClient, people: None, params: dict[str, str]
) -> None:
    response = await client.get("/.well-known/webfinger", params=params)
    assert response.status_code == 400
    assert response.json()["error"]


async def test_webfinger_foreign_domain_is_400(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "acct:alice@beta.test"}
    )
    assert response.status_code == 400
    assert "beta.test" in response.json()["error"]


async def test_webfinger_foreign_url_is_404(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get(
        "/.well-known/webfinger", params={"resource": "https://beta.test/u/alice"}
    )
    assert response.status_code == 404


async def test_host_meta_points_at_webfinger(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    assert 'template="https://alpha.test/.well-known/webfinger?resource={uri}"' in response.text


async def test_nodeinfo_discovery_lists_both_versions(client: httpx.AsyncClient) -> None:
    response = await client.get("/.well-known/nodeinfo")
    assert response.status_code == 200
    assert response.json() == {
        "links": [
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                "href": "https://alpha.test/nodeinfo/2.0",
            },
            {
                "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                "href": "https://alpha.test/nodeinfo/2.1",
            },
        ]
    }


@pytest.mark.parametrize("version", ["2.0", "2.1"])
async def test_nodeinfo_describes_the_node(
    client: httpx.AsyncClient, people: None, version: str
) -> None:
    response = await client.get(f"/nodeinfo/{version}")
    assert response.status_code == 200
    assert response.headers["content-type"] == (
        f'application/json; profile="http://nodeinfo.diaspora.software/ns/schema/{version}#"'
    )
    document = response.json()
    assert document["version"] == version
    assert document["software"]["name"] == "fedcop"
    assert document["software"]["version"]
    if version == "2.0":
        assert set(document["software"]) == {"name", "version"}
    assert document["protocols"] == ["activitypub"]
    assert document["services"] == {"inbound": [], "outbound": []}
    assert document["openRegistrations"] is False
    assert document["usage"]["users"] == {"total": 1, "activeMonth": 0, "activeHalfyear": 0}
    assert document["metadata"]["communities"] == 1
    assert (document["usage"]["localPosts"], document["usage"]["localComments"]) == (0, 0)


async def test_nodeinfo_counts_follow_the_database(
    client: httpx.AsyncClient, app: Any, config: Config
) -> None:
    before = (await client.get("/nodeinfo/2.1")).json()["usage"]["users"]["total"]
    await accounts.create_user(app.state.pool, config, "carol", "long enough")
    await accounts.create_user(app.state.pool, config, "dave", "long enough")
    after = (await client.get("/nodeinfo/2.1")).json()["usage"]["users"]["total"]
    assert (before, after) == (0, 2)
    await accounts.create_community(app.state.pool, config, "c1", title="C", owner="carol")
    thread = await posts.write(
        app.state.pool, config, app.state.network,
        author="carol", community_uri="https://alpha.test/c/c1", title="T", content="Body",
    )  # fmt: skip
    await posts.write(
        app.state.pool, config, app.state.network,
        author="dave", community_uri="https://alpha.test/c/c1", content="Re",
        in_reply_to=thread.uri,
    )  # fmt: skip
    usage = (await client.get("/nodeinfo/2.1")).json()["usage"]
    assert (usage["localPosts"], usage["localComments"]) == (1, 1)


async def test_nodeinfo_unknown_version_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/nodeinfo/1.0")).status_code == 404


async def test_the_admins_registration_setting_shows_in_nodeinfo(
    client: httpx.AsyncClient, app: Any, config: Config
) -> None:
    admin_actor = await accounts.create_user(
        app.state.pool, config, "ada", "long enough", is_admin=True
    )
    async with app.state.pool.acquire() as conn:
        ada = await user_store.find_by_id(conn, admin_actor.id)
    assert ada is not None
    for mode, advertised in (("open", True), ("approval", False), ("invitation", False)):
        await admin.save_settings(
            app.state.pool, ada, organisation="", description="", registrations=mode
        )
        assert (await client.get("/nodeinfo/2.1")).json()["openRegistrations"] is advertised
