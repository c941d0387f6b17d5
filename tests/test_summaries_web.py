"""The facilitator's summary in a real browser: fa opens a thread of "stewards", writes its
summary, ticks the best reply and inserts its link, publishes; the summary is at the top of
the thread. ann, a member, is offered nothing of the kind."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.test_web_journeys import sign_in

PASSWORD = "long enough"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as found:
        await accounts.create_user(found.pool, found.config, "fa", PASSWORD)
        await accounts.create_community(
            found.pool, found.config, "stewards", title="Data Stewards", owner="fa"
        )
        for name in ("ann", "rae"):
            await accounts.create_user(found.pool, found.config, name, PASSWORD)
            await follows.join(
                found.pool, found.config, found.app.state.network, name,
                f"{found.base}/c/stewards",
            )  # fmt: skip
        await settle(found)
        yield found


async def test_a_facilitator_writes_a_summary_with_links_in_a_real_browser(
    node: LiveNode,
) -> None:
    community = f"{node.base}/c/stewards"
    network = node.app.state.network
    thread = await posts.write(
        node.pool, node.config, network, author="ann", community_uri=community,
        title="Which checksum tool?", content="For fixity checks.",
    )  # fmt: skip
    best = await posts.write(
        node.pool, node.config, network, author="rae", community_uri=community,
        content="We run sha256 every month.", in_reply_to=thread.uri,
    )  # fmt: skip
    await posts.write(
        node.pool, node.config, network, author="ann", community_uri=community,
        content="Thanks!", in_reply_to=thread.uri,
    )  # fmt: skip
    async with browser() as page:
        # ann, a member, is offered no summary
        await sign_in(page, node, "ann", PASSWORD)
        await page.goto(f"{node.base}/t/{thread.id}")
        assert await page.get_by_role("link", name="Write the facilitator's summary").count() == 0
    async with browser() as page:
        await sign_in(page, node, "fa", PASSWORD)
        await page.goto(f"{node.base}/t/{thread.id}")
        await page.get_by_role("link", name="Write the facilitator's summary").click()
        await page.wait_for_url("**/summary")
        assert await unlabelled_fields(page) == []
        # fa writes, ticks rae's reply and inserts its link
        await page.get_by_label("Summary (Markdown)").fill("Asked: which tool. Answered: sha256.")
        await page.get_by_label("We run sha256 every month.", exact=False).check()
        await page.get_by_role("button", name="Insert links").click()
        await page.wait_for_load_state()
        text = await page.get_by_label("Summary (Markdown)").input_value()
        assert text.startswith("Asked: which tool. Answered: sha256.")
        assert f"]({best.uri})" in text
        # and publishes it
        await page.get_by_role("button", name="Publish summary").click()
        await page.wait_for_url(f"**/t/{thread.id}*")
        summary = page.locator("section.facilitator-summary")
        shown = await summary.inner_text()
        assert "Facilitator's summary" in shown and "Answered: sha256." in shown
        assert "facilitator" in shown
        link = summary.get_by_role("link", name="We run sha256 every month.")
        assert await link.get_attribute("href") == best.uri
