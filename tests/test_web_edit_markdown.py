"""Editing a post in the browser starts from the Markdown it was written in, over real nodes.

bea writes a thread with a list, bold, code and a link on alpha (the community's node); gus, on
beta, is a member. Saved unchanged, nothing changes anywhere; changed by one word, only that word
changes, and the Update beta receives carries the Markdown as bea wrote it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from playwright.async_api import Page

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, markdown
from fedcop.store import post_versions
from tests.browser import browser
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle, stored
from tests.test_web_journeys import sign_in

MARKDOWN = (
    "Before the migration:\n\n"
    "- **back up** the database\n"
    "- run `pg_dump --format=custom`\n"
    "- read [the guide](https://example.org/guide)\n\n"
    "Then check it with `restore --check`."
)

Nodes = tuple[LiveNode, LiveNode]


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    """alpha (where the browser goes): bea and her community "stewards"; beta: gus, a member."""
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn) as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
        )
        await accounts.create_user(beta.pool, beta.config, "gus", "gus pass 123")
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "gus", f"{alpha.base}/c/stewards"
        )
        await settle(alpha, beta)
        yield alpha, beta


async def _thread_uri(alpha: LiveNode, title: str) -> str:
    async with alpha.pool.acquire() as conn:
        uri = await conn.fetchval("SELECT uri FROM posts WHERE title = $1", title)
    assert isinstance(uri, str)
    return uri


async def _history(node: LiveNode, post_id: int) -> list[str | None]:
    async with node.pool.acquire() as conn:
        return [v.source for v in await post_versions.earlier_versions(conn, post_id)]


async def _updates_received(beta: LiveNode) -> list[dict[str, Any]]:
    """The Updates beta was sent, as the community relayed them (wrapped in its Announce)."""
    async with beta.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT document->'object' AS inner FROM inbound_activities
            WHERE activity_type = 'Announce' AND document->'object'->>'type' = 'Update'
            ORDER BY id
            """
        )
    return [
        json.loads(row["inner"]) if isinstance(row["inner"], str) else row["inner"] for row in rows
    ]


async def _edit(page: Page, alpha: LiveNode, post_id: int, text: str | None) -> None:
    """Open the edit page, check it starts from the kept Markdown, change it (or not), save."""
    await page.goto(f"{alpha.base}/t/{post_id}/edit")
    box = page.get_by_label("Text (Markdown)")
    if text is not None:
        await box.fill(text)
    await page.get_by_role("button", name="Save").click()
    await page.get_by_role("heading", name="Migrations").wait_for()


async def test_an_edit_round_trips_markdown_unchanged(nodes: Nodes) -> None:
    alpha, beta = nodes
    async with browser() as page:
        # Given bea wrote a thread with a list, bold, code and a link, in the browser
        await sign_in(page, alpha, "bea", "bea pass 123")
        await page.goto(f"{alpha.base}/c/stewards")
        await page.get_by_label("Title").fill("Migrations")
        await page.get_by_label("Text (Markdown)").fill(MARKDOWN)
        await page.get_by_role("button", name="Post thread").click()
        await page.get_by_role("heading", name="Migrations").wait_for()
        uri = await _thread_uri(alpha, "Migrations")
        await settle(alpha, beta)
        written = await stored(alpha, uri)
        assert written.source == MARKDOWN  # the browser's CRLF line ends made "\n"
        assert (await stored(beta, uri)).source == MARKDOWN

        # When she opens the edit page, the box holds her Markdown, links and all
        await page.goto(f"{alpha.base}/t/{written.id}/edit")
        assert await page.get_by_label("Text (Markdown)").input_value() == MARKDOWN
        # And when she saves it unchanged
        await _edit(page, alpha, written.id, None)
        await settle(alpha, beta)
        # Then nothing changed: the same HTML and source, no edit, no version, nothing sent
        unchanged = await stored(alpha, uri)
        assert (unchanged.content, unchanged.source) == (written.content, written.source)
        assert unchanged.updated is None
        assert await _history(alpha, written.id) == []
        assert await _updates_received(beta) == []
        assert "<li><strong>back up</strong> the database</li>" in unchanged.content
        assert '<a href="https://example.org/guide"' in unchanged.content

        # When she changes one word
        changed = MARKDOWN.replace("the guide", "the restore guide")
        await _edit(page, alpha, written.id, changed)
        await settle(alpha, beta)

    # Then only that word changed, here and on beta, and the old version is kept
    edited = await stored(alpha, uri)
    assert edited.source == changed
    assert edited.content == markdown.render(changed)
    assert edited.content == written.content.replace("the guide", "the restore guide")
    assert edited.updated is not None
    assert await _history(alpha, written.id) == [MARKDOWN]
    on_beta = await stored(beta, uri)
    assert (on_beta.source, on_beta.content) == (changed, edited.content)
    assert await _history(beta, on_beta.id) == [MARKDOWN]
    # And the Update beta received carries her Markdown as its source
    [update] = await _updates_received(beta)
    assert update["object"]["source"] == {"content": changed, "mediaType": "text/markdown"}
    assert update["object"]["content"] == edited.content


async def test_a_post_with_no_kept_markdown_is_edited_from_markdown_made_back(
    nodes: Nodes,
) -> None:
    alpha, _ = nodes
    async with browser() as page:
        await sign_in(page, alpha, "bea", "bea pass 123")
        await page.goto(f"{alpha.base}/c/stewards")
        await page.get_by_label("Title").fill("Migrations")
        await page.get_by_label("Text (Markdown)").fill(MARKDOWN)
        await page.get_by_role("button", name="Post thread").click()
        await page.get_by_role("heading", name="Migrations").wait_for()
        uri = await _thread_uri(alpha, "Migrations")
        # Given a post stored before its Markdown was kept
        async with alpha.pool.acquire() as conn:
            await conn.execute("UPDATE posts SET source = NULL WHERE uri = $1", uri)
        older = await stored(alpha, uri)
        # When bea opens its edit page, the box holds Markdown with the same structure
        await page.goto(f"{alpha.base}/t/{older.id}/edit")
        text = await page.get_by_label("Text (Markdown)").input_value()
        assert "- **back up** the database" in text
        assert "[the guide](https://example.org/guide)" in text
        assert markdown.render(text) == older.content
        # And saving it unchanged changes nothing
        await _edit(page, alpha, older.id, None)
    after = await stored(alpha, uri)
    assert (after.content, after.source, after.updated) == (older.content, None, None)
    assert await _history(alpha, older.id) == []
