"""GET /api/v2/search finds statuses by their words (as Mastodon apps search), ranked, only
among the posts the caller may read; through httpx and through Mastodon.py."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from mastodon import Mastodon

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, oauth, posts
from fedcop.store.posts import Post
from tests.api.conftest import ApiUser, api_user
from tests.conftest import fresh_database
from tests.live_node import live_node


async def _seed(pool: Any, config: Config, network: Any) -> tuple[Post, Post, Post]:
    """A public community with a thread named after interlibrary loans and a reply mentioning
    them in passing; a private one with a members-only thread about them (bob is a member)."""
    await accounts.create_user(pool, config, "bob", "correct horse battery")
    library = await accounts.create_community(pool, config, "libraries", title="Libs", owner="bob")
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinic", owner="bob", private=True
    )

    async def write(community: str, **fields: Any) -> Post:
        return await posts.write(
            pool, config, network, author="bob", community_uri=community, **fields
        )

    titled = await write(library.uri, title="Interlibrary loan", content="<p>How?</p>")
    other = await write(library.uri, title="Migration", content="<p>A new system.</p>")
    reply = await write(
        library.uri, in_reply_to=other.uri, content="<p>Also interlibrary requests broke.</p>"
    )
    secret = await write(clinic.uri, title="Interlibrary secret", content="<p>Members.</p>")
    return titled, reply, secret


async def _search(api: httpx.AsyncClient, user: ApiUser | None, **params: Any) -> httpx.Response:
    return await api.get("/api/v2/search", params=params, headers=user.auth if user else {})


async def test_statuses_are_found_by_their_words(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    titled, reply, secret = await _seed(app.state.pool, config, app.state.network)
    bob = await oauth.admin_token(app.state.pool, "bob", "read")

    def ids(response: httpx.Response) -> list[str]:
        assert response.status_code == 200
        return [status["id"] for status in response.json()["statuses"]]

    # the default search and type=statuses: the titled thread above the passing mention
    assert ids(await _search(api, alice, q="interlibrary")) == [str(titled.id), str(reply.id)]
    assert ids(await _search(api, None, q="interlibrary", type="statuses")) == [
        str(titled.id),
        str(reply.id),
    ]
    # a member of the private community also finds its thread; alice does not
    member = await api.get(
        "/api/v2/search",
        params={"q": "interlibrary secret", "type": "statuses"},
        headers={"Authorization": f"Bearer {bob}"},
    )
    assert ids(member) == [str(secret.id)]
    assert ids(await _search(api, alice, q="interlibrary secret")) == []
    # phrases, exclusions, limit and offset
    assert ids(await _search(api, alice, q='"interlibrary requests"')) == [str(reply.id)]
    assert ids(await _search(api, alice, q="interlibrary -loan")) == [str(reply.id)]
    assert ids(await _search(api, alice, q="interlibrary", limit=1)) == [str(titled.id)]
    assert ids(await _search(api, alice, q="interlibrary", limit=1, offset=1)) == [str(reply.id)]
    # account_id: only that author's statuses
    assert ids(await _search(api, alice, q="interlibrary", account_id=str(alice.actor.id))) == []
    # other types leave statuses out
    assert ids(await _search(api, alice, q="interlibrary", type="accounts")) == []


async def test_mastodon_py_search_v2_finds_statuses(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        titled, reply, _ = await _seed(node.pool, node.config, node.app.state.network)
        await api_user(node.app, node.config, "carol")
        token = await oauth.admin_token(node.pool, "carol", "read")
        client = Mastodon(access_token=token, api_base_url=node.base)

        found = await asyncio.to_thread(client.search_v2, "interlibrary", result_type="statuses")
        hidden = await asyncio.to_thread(client.search_v2, "secret")

    assert [str(status["id"]) for status in found["statuses"]] == [str(titled.id), str(reply.id)]
    assert "interlibrary requests" in found["statuses"][1]["content"]
    assert hidden["statuses"] == []


async def test_statuses_by_id_window_and_operators(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    titled, reply, _secret = await _seed(app.state.pool, config, app.state.network)

    async def ids(**params: Any) -> list[str]:
        response = await _search(api, alice, type="statuses", **params)
        assert response.status_code == 200
        return [status["id"] for status in response.json()["statuses"]]

    # min_id / max_id: only statuses with ids above / below
    assert await ids(q="interlibrary", max_id=str(reply.id)) == [str(titled.id)]
    assert await ids(q="interlibrary", min_id=str(titled.id)) == [str(reply.id)]
    # operators in the words, as Mastodon reads them
    assert await ids(q="interlibrary from:bob") == [str(titled.id), str(reply.id)]
    assert await ids(q="interlibrary from:alice") == []
    assert await ids(q="interlibrary before:2000-01-01") == []
    assert await ids(q="interlibrary is:solved") == []
    assert await ids(q="interlibrary after:9999-12-30") == []
    # operators alone: the newest statuses they keep (never the members-only one)
    by_bob = await ids(q="from:bob")
    assert by_bob[0] == str(reply.id) and str(titled.id) in by_bob and len(by_bob) == 3
    assert await ids(q="interlibrary during:0001-01-01") == []
    # no operator opens a members-only thread to someone outside it
    assert await ids(q="secret from:bob") == []
    assert await ids(q=f"interlibrary from:bob@{config.domain}") == [str(titled.id), str(reply.id)]
    # a bad id is refused, not a server error
    assert (await _search(api, alice, q="x", max_id="not-a-number")).status_code == 422
