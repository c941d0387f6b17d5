"""A member acting on replies in a real browser (headless chromium, phone-sized): every reply
is liked, answered, edited, deleted, reported and linked to like a thread's first post; the
replies read as a tree; the thread's slugged address; and each repeated control's name says
which reply it acts on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Locator, Page, expect

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts, reading
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node

PASSWORD = "a long passphrase"


@dataclass
class Scene:
    node: LiveNode
    thread: int
    # A chain of answers, each to the one before: cai, ada, cai, ada, cai.
    chain: list[int]
    chain_uris: list[str]
    # Dan's reply to the thread.
    dans: int

    @property
    def slugged(self) -> str:
        return f"{self.node.base}/t/{self.thread}/how-we-triage"


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        pool, config, network = node.pool, node.config, node.app.state.network
        for name in ("ada", "bea", "cai", "dan"):
            await accounts.create_user(pool, config, name, PASSWORD)
        stewards = await accounts.create_community(
            pool, config, "stewards", title="Data Stewards", owner="ada"
        )
        for name in ("bea", "cai", "dan"):
            await follows.join(pool, config, network, name, stewards.uri)
        thread = await posts.write(
            pool, config, network, author="ada", community_uri=stewards.uri,
            title="How we triage", content="What comes first?",
        )  # fmt: skip
        chain, uris, answered = [], [], thread.uri
        for number, author in enumerate(("cai", "ada", "cai", "ada", "cai"), start=1):
            written = await posts.write(
                pool, config, network, author=author, community_uri=stewards.uri,
                content=f"Answer number {number}.", in_reply_to=answered,
            )  # fmt: skip
            chain.append(written.id)
            uris.append(written.uri)
            answered = written.uri
        dans = await posts.write(
            pool, config, network, author="dan", community_uri=stewards.uri,
            content="Buy my triage course.", in_reply_to=thread.uri,
        )  # fmt: skip
        yield Scene(node, thread.id, chain, uris, dans.id)


async def sign_in(page: Page, node: LiveNode, name: str) -> None:
    await page.goto(f"{node.base}/login")
    await page.get_by_label("Account name").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("button", name="Sign out").wait_for()


def reply(page: Page, post_id: int) -> Locator:
    """The reply's own part of the page (not the answers nested in it)."""
    return page.locator(f"#post-{post_id} > .reply-body")


async def test_a_member_acts_on_replies(scene: Scene, tmp_path: Path) -> None:
    node, first, second, third, fourth, fifth = scene.node, *scene.chain
    async with browser() as page:
        await sign_in(page, node, "bea")
        # The bare id serves the thread; the community's list links to its slugged address
        await page.goto(f"{node.base}/c/stewards")
        await page.get_by_role("link", name="How we triage").click()
        assert page.url == scene.slugged
        # and a wrong slug is corrected
        await page.goto(f"{node.base}/t/{scene.thread}/how-we-guess")
        assert page.url == scene.slugged
        await page.goto(f"{node.base}/t/{scene.thread}")
        await page.get_by_role("heading", name="How we triage").wait_for()

        # The replies read as a tree: each answer inside the reply it answers, three levels
        # deep; the fifth answer follows the fourth, saying whom it answers
        nested = f"#post-{first} #post-{second} #post-{third} #post-{fourth}"
        await expect(page.locator(nested)).to_have_count(1)
        await expect(page.locator(f"#post-{fourth} #post-{fifth}")).to_have_count(0)
        await expect(page.locator(f"#post-{third} > .answers > #post-{fifth}")).to_have_count(1)
        assert "In reply to ada" in await page.locator(f"#post-{fifth}").inner_text()

        # When bea likes cai's first answer
        body = page.locator(f"#post-{first} > .reply-body")
        await body.get_by_role("button", name="Like reply by cai", exact=True).click()
        await expect(body.get_by_role("button", name="Unlike reply by cai")).to_be_visible()
        liked = await reading.post_by_id(node.pool, first)
        assert liked is not None and liked.post.like_count == 1
        assert "1 like" in await body.locator(".byline").inner_text()

        # And answers it
        await body.locator("details.answer summary").click()
        await body.get_by_label("Your answer to cai (Markdown)").fill("Bea *agrees*.")
        assert await unlabelled_fields(page) == [], page.url
        await body.get_by_role("button", name="Send your answer to cai").click()
        await page.wait_for_url(f"{node.base}/t/{scene.thread}#post-*")
        bea_reply = int(page.url.rpartition("#post-")[2])
        stored = await reading.post_by_id(node.pool, bea_reply)
        assert stored is not None and stored.post.parent_id == first
        await expect(page.locator(f"#post-{first} > .answers > #post-{bea_reply}")).to_have_count(1)
        assert await page.evaluate("document.querySelector(':target').id") == f"post-{bea_reply}"

        # Her own reply offers edit and delete; cai's do not
        mine = page.locator(f"#post-{bea_reply} > .reply-body")
        await expect(body.get_by_role("link", name="Edit your reply")).to_have_count(0)
        await mine.get_by_role("link", name="Edit your reply").click()
        await page.get_by_label("Text (Markdown)").fill("Bea **strongly** agrees.")
        await page.get_by_role("button", name="Save").click()
        await page.wait_for_url(f"**/t/{scene.thread}#post-{bea_reply}")
        await expect(mine.locator("strong")).to_have_text("strongly")
        edited = await reading.post_by_id(node.pool, bea_reply)
        assert edited is not None and "<strong>strongly</strong>" in edited.post.content

        # And deletes it
        await mine.get_by_role("button", name="Delete your reply").click()
        # (a page says what deleting will do, and asks again)
        await page.get_by_role("button", name="Delete the reply").click()
        await expect(mine.get_by_text("Deleted.")).to_be_visible()
        gone = await reading.post_by_id(node.pool, bea_reply)
        assert gone is not None and gone.post.deleted_at is not None

        # She reports dan's reply
        dans = page.locator(f"#post-{scene.dans} > .reply-body")
        await dans.locator("details.report summary").click()
        await dans.get_by_label("What is wrong with this post?").fill("An advert")
        await dans.get_by_role("button", name="Send report").click()
        await page.get_by_role("heading", name="Report sent").wait_for()
        async with node.pool.acquire() as conn:
            reported = await conn.fetchval(
                "SELECT reason FROM reports WHERE $1 = ANY (targets)",
                f"{node.base}/p/{scene.dans}",
            )
        assert reported == "An advert"

        # A reply's link opens the thread at it, highlighted
        await page.goto(scene.slugged)
        await reply(page, third).get_by_role("link", name="Link to the reply by cai").click()
        assert page.url == f"{scene.slugged}#post-{third}"
        # and so do its number and its ActivityPub id, opened in the browser
        for address in (f"{node.base}/t/{fifth}", scene.chain_uris[4]):
            await page.goto(f"{node.base}/")
            await page.goto(address)
            assert page.url == f"{scene.slugged}#post-{fifth}", address
            await expect(page.locator(f"#post-{fifth}")).to_be_in_viewport()
            assert await page.evaluate("document.querySelector(':target').id") == f"post-{fifth}"
            highlighted = await page.evaluate(
                f"getComputedStyle(document.querySelector('#post-{fifth} > .reply-body'))"
                ".backgroundColor"
            )
            assert highlighted not in ("rgba(0, 0, 0, 0)", "transparent")
            # with that reply's own buttons
            await expect(
                reply(page, fifth).get_by_role("button", name="Like reply by cai")
            ).to_be_visible()
        await page.screenshot(path=tmp_path / "reply-permalink.png", full_page=True)


async def test_repeated_controls_are_named_for_the_reply_they_act_on(scene: Scene) -> None:
    node = scene.node
    async with browser() as page:
        await sign_in(page, node, "ada")  # the facilitator: every control there is
        await page.goto(scene.slugged)
        names: dict[int, list[str]] = {}
        for post_id in [*scene.chain, scene.dans]:
            controls = page.locator(
                f"#post-{post_id} > .reply-body :is(.actions a, button, summary):visible"
            )
            names[post_id] = [
                " ".join((await control.text_content() or "").split())
                for control in await controls.all()
            ]
    first, second = scene.chain[0], scene.chain[1]
    # Each control names the reply it acts on: its author, or "your reply"
    assert "Like reply by cai" in names[first] and "Remove reply by cai" in names[first]
    assert "Report reply by cai" in names[first] and "Reply to cai" in names[first]
    assert "Delete your reply" in names[second] and "Edit your reply" in names[second]
    assert "Remove your reply" in names[second]
    assert "Remove reply by dan" in names[scene.dans]
    # So no two replies by different people share a control's name
    assert not set(names[first]) & set(names[second])
    assert not set(names[first]) & set(names[scene.dans])
    assert not set(names[second]) & set(names[scene.dans])
