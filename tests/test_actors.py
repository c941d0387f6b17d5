"""Actor documents (Person, Group, the instance Application) and their collections."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, moderation, post_changes, posts
from fedcop.services.moderation import Action
from federation.keys import load_public_key
from tests.conftest import fresh_database
from tests.live_node import live_node

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


async def _outbox_pages(client: httpx.AsyncClient, first: str) -> list[dict[str, Any]]:
    """Every page of an outbox, following `next` from `first` to the end."""
    pages: list[dict[str, Any]] = []
    url: str | None = first
    while url is not None:
        response = await client.get(url, headers=AP)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/activity+json")
        pages.append(response.json())
        url = pages[-1].get("next")
        assert len(pages) < 10, "the outbox pages never end"
    return pages


async def test_a_person_outbox_pages_what_anyone_may_read(
    app: Any, client: httpx.AsyncClient, config: Config, people: None
) -> None:
    pool, network = app.state.pool, app.state.network
    librarians = f"{config.base_url}/c/librarians"
    clinic = f"{config.base_url}/c/clinic"
    await accounts.create_community(
        pool, config, "clinic", title="Clinic", owner="alice", private=True
    )
    # Given alice wrote 25 posts: 23 in the public librarians (threads and replies), 2 in
    # the private clinic (members only)
    written = []
    for number in range(23):
        thread = written[-1].uri if number % 3 else None
        written.append(
            await posts.write(
                pool, config, network, author="alice", community_uri=librarians,
                title=None if thread else f"Shelf question {number}",
                content=f"Post number {number}", in_reply_to=thread,
            )
        )  # fmt: skip
    members_only = [
        await posts.write(
            pool, config, network, author="alice", community_uri=clinic,
            title=f"Private matter {number}", content="For members only",
        )
        for number in range(2)
    ]  # fmt: skip
    assert {post.visibility for post in members_only} == {"followers"}
    # and she deleted one, and, facilitating librarians, removed another
    deleted, removed = written[4], written[10]
    await post_changes.delete(pool, config, author="alice", post_uri=deleted.uri)
    await moderation.act(
        pool, config, network, moderator="alice", community_uri=librarians,
        action=Action("remove", removed.uri),
    )  # fmt: skip
    public = [post for post in written if post not in (deleted, removed)]

    # When her outbox is read
    response = await client.get("/u/alice/outbox", headers=AP)
    assert response.status_code == 200
    collection = response.json()
    outbox = f"{config.base_url}/u/alice/outbox"
    # Then it counts exactly the public posts
    assert collection["type"] == "OrderedCollection"
    assert collection["id"] == outbox
    assert collection["totalItems"] == len(public) == 21
    assert collection["first"] == f"{outbox}?page=true"
    assert "orderedItems" not in collection

    # And its pages list them, newest first, to the end
    pages = await _outbox_pages(client, collection["first"])
    assert [len(page["orderedItems"]) for page in pages] == [20, 1]
    assert all(page["type"] == "OrderedCollectionPage" for page in pages)
    assert all(page["partOf"] == outbox for page in pages)
    assert "next" not in pages[-1]
    items = [item for page in pages for item in page["orderedItems"]]
    newest_first = sorted(public, key=lambda post: post.id, reverse=True)
    assert [item["object"]["id"] for item in items] == [post.uri for post in newest_first]
    shown = {item["object"]["id"] for item in items}
    assert not shown & {deleted.uri, removed.uri, *(post.uri for post in members_only)}

    # And each is the Create that published it, its object the document /p/{id} serves
    for item, post in zip(items, newest_first, strict=True):
        assert item["type"] == "Create"
        assert item["actor"] == f"{config.base_url}/u/alice"
        assert item["id"].startswith(f"{config.base_url}/activities/")
        served = await client.get(f"/p/{post.id}", headers=AP)
        assert served.status_code == 200
        document = served.json()
        document.pop("@context")
        assert item["object"] == document
        assert (item["to"], item["cc"]) == (document["to"], document["cc"])
    threads = [item["object"] for item in items if "inReplyTo" not in item["object"]]
    assert threads and all(thread["type"] == "Note" and thread["name"] for thread in threads)

    # And someone who wrote nothing public has an empty outbox, with an empty first page
    empty = (await client.get("/u/bea/outbox", headers=AP)).json()
    assert empty["totalItems"] == 0
    assert (await _outbox_pages(client, empty["first"]))[0]["orderedItems"] == []


async def test_a_person_outbox_needs_a_signature_under_authorized_fetch(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta", authorized_fetch=True) as beta,
    ):
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        await accounts.create_community(
            beta.pool, beta.config, "makers", title="Makers", owner="bo"
        )
        thread = await posts.write(
            beta.pool, beta.config, beta.app.state.network, author="bo",
            community_uri=f"{beta.base}/c/makers", title="Hello", content="First post",
        )  # fmt: skip
        # An unsigned GET of the outbox or its pages is refused, as for the other collections
        for path in ("/u/bo/outbox", "/u/bo/outbox?page=true", "/u/bo/followers"):
            refused = await beta.get(path, headers=AP)
            assert refused.status_code == 401, path
            assert "signed" in refused.json()["error"]
        # A signed GET (alpha's instance actor) is served
        network: Any = alpha.app.state.network
        collection = await network.fetch(f"{beta.base}/u/bo/outbox")
        assert collection["totalItems"] == 1
        page = await network.fetch(collection["first"])
        assert [item["object"]["id"] for item in page["orderedItems"]] == [thread.uri]
