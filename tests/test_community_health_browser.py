"""The facilitator's view in a real browser (headless chromium) at 320 CSS pixels, the width at
which WCAG 1.4.10 wants pages to reflow: its charts fit the window and keep legible labels, the
page passes axe-core, and ticking a lapsed member sends them to the check-in form."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.test_accessibility import AXE_TAGS, RUN_AXE, SIDEWAYS, axe_source
from tests.test_community_health import PASSWORD, Seeded, seed
from tests.test_web_journeys import sign_in


@pytest.fixture
async def reachable(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Seeded]:
    """The seeded community on a node at http://127.0.0.1:PORT, which the browser reaches."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        yield await seed(node)


async def test_the_health_page_at_320_pixels(reachable: Seeded) -> None:
    node = reachable.node
    async with browser(init_scripts=[axe_source()]) as page:
        await page.set_viewport_size({"width": 320, "height": 640})
        await sign_in(page, node, "fa", PASSWORD)
        await page.get_by_role("button", name="Sign out").wait_for()
        # from the Facilitate page to the community's health
        await page.goto(f"{node.base}/c/stewards/manage")
        await page.get_by_role("link", name="Health of the community").click()
        await page.wait_for_url("**/c/stewards/manage/health")
        # nothing scrolls sideways; every chart is as wide as the window allows, no wider
        assert await page.evaluate(SIDEWAYS) == []
        charts = page.get_by_role("img")
        assert await charts.count() == 7
        for index in range(5):
            box = await charts.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
            # the period labels are drawn at 9 CSS pixels or more
            label = charts.nth(index).locator("text.tick").first
            height = (await label.bounding_box() or {"height": 0})["height"]
            assert height >= 9, height
        for index in (5, 6):  # organisations and sectors: names and numbers inside the chart
            box = await charts.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
            for text in await charts.nth(index).locator("text").all():
                inside = await text.bounding_box()
                assert inside is not None and inside["x"] + inside["width"] <= 320
        # each chart is named by its title, and its numbers are in a table too
        people = page.get_by_role("img", name="People taking part, ", exact=False)
        assert await people.count() == 1
        await page.get_by_text("People taking part as a table").click()
        rows = page.get_by_role("region", name="People taking part, table").locator("tbody tr")
        assert await rows.count() == 12
        assert await page.evaluate(SIDEWAYS) == []
        # axe finds nothing, and every field is labelled
        found = await page.evaluate(
            RUN_AXE,
            {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]},
        )
        assert found == []
        assert await unlabelled_fields(page) == []
        # fa ticks rem (lapsed, on another server) and asks to check in with them
        await page.get_by_label("Rem @rem@beta.example").check()
        async with page.expect_request("**/c/stewards/checkins/new") as sent:
            await page.get_by_role("button", name="Check in with the ticked members").click()
        posted = parse_qs((await sent.value).post_data or "")
        assert posted["member"] == [str(reachable.ids["rem"])]
        assert posted["csrf"] != [""]
