"""Actor documents (Person, Group, the instance Application) and their collections."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fedcop.config import Config
from fedcop.services import accounts
from federation.keys import load_public_key

AP = {"Accept": "application/activity+json"}
AS = "https://www.w3.org/ns/activitystreams"


@pytest.fixture
async def people(app: Any, config: Config) -> None:
    pool = app.state.pool
    await accounts.create_user(pool, config, "alice", "correct horse")
    await accounts.create_user(pool, config, "bea", "correct horse")
    await accounts.create_community(
        pool, config, "librarians", title="City Librarians", owner="alice", summary="Shelf talk"
    )


def _check_common(document: dict[str, Any], uri: str, actor_type: str, username: str) -> None:
    assert AS in document["@context"]
    assert document["id"] == uri
    assert document["type"] == actor_type
    assert document["preferredUsername"] == username
    assert document["inbox"] == f"{uri}/inbox"
    assert document["outbox"] == f"{uri}/outbox"
    assert document["followers"] == f"{uri}/followers"
    assert document["following"] == f"{uri}/following"
    assert document["endpoints"] == {"sharedInbox": "https://alpha.test/inbox"}
    key = document["publicKey"]
    assert key["id"] == f"{uri}#main-key"
    assert key["owner"] == uri
    public_key = load_public_key(key["publicKeyPem"])
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == 2048
    assert document["published"].endswith("Z")
    assert document["url"]
    assert "PRIVATE" not in str(document)


async def test_user_is_a_person(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get("/u/alice", headers=AP)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/activity+json")
    document = response.json()
    _check_common(document, "https://alpha.test/u/alice", "Person", "alice")
    assert document["name"] == "alice"


async def test_community_is_a_group(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get("/c/librarians", headers=AP)
    assert response.status_code == 200
    document = response.json()
    uri = "https://alpha.test/c/librarians"
    _check_common(document, uri, "Group", "librarians")
    assert document["name"] == "City Librarians"
    assert document["summary"] == "Shelf talk"
    assert document["attributedTo"] == f"{uri}/moderators"
    assert document["featured"] == f"{uri}/featured"
    assert document["postingRestrictedToMods"] is False
    assert document["manuallyApprovesFollowers"] is False


async def test_instance_actor_is_an_unsigned_fetchable_application(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/actor", headers=AP)
    assert response.status_code == 200
    document = response.json()
    _check_common(document, "https://alpha.test/actor", "Application", "alpha.test")


async def test_ld_json_with_profile_gets_activity_json(
    client: httpx.AsyncClient, people: None
) -> None:
    accept = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
    response = await client.get("/u/alice", headers={"Accept": accept})
    assert response.headers["content-type"].startswith("application/activity+json")
    assert response.json()["type"] == "Person"


async def test_browser_gets_a_page(client: httpx.AsyncClient, people: None) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = await client.get("/c/librarians", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "City Librarians" in response.text
    assert "@librarians@alpha.test" in response.text
    assert "alice" in response.text  # its facilitator


async def test_page_escapes_html_in_names(
    client: httpx.AsyncClient, app: Any, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "eve", "correct horse")
    await accounts.create_community(
        app.state.pool, config, "xss", title="<script>alert(1)</script>", owner="eve"
    )
    response = await client.get("/c/xss", headers={"Accept": "text/html"})
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;" in response.text


@pytest.mark.parametrize("path", ["/u/nobody", "/c/nobody", "/u/librarians", "/c/alice"])
async def test_unknown_actor_is_404_in_both_forms(
    client: httpx.AsyncClient, people: None, path: str
) -> None:
    as_json = await client.get(path, headers=AP)
    assert as_json.status_code == 404
    assert as_json.json()["error"]
    as_page = await client.get(path, headers={"Accept": "text/html"})
    assert as_page.status_code == 404
    assert "text/html" in as_page.headers["content-type"]


async def test_moderators_collection_lists_the_facilitators(
    client: httpx.AsyncClient, people: None
) -> None:
    response = await client.get("/c/librarians/moderators", headers=AP)
    assert response.status_code == 200
    document = response.json()
    assert document["type"] == "OrderedCollection"
    assert document["id"] == "https://alpha.test/c/librarians/moderators"
    assert document["orderedItems"] == ["https://alpha.test/u/alice"]
    assert document["totalItems"] == 1


@pytest.mark.parametrize("name", ["followers", "following", "outbox"])
async def test_collections_show_a_count_without_listing_items(
    client: httpx.AsyncClient, people: None, name: str
) -> None:
    # alice founded librarians, so she follows it and it has her as its one member
    expected = {
        ("/u/alice", "followers"): 0,
        ("/u/alice", "following"): 1,
        ("/u/alice", "outbox"): 0,
        ("/c/librarians", "followers"): 1,
        ("/c/librarians", "following"): 0,
        ("/c/librarians", "outbox"): 0,
    }
    for actor in ("/u/alice", "/c/librarians"):
        response = await client.get(f"{actor}/{name}", headers=AP)
        assert response.status_code == 200
        document = response.json()
        assert document["type"] == "OrderedCollection"
        assert document["id"] == f"https://alpha.test{actor}/{name}"
        assert document["totalItems"] == expected[(actor, name)]
        assert "orderedItems" not in document


@pytest.mark.parametrize("name", ["featured"])
async def test_collections_are_ordered_collections(
    client: httpx.AsyncClient, people: None, name: str
) -> None:
    for actor in ("/u/alice", "/c/librarians"):
        response = await client.get(f"{actor}/{name}", headers=AP)
        assert response.status_code == 200
        document = response.json()
        assert document["type"] == "OrderedCollection"
        assert document["id"] == f"https://alpha.test{actor}/{name}"
        assert document["totalItems"] == len(document["orderedItems"])


async def test_unknown_collection_is_404(client: httpx.AsyncClient, people: None) -> None:
    assert (await client.get("/u/alice/moderators", headers=AP)).status_code == 404
    assert (await client.get("/c/librarians/secrets", headers=AP)).status_code == 404


async def test_home_page_lists_communities(client: httpx.AsyncClient, people: None) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "City Librarians" in response.text
