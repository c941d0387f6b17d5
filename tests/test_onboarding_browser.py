"""Onboarding in a real browser (headless chromium, phone-sized): the first administrator of a
fresh node sets it up and ends with a community; a newcomer on an open node registers, lands on
the welcome page and joins a suggested community; a closed node has no Register link and its
register page says whom to ask.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, admin, posts
from fedcop.store import actors as actor_store
from fedcop.store import users as user_store
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node

CONTACT = "members@records.example"


@pytest.fixture
async def fresh(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    """A node just installed: one administrator (as `fedcop admin create-user --admin` makes
    them), nothing else; closed to registrations, as every node starts."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, contact_email=CONTACT) as node:
        await accounts.create_user(node.pool, node.config, "ada", "admin pass 1", is_admin=True)
        yield node


async def sign_in(page: Page, node: LiveNode, name: str, password: str) -> None:
    await page.goto(f"{node.base}/login")
    await page.get_by_label("Account name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Sign out").wait_for()


async def test_the_first_admin_sets_up_the_node_and_ends_with_a_community(
    fresh: LiveNode, tmp_path: Path
) -> None:
    async with browser() as page:
        # Given ada signs in on the fresh node: she is asked to set it up
        await sign_in(page, fresh, "ada", "admin pass 1")
        await page.get_by_role("link", name="Continue setting it up").click()
        # When she names and describes it
        assert await unlabelled_fields(page) == []
        await page.get_by_label("Name of this node").fill("Records Commons")
        await page.get_by_label("Description").fill("Where the city's archivists meet.")
        await page.get_by_role("button", name="Save and go on").click()
        # And chooses who can register, reading what each choice means
        await page.get_by_role("group", name="Who can register").wait_for()
        assert await unlabelled_fields(page) == []
        await page.screenshot(path=tmp_path / "setup-registrations.png", full_page=True)
        await page.get_by_role("radio", name="Open").check()
        await page.get_by_role("button", name="Save and go on").click()
        # And starts the first community
        await page.get_by_role("heading", name="First community").wait_for()
        await page.get_by_label("Handle").fill("stewards")
        await page.get_by_label("Title").fill("Data Stewards")
        await page.get_by_label("Purpose (Markdown)").fill("Keeping records *well*.")
        await page.get_by_role("button", name="Start the community").click()
        # Then she is on its page, as its facilitator, and the node is set up
        await page.get_by_role("heading", name="Data Stewards", level=1).wait_for()
        assert page.url.endswith("/c/stewards")
        facilitators = page.get_by_role("region", name="Facilitators")
        assert "ada" in await facilitators.inner_text()
        assert await page.get_by_role("link", name="Continue setting it up").count() == 0
        assert await page.locator("header.site .brand").inner_text() == "Records Commons"
        # And the home page says what the node is
        await page.goto(f"{fresh.base}/")
        assert "Where the city's archivists meet." in await page.locator("main").inner_text()
        await page.screenshot(path=tmp_path / "node-set-up.png", full_page=True)
    async with fresh.pool.acquire() as conn:
        stewards = await actor_store.find_local(conn, "stewards")
        assert stewards is not None
        assert [f.username for f in await actor_store.facilitators_of(conn, stewards.actor.id)] == [
            "ada"
        ]


async def test_a_newcomer_registers_lands_on_welcome_and_joins(
    fresh: LiveNode, tmp_path: Path
) -> None:
    pool, config, network = fresh.pool, fresh.config, fresh.app.state.network
    async with pool.acquire() as conn:
        ada = await user_store.find_by_name(conn, "ada")
    assert ada is not None
    await admin.save_settings(
        pool, ada, organisation="City Libraries", description="Where archivists meet.",
        registrations="open",
    )  # fmt: skip
    stewards = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="ada",
        summary="<p>Practical stewardship of records.</p>",
    )  # fmt: skip
    await posts.write(
        pool, config, network, author="ada", community_uri=stewards.uri,
        title="Retention schedules", content="How long do you keep yours?",
    )  # fmt: skip
    async with browser() as page:
        # Given a visitor on the open node sees what it is and a Register link
        await page.goto(f"{fresh.base}/")
        assert "Retention schedules" in await page.locator("main").inner_text()
        await (
            page.get_by_role("navigation", name="Account")
            .get_by_role("link", name="Register")
            .click()
        )
        # When Bea registers
        await page.get_by_label("Account name").fill("bea")
        await page.get_by_label("Password").fill("a long passphrase")
        await page.get_by_role("button", name="Register").click()
        # Then she lands on the welcome page, with a community to join and her next steps
        await page.get_by_role("heading", name="Welcome, bea").wait_for()
        assert page.url.endswith("/welcome")
        assert "Practical stewardship of records." in await page.locator("main").inner_text()
        next_steps = page.get_by_role("region", name="Next steps")
        await next_steps.get_by_role("link", name="Choose what mail you get").wait_for()
        await next_steps.get_by_role("link", name="Your notifications").wait_for()
        # When she joins the suggested community
        await page.get_by_role("button", name="Join Data Stewards").click()
        # Then she is a member
        await page.get_by_role("button", name="Leave").wait_for()
        await page.screenshot(path=tmp_path / "welcome-and-join.png", full_page=True)
    async with pool.acquire() as conn:
        members = await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id "
            "WHERE f.followed_id = $1 AND f.state = 'accepted' AND a.username = 'bea'",
            stewards.id,
        )
    assert members == 1


async def test_a_closed_node_has_no_register_link_and_says_whom_to_ask(
    fresh: LiveNode, tmp_path: Path
) -> None:
    async with browser() as page:
        await page.goto(f"{fresh.base}/")
        account = page.get_by_role("navigation", name="Account")
        await account.get_by_role("link", name="Sign in").wait_for()
        assert await account.get_by_role("link", name="Register").count() == 0
        # someone who types the address is told how to get an account
        await page.goto(f"{fresh.base}/register")
        await page.get_by_role("heading", name="How to get an account").wait_for()
        mail = page.get_by_role("link", name=CONTACT)
        assert await mail.get_attribute("href") == f"mailto:{CONTACT}"
        assert await page.get_by_label("Account name").count() == 0
        await page.screenshot(path=tmp_path / "closed-register.png", full_page=True)
