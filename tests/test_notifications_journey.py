"""A member's notifications in a real browser (headless chromium, phone-sized): mo gets a reply
and a decision on a request to join, sees the count in the header, opens the page, follows the
link to the reply, and finds the count gone; a later like is cleared with "Mark all as read".
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts, statuses
from fedcop.store import users as user_store
from tests.browser import browser
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle

PASSWORD = "long enough"


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        for name in ("fa", "mo"):
            await accounts.create_user(node.pool, node.config, name, PASSWORD)
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_community(
            node.pool, node.config, "clinic", title="Clinicians", owner="fa", private=True
        )
        yield node


async def test_a_member_reads_a_reply_and_a_join_decision(alpha: LiveNode, tmp_path: Path) -> None:
    network = alpha.app.state.network
    # Given mo's thread in stewards, fa's reply to it, and fa's approval of mo's request to
    # join the clinic
    await follows.join(alpha.pool, alpha.config, network, "mo", f"{alpha.base}/c/stewards")
    thread = await posts.write(
        alpha.pool, alpha.config, network, author="mo", community_uri=f"{alpha.base}/c/stewards",
        title="Retention schedules", content="How long do you keep lab notebooks?",
    )  # fmt: skip
    reply = await posts.write(
        alpha.pool, alpha.config, network, author="fa", community_uri=f"{alpha.base}/c/stewards",
        content="Ten years after the project ends.", in_reply_to=thread.uri,
    )  # fmt: skip
    await follows.join(alpha.pool, alpha.config, network, "mo", f"{alpha.base}/c/clinic")
    await follows.decide_request(
        alpha.pool, alpha.config, "clinic", f"{alpha.base}/u/mo", approve=True
    )
    await settle(alpha)
    async with browser() as page:
        await page.goto(f"{alpha.base}/login")
        await page.get_by_label("Account name").fill("mo")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        account = page.get_by_role("navigation", name="Account")
        # Then the header says two notifications are unread, in the link's name
        await account.get_by_role("link", name="Notifications 2 unread").wait_for()
        # When mo opens them
        await account.get_by_role("link", name="Notifications 2 unread").click()
        await page.get_by_role("heading", name="Notifications").wait_for()
        items = page.locator("ol.notifications > li")
        texts = [" ".join(text.split()) for text in await items.all_inner_texts()]
        assert texts[0].startswith("New: Clinicians accepted your request to join it")
        assert texts[1].startswith("New: fa replied to you or mentioned you in Retention schedules")
        await page.screenshot(path=tmp_path / "notifications.png", full_page=True)
        # and follows the link to the reply
        await items.nth(1).get_by_role("link", name="Retention schedules").click()
        await page.wait_for_url(f"**/t/{thread.id}#post-{reply.id}")
        # Then the reply is there, and the header counts nothing unread
        await page.get_by_text("Ten years after the project ends.").wait_for()
        await account.get_by_role("link", name="Notifications", exact=True).wait_for()

        # When fa then likes mo's thread, the count comes back ...
        async with alpha.pool.acquire() as conn:
            fa = await user_store.find_by_name(conn, "fa")
        assert fa is not None
        await statuses.favourite(alpha.pool, alpha.config, fa, thread.id)
        await page.reload()
        await account.get_by_role("link", name="Notifications 1 unread").wait_for()
        # ... and the replies-only view (a like is not there, and it reads nothing by itself)
        # clears it with "Mark all as read"
        await page.goto(f"{alpha.base}/notifications?kind=mentions")
        assert await page.locator("ol.notifications > li").count() == 1
        await account.get_by_role("link", name="Notifications 1 unread").wait_for()
        await page.get_by_role("button", name="Mark all as read").click()
        await page.wait_for_url("**/notifications?kind=mentions")
        await account.get_by_role("link", name="Notifications", exact=True).wait_for()
