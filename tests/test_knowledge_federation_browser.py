"""A page of a community elsewhere, edited in a real browser (headless chromium) on the
editor's own node, each state of the edit checked with axe-core (WCAG 2.1 AA, as
tests/test_accessibility.py does): alpha hosts "stewards" (fa); bea is on beta, gus on gamma.

    gus's edit of version 1 is taken first; bea edits version 1 on beta's pages: sent and
    waiting, then conflicted (both texts, the difference, her text in a form), sent again from
    the current version, then taken.
"""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services.knowledge import pages, remote_edits
from tests.browser import browser, unlabelled_fields
from tests.scene import settle, three_nodes
from tests.test_accessibility import axe_source, readable, violations
from tests.test_web_journeys import sign_in


async def test_an_edit_that_conflicts_is_resolved_in_the_browser(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        made = await pages.create(
            alpha.pool, alpha.config, community="stewards", by="fa", title="Fixity checks",
            markdown="Run them monthly.",
        )  # fmt: skip
        await settle(*nodes)
        path = f"{beta.base}/c/stewards@{alpha.config.domain}/kb/{made.page.slug}"
        problems: dict[str, list[dict[str, Any]]] = {}

        async def audit(page: Page, state: str) -> None:
            if found := await violations(page):
                problems[state] = found

        async with browser(init_scripts=[axe_source()], test_hosts=True) as page:
            await sign_in(page, beta, "bea", "long enough")
            await page.get_by_role("button", name="Sign out").wait_for()
            # Given gus's edit of version 1 is taken, and beta has not heard of it yet
            await remote_edits.propose(
                gamma.pool, gamma.config, community=f"stewards@{alpha.config.domain}",
                slug=made.page.slug, by="gus", base_version=1, title="Fixity checks",
                markdown="Run them monthly, and after migrations.",
            )  # fmt: skip
            await gamma.drain()
            await alpha.drain()
            # When bea edits the page on beta
            await page.goto(path)
            await page.get_by_role("link", name="Edit", exact=True).click()
            await page.get_by_label("Text (Markdown)").fill("Run them weekly.")
            await page.get_by_role("button", name="Save").click()
            # Then the page says her edit is sent and waits for the community
            section = page.locator("#your-edit")
            await section.get_by_role(
                "heading", name="Your edit was sent to Data Stewards"
            ).wait_for()
            await audit(page, "sent")
            # When the community answers
            await settle(*nodes)
            await page.reload()
            # Then her edit conflicted: her text and the current one, and a form to merge them
            await section.get_by_role("heading", name="Your edit conflicted").wait_for()
            current = await page.get_by_label("The current text").input_value()
            assert current == "Run them monthly, and after migrations."
            assert (
                await page.get_by_label("Your text (Markdown)").input_value() == "Run them weekly."
            )
            assert await page.locator("tr.diff-added ins").count() > 0
            assert await unlabelled_fields(page) == []
            await audit(page, "conflicted")
            # When she merges and sends it again
            await page.get_by_label("Your text (Markdown)").fill(
                "Run them weekly, and after migrations."
            )
            await page.get_by_role("button", name="Send again, from version 2").click()
            await section.get_by_role(
                "heading", name="Your edit was sent to Data Stewards"
            ).wait_for()
            await settle(*nodes)
            await page.reload()
            # Then it is taken: version 3, with her text
            await section.get_by_role("heading", name="Your edit was taken").wait_for()
            assert "Version 3" in await page.locator("article.kb-page .byline").inner_text()
            content = await page.locator("article.kb-page .content").inner_text()
            assert "Run them weekly, and after migrations." in content
            await audit(page, "taken")
        assert not problems, "accessibility violations:\n" + readable(problems)
