"""A thread posted in several communities at once: a thread in each, linked to the others, or
none at all with a clear reason, from a Mastodon app (a status mentioning several communities)
and from the web form ("Also post in")."""

from __future__ import annotations

import re
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows
from tests.api.conftest import api_user

AP = {"Accept": "application/activity+json"}
TITLE = "Retention of lab notebooks"


async def _communities(app: Any, config: Config) -> None:
    await accounts.create_user(app.state.pool, config, "fa", "long enough")
    for name, title in (("stewards", "Data Stewards"), ("archivists", "Archivists")):
        await accounts.create_community(app.state.pool, config, name, title=title, owner="fa")


async def _threads_titled(app: Any, title: str) -> dict[str, int]:
    """{community name: thread id} of the threads with this title."""
    async with app.state.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT a.username, p.id FROM posts p JOIN actors a ON a.id = p.community_id
            WHERE p.title = $1 AND p.thread_id IS NULL
            """,
            title,
        )
    return {row["username"]: row["id"] for row in rows}


async def test_a_status_naming_two_communities_starts_a_linked_thread_in_each(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _communities(app, config)
    ann = await api_user(app, config, "ann")
    # When ann's app posts a status that mentions both communities
    response = await client.post(
        "/api/v1/statuses",
        headers=ann.auth,
        json={"status": f"@stewards @archivists {TITLE}\nHow long do you keep them?"},
    )
    assert response.status_code == 200, response.text
    # Then each community has the thread, titled without the mentions
    threads = await _threads_titled(app, TITLE)
    assert set(threads) == {"stewards", "archivists"}
    assert response.json()["id"] == str(threads["stewards"])  # the first one named
    # And each thread's page says where else it was posted, linking there
    for here, there in (("stewards", "archivists"), ("archivists", "stewards")):
        page = (await client.get(f"/t/{threads[here]}")).text
        also = re.search(r'<p class="crossposts">(.*?)</p>', page)
        assert also is not None, here
        assert f'href="/t/{threads[there]}"' in also.group(1)
        # and so does the thread on the wire, for servers that have no cross-post field
        document = (await client.get(f"/p/{threads[here]}", headers=AP)).json()
        assert f'href="{config.base_url}/p/{threads[there]}"' in document["content"]
        assert f"@{there}@{config.domain}" in document["content"]


async def test_a_status_one_community_refuses_is_posted_in_none(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _communities(app, config)
    ann = await api_user(app, config, "ann")
    # Given the archivists keep new threads to their facilitators
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            """
            UPDATE communities SET posting_restricted_to_mods = true
            WHERE actor_id = (SELECT id FROM actors WHERE username = 'archivists')
            """
        )
    # When ann's status names both
    response = await client.post(
        "/api/v1/statuses",
        headers=ann.auth,
        json={"status": f"@stewards @archivists {TITLE}\nHow long do you keep them?"},
    )
    # Then it is refused, saying why, and neither community has the thread
    assert response.status_code == 422
    assert "only this community's facilitators may start threads" in response.json()["error"]
    assert await _threads_titled(app, TITLE) == {}


async def _signed_in(client: httpx.AsyncClient, name: str, password: str) -> str:
    page = await client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    await client.post(
        "/login", data={"csrf": token.group(1), "name": name, "password": password, "next": "/"}
    )
    page = await client.get("/c/stewards")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    return token.group(1)


async def test_the_web_form_posts_in_every_community_it_names_or_in_none(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _communities(app, config)
    await accounts.create_user(app.state.pool, config, "bea", "bea pass 123")
    network = app.state.network
    await follows.join(app.state.pool, config, network, "bea", f"{config.base_url}/c/stewards")
    csrf = await _signed_in(client, "bea", "bea pass 123")
    form = {"csrf": csrf, "title": TITLE, "content": "How long do you keep them?"}
    # When bea names a community that does not exist, the form is refused and nothing posted
    refused = await client.post("/c/stewards/threads", data={**form, "also_in": "nosuch"})
    assert refused.status_code == 400
    assert "nosuch is not a community" in refused.text
    assert await _threads_titled(app, TITLE) == {}
    # When she names the archivists too, both get the thread
    posted = await client.post("/c/stewards/threads", data={**form, "also_in": "archivists"})
    assert posted.status_code == 303
    threads = await _threads_titled(app, TITLE)
    assert set(threads) == {"stewards", "archivists"}
    assert posted.headers["location"] == f"/t/{threads['stewards']}"
