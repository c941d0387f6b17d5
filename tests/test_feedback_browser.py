"""Feedback and names in a real browser (headless chromium, phone-sized): a facilitator pins a
thread and is told so, removes a reply through its confirmation page, is asked for a successor
when leaving as the last facilitator; a member's uploaded avatar shows beside her posts; a
hashtag leads to its tag page; the moderation log names people and threads."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.store import actors as actor_store
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.test_web_journeys import sign_in


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        yield node


def png(path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (96, 96), (200, 40, 90)).save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    return path


async def test_notices_confirmations_successor_avatars_and_names(
    alpha: LiveNode, tmp_path: Path
) -> None:
    # Given bea facilitates Data Stewards alone, and sam is a member
    for name in ("bea", "sam"):
        await accounts.create_user(alpha.pool, alpha.config, name, f"{name} pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
    )
    community = f"{alpha.base}/c/stewards"
    network = alpha.app.state.network
    await follows.join(alpha.pool, alpha.config, network, "sam", community)
    thread = await posts.write(
        alpha.pool, alpha.config, network, author="bea", community_uri=community,
        title="Retention", content="How long do you keep #records?",
    )  # fmt: skip
    await posts.write(
        alpha.pool, alpha.config, network, author="sam", community_uri=community,
        content="Seven years.", in_reply_to=thread.uri,
    )  # fmt: skip
    await posts.write(
        alpha.pool, alpha.config, network, author="sam", community_uri=community,
        content="BUY CHEAP PILLS", in_reply_to=thread.uri,
    )  # fmt: skip
    async with alpha.pool.acquire() as conn:
        sam = await actor_store.find_local(conn, "sam")
    assert sam is not None

    async with browser() as page:
        # sam uploads an avatar, and is told it is saved
        await sign_in(page, alpha, "sam", "sam pass 123")
        await page.goto(f"{alpha.base}/settings")
        assert await unlabelled_fields(page) == []
        await page.get_by_label("A picture (JPEG, PNG, GIF or WebP)").set_input_files(
            png(tmp_path / "sam.png")
        )
        await page.get_by_role("button", name="Save picture").click()
        assert await page.get_by_role("status").inner_text() == "Your picture is saved."
        # and it shows beside her replies: her uploaded picture, not a generated one
        await page.goto(f"{alpha.base}/t/{thread.id}")
        pictures = page.locator(f'.reply img.avatar[src="/avatars/{sam.actor.id}"]')
        assert await pictures.count() == 2
        shown = await pictures.first.evaluate(
            "img => img.complete && img.naturalWidth > 0 && img.currentSrc"
        )
        assert shown and "/media/" in (await page.request.get(shown)).url
        reloaded = await page.request.get(f"{alpha.base}/avatars/{sam.actor.id}")
        assert reloaded.headers["content-type"] in ("image/png", "image/webp", "image/jpeg")
        # and the hashtag in bea's post leads to its tag page
        await page.get_by_role("link", name="#records").click()
        await page.wait_for_url(f"{alpha.base}/tags/records")
        await page.get_by_role("heading", name="#records").wait_for()
        await page.get_by_role("button", name="Sign out").click()

        # bea pins the thread, and the page she lands on says so
        await sign_in(page, alpha, "bea", "bea pass 123")
        await page.goto(f"{alpha.base}/t/{thread.id}")
        await page.get_by_text("Facilitate", exact=True).click()
        await page.get_by_role("button", name="Pin").click()
        await page.get_by_role("status").get_by_text("The thread is pinned.").wait_for()
        # bea has no picture of her own: one is made from her name
        own = await page.locator("header img.avatar").get_attribute("src")
        assert own is not None and own != f"/avatars/{sam.actor.id}"
        generated = await page.request.get(alpha.base + own)
        assert generated.headers["content-type"].startswith("image/svg+xml")
        assert ">B</text>" in await generated.text()
        # When she removes the spam reply, she is first told what will happen
        await page.get_by_role("button", name="Remove reply").last.click()
        await page.get_by_text("The reply will be removed for everyone, on every server").wait_for()
        assert "BUY CHEAP PILLS" in await page.inner_text("main")  # what she is about to remove
        await page.screenshot(path=tmp_path / "confirm-remove.png", full_page=True)
        await page.get_by_role("button", name="Remove the reply").click()
        await page.get_by_role("status").get_by_text("It is removed.").wait_for()
        assert "BUY CHEAP PILLS" not in await page.inner_text("main")
        # and the moderation log names her and the thread, not their addresses
        await page.goto(f"{alpha.base}/c/stewards/modlog")
        log = await page.inner_text("main")
        assert "bea pinned “Retention” by bea" in log
        assert "removed a reply by sam in “Retention”" in log
        assert "http" not in log

        # When she leaves as the last facilitator, she is asked who takes over
        await page.goto(f"{alpha.base}/c/stewards")
        await page.get_by_role("button", name="Leave").click()
        await page.get_by_text("You are its last facilitator").wait_for()
        assert await unlabelled_fields(page) == []
        await page.screenshot(path=tmp_path / "leave-successor.png", full_page=True)
        await page.get_by_label("You are its last facilitator").select_option(label="sam (@sam)")
        await page.get_by_role("button", name="Leave Data Stewards").click()
        await page.get_by_role("status").get_by_text("You left the community.").wait_for()
    async with alpha.pool.acquire() as conn:
        group = await actor_store.find_by_uri(conn, community)
        assert group is not None
        facilitators = await actor_store.facilitators_of(conn, group.id)
    assert [person.username for person in facilitators] == ["sam"]
