"""The knowledge base in a real browser (headless chromium): ann writes a page, edits it,
reads its history and the diff of her edit, restores the first version, and every field she
fills is labelled."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.test_web_journeys import sign_in

PASSWORD = "long enough"


@pytest.fixture
async def reachable(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    """A node at http://127.0.0.1:PORT, which the browser reaches: fa's "stewards", ann a member."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        for name in ("fa", "ann"):
            await accounts.create_user(node.pool, node.config, name, PASSWORD)
        community = await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        await follows.join(node.pool, node.config, node.app.state.network, "ann", community.uri)
        yield node


async def test_write_edit_and_compare_a_page_in_a_real_browser(reachable: LiveNode) -> None:
    node = reachable
    async with browser() as page:
        await sign_in(page, node, "ann", PASSWORD)
        # From the community's page to its knowledge base, the charter listed first
        await page.goto(f"{node.base}/c/stewards")
        await page.get_by_role("link", name="Knowledge base").click()
        await page.wait_for_url("**/c/stewards/kb")
        assert (await page.locator("ol.kb-pages li").first.inner_text()).startswith("Charter")
        # ann writes a page
        await page.get_by_role("link", name="Write a new page").click()
        await page.wait_for_url("**/kb/new")
        assert await unlabelled_fields(page) == []
        await page.get_by_label("Title").fill("Checksum tools")
        await page.get_by_label("Text (Markdown)").fill("Use **sha256**.\nCheck monthly.")
        await page.get_by_role("button", name="Create page").click()
        await page.wait_for_url("**/kb/checksum-tools")
        assert "sha256" in await page.locator("article.kb-page strong").inner_text()
        # she edits it
        await page.get_by_role("link", name="Edit", exact=True).click()
        await page.wait_for_url("**/kb/checksum-tools/edit")
        assert await unlabelled_fields(page) == []
        await page.get_by_label("Text (Markdown)").fill("Use **sha256**.\nCheck weekly.")
        await page.get_by_label("What you changed").fill("weekly now")
        await page.get_by_role("button", name="Save").click()
        await page.wait_for_url("**/kb/checksum-tools")
        assert "Check weekly." in await page.locator("article.kb-page .content").inner_text()
        assert "Version 2" in await page.locator("article.kb-page .byline").inner_text()
        # the history says who changed what
        await page.get_by_role("link", name="History").click()
        await page.wait_for_url("**/history")
        rows = page.locator("table.kb-history tbody tr")
        assert await rows.count() == 2
        newest = await rows.first.inner_text()
        assert "2 (current)" in newest and "ann" in newest and "weekly now" in newest
        # and the diff, chosen with the history's radio buttons, marks the changed word
        await page.get_by_role("button", name="Compare the chosen versions").click()
        await page.wait_for_url("**/checksum-tools/diff?*")
        assert "From version 1 to version 2" in await page.locator("h1").inner_text()
        assert await page.locator("tr.diff-removed del").inner_text() == "monthly"
        assert await page.locator("tr.diff-added ins").inner_text() == "weekly"
        assert "Check <del>" not in await page.locator("tr.diff-same").first.inner_text()
        # and restoring version 1 from the history makes version 3 with its text
        await page.go_back()
        await page.get_by_role("button", name="Restore version 1").click()
        await page.wait_for_url("**/kb/checksum-tools")
        assert "Check monthly." in await page.locator("article.kb-page .content").inner_text()
        byline = await page.locator("article.kb-page .byline").inner_text()
        assert "Version 3" in byline and "restores version 1" in byline
