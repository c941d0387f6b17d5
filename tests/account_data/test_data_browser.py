"""In a real browser, a member takes their data and leaves: from their settings to their data,
the archive downloaded and read back, the delete page's warning, the wrong password refused,
the account deleted with the posts kept, and signed out for good. Then an administrator
deletes another account from the admin page."""

from __future__ import annotations

import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, posts
from fedcop.store import posts as post_store
from fedcop.store import users as user_store
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node

MARKDOWN = "Our **retention** schedule, in three lines."


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "ada", "admin pass 1", is_admin=True)
        await accounts.create_user(node.pool, node.config, "ann", "ann pass 123")
        await accounts.create_user(node.pool, node.config, "sam", "sam pass 123")
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="ada"
        )
        yield node


async def _sign_in(page: Page, node: LiveNode, name: str, password: str) -> None:
    await page.goto(f"{node.base}/login")
    await page.get_by_label("Account name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Sign out").wait_for()


async def test_a_member_downloads_their_data_then_deletes_their_account(
    alpha: LiveNode, tmp_path: Path
) -> None:
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="ann",
        community_uri=f"{alpha.base}/c/stewards", title="Retention", content=MARKDOWN,
    )  # fmt: skip
    async with browser() as page:
        await _sign_in(page, alpha, "ann", "ann pass 123")
        await page.goto(f"{alpha.base}/settings")
        await page.get_by_role("link", name="Download your data").click()
        await page.get_by_role("heading", name="Your data", level=1).wait_for()
        assert await unlabelled_fields(page) == []
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Download your archive (zip)").click()
        download = await waiting.value
        saved = tmp_path / "archive.zip"
        await download.save_as(saved)
        with zipfile.ZipFile(saved) as archive:
            assert MARKDOWN in archive.read(f"posts/{thread.id}.md").decode()
            assert json.loads(archive.read("profile.json"))["name"] == "ann"

        await page.get_by_role("link", name="Delete your account…").click()
        await page.get_by_role("heading", name="Delete your account").wait_for()
        assert "This cannot be undone." in await page.content()
        assert await unlabelled_fields(page) == []
        await page.get_by_label("Keep the posts here").check()
        await page.get_by_label("Your password").fill("not my password")
        await page.get_by_role("button", name="Delete my account for good").click()
        alert = page.get_by_role("alert")
        assert "password is not right" in (await alert.text_content() or "")
        await page.get_by_label("Keep the posts here").check()
        await page.get_by_label("Your password").fill("ann pass 123")
        await page.get_by_role("button", name="Delete my account for good").click()
        await page.get_by_role("heading", name="Account deleted").wait_for()
        assert "1 post kept here" in await page.content()
        # Signed out: the settings ask for signing in again, which the account no longer can
        await page.goto(f"{alpha.base}/settings")
        assert "/login" in page.url
        await page.get_by_label("Account name").fill("ann")
        await page.get_by_label("Password").fill("ann pass 123")
        await page.get_by_role("button", name="Sign in").click()
        assert "this account is deleted" in (await page.get_by_role("alert").text_content() or "")
        # Her thread stays readable, written by "a former member"
        await page.goto(f"{alpha.base}/t/{thread.id}")
        byline = page.locator(".byline").first
        assert (await byline.text_content() or "").strip().startswith("a former member")
        assert "retention" in await page.content()
    async with alpha.pool.acquire() as conn:
        kept = await post_store.find(conn, thread.id)
    assert kept is not None and kept.deleted_at is None


async def test_an_administrator_deletes_an_account(alpha: LiveNode) -> None:
    async with browser() as page:
        await _sign_in(page, alpha, "ada", "admin pass 1")
        await page.goto(f"{alpha.base}/admin")
        await page.get_by_role("link", name="Delete sam…").click()
        await page.get_by_role("heading", name="Delete the account sam").wait_for()
        await page.get_by_role("button", name="Delete the account sam").click()
        await page.get_by_role("heading", name="Account deleted").wait_for()
        await page.goto(f"{alpha.base}/admin")
        assert await page.get_by_role("link", name="Delete sam…").count() == 0
    async with alpha.pool.acquire() as conn:
        sam = await user_store.find_by_name(conn, "sam")
    assert sam is not None and sam.state == "deleted"
