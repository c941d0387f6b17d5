"""GET /api/v2/search on one node: accounts by name, hashtags, posts by URL; what needs a token;
and servers that cannot be reached, which only mean no result. (Resolving across nodes is in
test_search_federated.py.)"""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, posts
from tests.api.conftest import ApiUser, api_user


async def _search(api: httpx.AsyncClient, user: ApiUser | None, **params: Any) -> httpx.Response:
    return await api.get("/api/v2/search", params=params, headers=user.auth if user else {})


async def test_accounts_are_found_by_the_start_of_their_name(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await accounts.create_community(
        app.state.pool, config, "archivists", title="Records and Archives", owner="alice"
    )
    await api_user(app, config, "bob")

    by_name = await _search(api, None, q="ar")
    by_title = await _search(api, alice, q="records", type="accounts")
    by_handle = await _search(api, alice, q=f"@alice@{config.domain}")

    assert by_name.status_code == 200
    assert by_name.json()["statuses"] == []
    assert [a["acct"] for a in by_name.json()["accounts"]] == ["archivists"]
    assert [a["group"] for a in by_title.json()["accounts"]] == [True]
    assert [a["username"] for a in by_handle.json()["accounts"]] == ["alice"]
    # only the accounts she follows: she belongs to archivists, not to bob
    followed = await _search(api, alice, q="a", following="true")
    assert [a["username"] for a in followed.json()["accounts"]] == ["archivists"]


async def test_hashtags_in_use_are_found(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community = await accounts.create_community(
        app.state.pool, config, "archivists", title="Archivists", owner="alice"
    )
    # a post with hashtags, which the node records as it is written
    await posts.write(
        app.state.pool,
        config,
        app.state.network,
        author="alice",
        community_uri=community.uri,
        title="Appraisal",
        content="On #RecordsManagement and #records",
    )

    found = await _search(api, alice, q="#rec", type="hashtags")

    tags = found.json()["hashtags"]
    assert [t["name"] for t in tags] == ["records", "recordsmanagement"]
    assert tags[0]["url"] == f"{config.base_url}/tags/records"
    assert tags[0]["history"] == [] and tags[0]["id"].isdigit()
    assert found.json()["accounts"] == []


async def test_a_post_here_is_found_by_its_url(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community = await accounts.create_community(
        app.state.pool, config, "archivists", title="Archivists", owner="alice"
    )
    thread = await posts.write(
        app.state.pool,
        config,
        app.state.network,
        author="alice",
        community_uri=community.uri,
        title="Appraisal",
        content="How do you appraise?",
    )

    found = await _search(api, alice, q=thread.uri, resolve="true")
    anonymous = await _search(api, None, q=thread.uri, type="statuses")
    as_account = await _search(api, alice, q=community.uri, resolve="true")

    [status] = found.json()["statuses"]
    assert status["id"] == str(thread.id)
    assert status["uri"] == thread.uri
    assert [s["id"] for s in anonymous.json()["statuses"]] == [str(thread.id)]
    assert [a["acct"] for a in as_account.json()["accounts"]] == ["archivists"]
    assert as_account.json()["statuses"] == []


async def test_resolving_and_paging_need_a_user_token(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    resolving = await _search(api, None, q="someone@far.example", resolve="true")
    paging = await _search(api, None, q="al", offset=5)
    writer = await api_user(app, config, "bob", scopes="write")
    no_scope = await _search(api, writer, q="al")

    assert resolving.status_code == 401
    assert "resolve" in resolving.json()["error"]
    assert paging.status_code == 401
    assert no_scope.status_code == 403


async def test_bad_queries_are_refused(api: httpx.AsyncClient, alice: ApiUser) -> None:
    for params in ({}, {"q": ""}, {"q": "a", "type": "people"}, {"q": "a", "limit": "many"}):
        response = await _search(api, alice, **params)
        assert response.status_code == 422, params
        assert "error" in response.json()


async def test_a_server_that_cannot_be_reached_gives_no_result(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    for query in ("ghost@nowhere.invalid", "https://nowhere.invalid/posts/1"):
        response = await _search(api, alice, q=query, resolve="true")
        assert response.status_code == 200, query
        assert response.json() == {"accounts": [], "statuses": [], "hashtags": []}
    async with app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM actors WHERE domain IS NOT NULL") == 0
