"""The community library, /c/NAME/resources: every file shared in the community's threads,
replies and pages, with who shared it, where, its tag and licence; filtered, searched, paged."""

from __future__ import annotations

import re
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, moderation
from fedcop.services.media import library as media_library
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.media.library_page import library_rows
from tests.media.library_world import PASSWORD, World, make_world, reply, shared, thread
from tests.web_session import signed_in


def _rows(html: str) -> list[dict[str, Any]]:
    return library_rows(html)[0]


async def _names(client: httpx.AsyncClient, path: str) -> list[str]:
    response = await client.get(path)
    assert response.status_code == 200, response.text
    return [row["name"] for row in _rows(response.text)]


async def _stocked(app: Any, config: Config) -> World:
    world = await make_world(app, config)
    protocol = await thread(world, "ana", "Triage protocol")
    await shared(
        world, "ana", protocol, "triage-checklist.pdf",
        description="The checklist we use at the front desk", tag="triage", licence="cc-by-4.0",
    )  # fmt: skip
    answer = await reply(world, "bo", protocol)
    await shared(
        world, "bo", answer, "whiteboard.png", kind="image",
        description="Photo of the whiteboard after the workshop", tag="workshop",
    )  # fmt: skip
    return world


async def test_the_library_lists_every_file_with_who_where_tag_and_licence(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    # Given a thread by ana with a PDF and a reply by bo with a picture
    await _stocked(app, config)

    # When anyone opens the community's library
    response = await client.get("/c/clinic/resources")

    # Then both files are listed, newest first, as a reader would want them
    assert response.status_code == 200
    rows = _rows(response.text)
    assert [row["name"] for row in rows] == ["whiteboard.png", "triage-checklist.pdf"]
    picture, checklist = rows
    assert checklist["description"] == "The checklist we use at the front desk"
    assert checklist["by"] == "ana" and checklist["where"] == "Triage protocol"
    assert checklist["where_href"].startswith("/t/")
    assert checklist["tag"] == "triage"
    assert checklist["licence"] == "CC BY 4.0"
    assert checklist["licence_href"] == "https://creativecommons.org/licenses/by/4.0/"
    assert "2.0 kB" in checklist["kind"] and "Document" in checklist["kind"]
    assert not checklist["thumbnail"]
    # a reply's file names the thread it belongs to and links to the reply in it
    assert picture["by"] == "bo" and picture["where"] == "Reply in: Triage protocol"
    assert re.fullmatch(r"/t/\d+#post-\d+", picture["where_href"])
    assert picture["thumbnail"] and picture["licence"] == "All rights reserved"
    # and the community page leads there
    community = await client.get("/c/clinic")
    assert 'href="/c/clinic/resources"' in community.text


async def test_the_library_is_filtered_and_searched(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    await _stocked(app, config)
    assert await _names(client, "/c/clinic/resources?kind=image") == ["whiteboard.png"]
    assert await _names(client, "/c/clinic/resources?kind=document") == ["triage-checklist.pdf"]
    assert await _names(client, "/c/clinic/resources?tag=Triage") == ["triage-checklist.pdf"]
    # the tags in use are offered as filters, each with its count
    page = (await client.get("/c/clinic/resources")).text
    assert re.findall(
        r'class="library-tag" href="([^"]+)">([^<]+)</a> <span class="meta">\((\d+)\)', page
    ) == [
        ("/c/clinic/resources?tag=triage", "triage", "1"),
        ("/c/clinic/resources?tag=workshop", "workshop", "1"),
    ]
    assert await _names(client, "/c/clinic/resources?licence=cc-by-4.0") == ["triage-checklist.pdf"]
    # words of the file name, then of the description, in any case; each word must match
    assert await _names(client, "/c/clinic/resources?q=CHECKLIST") == ["triage-checklist.pdf"]
    assert await _names(client, "/c/clinic/resources?q=whiteboard+workshop") == ["whiteboard.png"]
    assert await _names(client, "/c/clinic/resources?q=whiteboard+triage") == []
    # LIKE's wildcards are words like any other
    assert await _names(client, "/c/clinic/resources?q=%25") == []
    # an unknown kind or licence, or a cursor that is not one, is no filter and no error
    assert len(await _names(client, "/c/clinic/resources?kind=x&licence=y&after=1.2")) == 2


async def test_the_library_pages_with_a_key_never_repeating_or_skipping(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    # Given more files than a page holds, several of them in one thread
    world = await make_world(app, config)
    expected = []
    for number in range(media_library.PAGE_SIZE // 3 + 3):
        post = await thread(world, "ana", f"Thread {number}")
        for part in range(3):
            await shared(world, "ana", post, f"file-{number}-{part}.pdf")
        expected += [f"file-{number}-{part}.pdf" for part in range(3)]
    # newest thread first, each thread's files in their order
    expected = [
        name
        for number in reversed(range(media_library.PAGE_SIZE // 3 + 3))
        for name in expected
        if name.startswith(f"file-{number}-")
    ]

    # When a reader follows "Older files" to the end
    seen: list[str] = []
    path: str | None = "/c/clinic/resources"
    pages = 0
    while path is not None:
        response = await client.get(path)
        rows, path = library_rows(response.text)
        seen += [row["name"] for row in rows]
        pages += 1

    # Then every file was seen once, in order, over two pages
    assert seen == expected and pages == 2


async def test_a_private_communitys_library_is_its_members_alone(pg_cluster: Any) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        # Given a members-only community with a file in a thread
        for name in ("otto",):
            await accounts.create_user(alpha.pool, alpha.config, name, PASSWORD)
        world = await make_world(alpha.app, alpha.config, private=True)
        protocol = await thread(world, "ana", "Ward rota")
        await shared(world, "ana", protocol, "rota.pdf", description="Night shifts")

        # Then someone signed out, or signed in but not a member, finds no such community
        assert (await alpha.get("/c/clinic/resources")).status_code == 404
        assert (await alpha.get("/c/clinic/resources?q=rota")).status_code == 404
        async with signed_in(alpha, "otto", PASSWORD) as otto:
            response = await otto.http.get("/c/clinic/resources")
            assert response.status_code == 404 and "rota.pdf" not in response.text
        # And a member sees the file
        async with signed_in(alpha, "bo", PASSWORD) as member:
            rows, _ = library_rows(await member.page("/c/clinic/resources"))
        assert [row["name"] for row in rows] == ["rota.pdf"]


async def test_files_of_hidden_posts_and_sensitive_pictures(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    world = await make_world(app, config)
    # a reply's file in a thread a facilitator removed is not listed, nor the thread's own
    removed = await thread(world, "ana", "Off topic")
    await shared(world, "ana", removed, "thread-file.pdf")
    answer = await reply(world, "bo", removed)
    await shared(world, "bo", answer, "reply-file.pdf")
    # a picture on a post marked sensitive is listed without its thumbnail
    delicate = await thread(world, "ana", "Wound care")
    await shared(world, "ana", delicate, "wound.png", kind="image")
    async with world.pool.acquire() as conn:
        await conn.execute("UPDATE posts SET sensitive = true WHERE id = $1", delicate.id)
    await moderation.act(
        world.pool, config, world.network, moderator="fa", community_uri=world.community_uri,
        action=moderation.Action("remove", removed.uri),
    )  # fmt: skip

    rows = _rows((await client.get("/c/clinic/resources")).text)
    assert [(row["name"], row["thumbnail"]) for row in rows] == [("wound.png", False)]


async def test_odd_queries_get_a_page_never_an_error(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    await _stocked(app, config)
    for query in (
        "q=%00", "tag=%00triage", "q=" + "x" * 5000, "after=9" * 30, "after=-1.-1.-1",
        "after=99999999999999999999.1.1", "kind=image&kind=document", "licence=%00",
    ):  # fmt: skip
        response = await client.get(f"/c/clinic/resources?{query}")
        assert response.status_code == 200, query
    # a community that is not there is a 404, as for its other pages
    assert (await client.get("/c/nowhere/resources")).status_code == 404
    assert (await client.get("/c/nowhere@far.example/resources")).status_code == 404
