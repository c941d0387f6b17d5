"""The search box finds knowledge-base pages: their current version (an edit's old words are
no longer found), title above text, a link to /c/NAME/kb/SLUG, highlighted and escaped
snippets; a members-only community's pages only for its members."""

from __future__ import annotations

import re
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows
from fedcop.services.knowledge import editing
from fedcop.services.knowledge import pages as kb_pages
from tests.test_signin_throttle_and_sessions import sign_in


def _pages(page: str) -> list[tuple[str, str]]:
    """(address, title) of each knowledge-base page the search page lists."""
    if 'id="found-pages"' not in page:
        return []
    listed = page.split('id="found-pages"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'<li class="search-result"><a href="([^"]+)">([^<]*)</a>', listed)


async def _seed(app: Any, config: Config) -> None:
    pool, network = app.state.pool, app.state.network
    for name in ("ana", "ben", "dee"):
        await accounts.create_user(pool, config, name, "correct horse battery")
    await accounts.create_community(pool, config, "libraries", title="Libraries", owner="ana")
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinic", owner="ana", private=True
    )
    await follows.join(pool, config, network, "dee", clinic.uri)
    await follows.decide_request(pool, config, "clinic", f"{config.base_url}/u/dee", approve=True)
    await kb_pages.create(
        pool, config, community="libraries", by="ana", title="Courier schedules",
        markdown="Which **van** goes where, and when interlibrary parcels leave. <b>x</b>",
    )  # fmt: skip
    mention = await kb_pages.create(
        pool, config, community="libraries", by="ana", title="Opening hours",
        markdown="Branch hours. Parcels for the courier wait at the desk. Old word: zeppelin.",
    )  # fmt: skip
    await editing.edit(
        pool, config, community="libraries", slug=mention.page.slug, by="ana",
        base_version=mention.version.version, title="Opening hours",
        markdown="Branch hours. Parcels for the courier wait at the desk.",
    )  # fmt: skip
    await kb_pages.create(
        pool, config, community="clinic", by="ana", title="Courier triage protocol",
        markdown="Members-only courier notes.",
    )  # fmt: skip


async def test_pages_are_found_title_first_current_version_only(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)

    found = await client.get("/search", params={"q": "couriers"})
    old_word = await client.get("/search", params={"q": "zeppelin"})
    phrase = await client.get("/search", params={"q": '"interlibrary parcels"'})
    by_author = await client.get("/search", params={"q": "courier from:ana"})

    # the page named after the word first (stemmed: couriers finds courier), then the mention
    assert [title for _, title in _pages(found.text)] == ["Courier schedules", "Opening hours"]
    assert _pages(found.text)[0][0].startswith("/c/libraries/kb/")
    assert "<mark>courier</mark>" in found.text
    # the Markdown's markup is text in the snippet, never an element
    assert "<b>x</b>" not in found.text
    assert _pages(old_word.text) == []
    assert [title for _, title in _pages(phrase.text)] == ["Courier schedules"]
    # pages have no author: a search by author lists none
    assert _pages(by_author.text) == []
    # the members-only community's page stays hidden, its title too
    assert "triage" not in found.text.lower()


async def test_members_find_their_communitys_pages(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)
    await sign_in(client, "ben", "correct horse battery")
    outsider = await client.get("/search", params={"q": "courier triage"})
    await client.post("/logout", data={})
    client.cookies.clear()
    await sign_in(client, "dee", "correct horse battery")
    member = await client.get("/search", params={"q": "courier triage"})
    in_clinic = await client.get("/search", params={"q": "courier", "community": "clinic"})

    assert _pages(outsider.text) == []
    assert "Courier triage protocol" not in outsider.text and "Members-only" not in outsider.text
    assert [title for _, title in _pages(member.text)] == ["Courier triage protocol"]
    assert [title for _, title in _pages(in_clinic.text)] == ["Courier triage protocol"]
