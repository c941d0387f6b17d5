"""The Markdown source of posts from Lemmy-style servers is kept, and their edits have a history.

Create with source {mediaType: text/markdown}  -> the post keeps it beside the HTML; the HTML
                                                  shown is still the sanitised `content`
Update with a new source                        -> the new source and HTML; the version it
                                                  replaced is kept
a source of another kind (Misskey's MFM)        -> not kept
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.store import post_versions
from federation.keys import load_private_key
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.paths import REAL_FIXTURES
from tests.scene import settle, stored
from tests.signed_requests import Sender, encoded, post

Setting = tuple[LiveNode, LiveNode, GroupServer]

MARKDOWN = (
    "Our checklist:\n\n"
    "- **back up** first\n"
    "- run `pg_dump --format=custom`\n"
    "- read [the guide](https://example.org/guide)\n\n"
    "```\nrestore --check\n```"
)
# The HTML Lemmy renders from it (what `content` carries), with an attribute we never keep.
HTML = (
    "<p>Our checklist:</p>\n<ul>\n<li><strong>back up</strong> first</li>\n"
    "<li>run <code>pg_dump --format=custom</code></li>\n"
    '<li>read <a href="https://example.org/guide" onclick="steal()">the guide</a></li>\n'
    "</ul>\n<pre><code>restore --check\n</code></pre>\n"
)


@pytest.fixture
async def setting(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Setting]:
    """stewards on alpha (founded by fa), gus on gamma a member, and a Lemmy server."""
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(gamma.pool, gamma.config, "gus", "long enough")
        await follows.follow_remote(
            gamma.pool, gamma.config, gamma.app.state.network, "gus", f"{alpha.base}/c/stewards"
        )
        await settle(alpha, gamma)
        with group_server("lemmy") as lemmy:
            yield alpha, gamma, lemmy


def _sender(lemmy: GroupServer, name: str) -> Sender:
    uri = lemmy.person(name)
    return Sender(uri, f"{uri}#main-key", load_private_key(lemmy.keys.private_pem))


def _lemmy_page(lemmy: GroupServer, community: str, **changes: Any) -> dict[str, Any]:
    """The captured Lemmy Page (with its `source`), moved onto the test's Lemmy server and
    addressed to the community."""
    captured = json.loads((REAL_FIXTURES / "lemmy" / "objects" / "page.json").read_text())
    assert captured["source"]["mediaType"] == "text/markdown"
    page = copy.deepcopy(captured)
    page.update(
        id=f"{lemmy.origin}/post/{uuid.uuid4().int % 10**9}",
        attributedTo=lemmy.person("picard"),
        to=[community, "https://www.w3.org/ns/activitystreams#Public"],
        audience=community,
        name="Restoring backups",
        content=HTML,
        source={"content": MARKDOWN, "mediaType": "text/markdown"},
    )
    page.update(changes)
    page["tag"] = [{"type": "Mention", "href": community, "name": "@stewards"}]
    lemmy.documents[page["id"]] = page  # served at its id, as members' nodes fetch it
    return page


def _activity(kind: str, sender: Sender, page: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.origin}/activities/{kind.lower()}/{uuid.uuid4()}",
        "type": kind,
        "actor": sender.uri,
        "to": page["to"],
        "object": page,
    }


async def test_a_lemmy_thread_keeps_its_markdown(setting: Setting) -> None:
    alpha, gamma, lemmy = setting
    picard = _sender(lemmy, "picard")
    page = _lemmy_page(lemmy, f"{alpha.base}/c/stewards")
    # When a Lemmy user posts a thread with a list, bold, code and a link into the community
    response = await post(alpha, encoded(_activity("Create", picard, page)), picard)
    assert response.status_code == 202
    await settle(alpha, gamma)
    # Then the community keeps the Markdown as written, and shows the sanitised HTML
    thread = await stored(alpha, page["id"])
    assert thread is not None
    assert thread.source == MARKDOWN
    assert "<strong>back up</strong>" in thread.content
    assert '<a href="https://example.org/guide"' in thread.content
    assert "onclick" not in thread.content
    # And a member's node, which fetches the post from Lemmy, keeps it too
    relayed = await stored(gamma, page["id"])
    assert relayed is not None and relayed.source == MARKDOWN


async def test_a_lemmy_edit_keeps_the_new_markdown_and_the_old_version(setting: Setting) -> None:
    alpha, gamma, lemmy = setting
    picard = _sender(lemmy, "picard")
    page = _lemmy_page(lemmy, f"{alpha.base}/c/stewards")
    assert (await post(alpha, encoded(_activity("Create", picard, page)), picard)).status_code
    await settle(alpha, gamma)
    # When its author edits one list item on Lemmy
    edited_markdown = MARKDOWN.replace("first", "before anything else")
    edited = {
        **page,
        "content": HTML.replace("first", "before anything else"),
        "source": {"content": edited_markdown, "mediaType": "text/markdown"},
        "updated": "2026-01-02T10:00:00Z",
    }
    lemmy.documents[page["id"]] = edited
    assert (await post(alpha, encoded(_activity("Update", picard, edited)), picard)).status_code
    await settle(alpha, gamma)
    # Then the new Markdown is kept, and the version it replaced is in the history
    for node in (alpha, gamma):
        thread = await stored(node, page["id"])
        assert thread.source == edited_markdown, node.base
        assert "before anything else" in thread.content
        async with node.pool.acquire() as conn:
            history = await post_versions.earlier_versions(conn, thread.id)
        assert [version.source for version in history] == [MARKDOWN], node.base
        assert "<strong>back up</strong> first" in history[0].content
    # And the same edit sent again is no new edit
    first_edit = (await stored(alpha, page["id"])).updated
    assert (await post(alpha, encoded(_activity("Update", picard, edited)), picard)).status_code
    await settle(alpha, gamma)
    again = await stored(alpha, page["id"])
    assert again.updated == first_edit
    async with alpha.pool.acquire() as conn:
        assert len(await post_versions.earlier_versions(conn, again.id)) == 1


async def test_a_source_that_is_not_markdown_is_not_kept(setting: Setting) -> None:
    alpha, gamma, lemmy = setting
    picard = _sender(lemmy, "picard")
    page = _lemmy_page(
        lemmy,
        f"{alpha.base}/c/stewards",
        source={"content": "$[x2 big]", "mediaType": "text/x.misskeymarkdown"},
    )
    assert (await post(alpha, encoded(_activity("Create", picard, page)), picard)).status_code
    await settle(alpha, gamma)
    thread = await stored(alpha, page["id"])
    assert thread is not None
    assert thread.source is None
    assert "<strong>back up</strong>" in thread.content
