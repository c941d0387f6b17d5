"""People using fedcop in a real browser (headless chromium, phone-sized), journey by journey.

Each journey saves a screenshot of where it ends under its test's output folder, and checks that
every form field on the pages it visits has a label.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from xml.etree import ElementTree

import pytest
from playwright.async_api import Page

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, admin, follows, posts, reading
from fedcop.store import users as user_store
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import microblog_server
from tests.scene import settle
from tests.signed_requests import encoded, post


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    """A node the browser can reach (http://127.0.0.1:PORT), with an admin, and open sign-ups."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "ada", "admin pass 1", is_admin=True)
        async with node.pool.acquire() as conn:
            ada = await user_store.find_by_name(conn, "ada")
        assert ada is not None
        await admin.save_settings(
            node.pool, ada, organisation="City Libraries", description="", registrations="open"
        )
        yield node


async def sign_in(page: Page, node: LiveNode, name: str, password: str) -> None:
    await page.goto(f"{node.base}/login")
    await page.get_by_label("Account name").fill(name)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def labelled(page: Page) -> None:
    assert await unlabelled_fields(page) == [], page.url


async def test_register_sign_out_and_sign_in(alpha: LiveNode, tmp_path: Path) -> None:
    async with browser() as page:
        # Given the node takes registrations
        await page.goto(f"{alpha.base}/register")
        await labelled(page)
        # When Bea registers
        await page.get_by_label("Account name").fill("bea")
        await page.get_by_label("Password").fill("a long passphrase")
        await page.get_by_role("button", name="Register").click()
        # Then she is signed in, among the communities she could join
        assert page.url.endswith("/welcome")
        await page.get_by_role("navigation", name="Account").get_by_text("@bea").wait_for()
        # When she signs out and in again
        await page.get_by_role("button", name="Sign out").click()
        await page.get_by_role("link", name="Sign in").wait_for()
        await sign_in(page, alpha, "bea", "a long passphrase")
        await page.get_by_role("button", name="Sign out").wait_for()
        # And a wrong password is refused with a sentence
        await page.get_by_role("button", name="Sign out").click()
        await sign_in(page, alpha, "bea", "wrong password")
        assert await page.get_by_role("alert").inner_text() == (
            "that name and password do not match an account here"
        )
        await page.screenshot(path=tmp_path / "register-and-sign-in.png", full_page=True)


async def test_start_a_community_post_a_thread_and_reply(alpha: LiveNode, tmp_path: Path) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    async with browser() as page:
        await sign_in(page, alpha, "bea", "bea pass 123")
        # When Bea starts a community
        await page.goto(f"{alpha.base}/communities/new")
        await labelled(page)
        await page.get_by_label("Handle").fill("stewards")
        await page.get_by_label("Title").fill("Data Stewards")
        await page.get_by_label("Purpose (Markdown)").fill("Practical **stewardship**.")
        await page.get_by_role("button", name="Start").click()
        # Then its page shows it, with her as facilitator and member
        await page.get_by_role("heading", name="Data Stewards").wait_for()
        assert "1 member" in await page.inner_text("main")
        await labelled(page)
        # When she posts a thread, and replies to it
        await page.get_by_label("Title").fill("Retention schedules")
        await page.get_by_label("Text (Markdown)").fill("How do you keep *yours*?")
        await page.get_by_role("button", name="Post thread").click()
        await page.get_by_role("heading", name="Retention schedules").wait_for()
        assert await page.locator("article.post em").inner_text() == "yours"
        await page.get_by_label("Your reply (Markdown)").fill("A nightly job here.")
        await page.get_by_role("button", name="Reply").click()
        # Then the thread shows the reply
        await page.get_by_text("A nightly job here.").wait_for()
        assert "1 reply" in await page.inner_text("#replies-heading")
        await labelled(page)
        await page.screenshot(path=tmp_path / "thread.png", full_page=True)


async def test_a_reply_from_a_member_on_another_node_appears(
    alpha: LiveNode, pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
    )
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "beta") as beta:
        # Given gus, on another node, is a member when bea starts a thread, and replies to it
        await accounts.create_user(beta.pool, beta.config, "gus", "gus pass 123")
        community = f"{alpha.base}/c/stewards"
        network = beta.app.state.network
        await follows.follow_remote(beta.pool, beta.config, network, "gus", community)
        await settle(alpha, beta)
        thread = await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network,
            author="bea", community_uri=community, title="Welcome",
            content="Introduce yourselves!",
        )  # fmt: skip
        await settle(alpha, beta)
        await posts.write(
            beta.pool, beta.config, beta.app.state.network,
            author="gus", community_uri=community, content="Hello from beta!",
            in_reply_to=thread.uri,
        )  # fmt: skip
        await settle(alpha, beta)
        async with browser() as page:
            # When anyone opens the thread on alpha
            await page.goto(f"{alpha.base}/t/{thread.id}")
            # Then gus's reply is there, marked with his node
            await page.get_by_text("Hello from beta!").wait_for()
            byline = await page.locator("article.reply .byline").inner_text()
            assert "gus" in byline and "beta.test" in byline
            await page.screenshot(path=tmp_path / "remote-reply.png", full_page=True)


async def test_a_facilitator_removes_a_post_and_bans_its_author(
    alpha: LiveNode, tmp_path: Path
) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_user(alpha.pool, alpha.config, "sam", "sam pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
    )
    community = f"{alpha.base}/c/stewards"
    await follows.join(alpha.pool, alpha.config, alpha.app.state.network, "sam", community)
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="bea", community_uri=community, title="Welcome", content="Hi all",
    )  # fmt: skip
    await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="sam", community_uri=community, content="BUY CHEAP PILLS", in_reply_to=thread.uri,
    )  # fmt: skip
    async with browser() as page:
        await sign_in(page, alpha, "bea", "bea pass 123")
        await page.goto(f"{alpha.base}/t/{thread.id}")
        # When the facilitator removes the spam reply, then bans its author
        await page.get_by_role("button", name="Remove reply").click()
        # (asked first, with what will happen)
        await page.get_by_text("removed for everyone, on every server").wait_for()
        await page.get_by_role("button", name="Remove the reply").click()
        await page.get_by_text("Removed by a facilitator.").wait_for()
        assert "BUY CHEAP PILLS" not in await page.inner_text("main")
        await page.get_by_role("button", name="Ban sam").click()
        await page.get_by_role("button", name="Ban sam").click()  # the confirmation's
        await page.get_by_text("They are banned from the community.").wait_for()
        await page.screenshot(path=tmp_path / "facilitated.png", full_page=True)
    # Then sam can no longer post there
    with pytest.raises(Exception, match="banned"):
        await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network,
            author="sam", community_uri=community, content="again", in_reply_to=thread.uri,
        )  # fmt: skip
    # And the moderation log says so
    async with browser() as page:
        await page.goto(f"{alpha.base}/c/stewards/modlog")
        text = await page.inner_text("main")
        assert "removed" in text and "banned" in text


async def test_an_admin_blocks_a_domain(alpha: LiveNode, tmp_path: Path) -> None:
    async with browser() as page:
        await sign_in(page, alpha, "ada", "admin pass 1")
        await page.get_by_role("link", name="Admin").click()
        await labelled(page)
        await page.get_by_label("Block a domain").fill("spam.example")
        await page.get_by_role("button", name="Block", exact=True).click()
        await page.get_by_role("button", name="Unblock spam.example").wait_for()
        await page.screenshot(path=tmp_path / "admin.png", full_page=True)
    # And the node now refuses that domain's requests (the inbox answers 403)
    async with alpha.pool.acquire() as conn:
        assert await conn.fetchval("SELECT blocked FROM hosts WHERE host = 'spam.example'")


async def test_pages_send_a_strict_security_policy(alpha: LiveNode) -> None:
    response = await alpha.get("/")
    policy = response.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_hostile_html_from_another_server_never_reaches_a_page(alpha: LiveNode) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
    )
    community = f"{alpha.base}/c/stewards"
    with microblog_server("masto") as masto:
        # Given a post from another server, full of things a browser would run
        note = masto.status(
            f'<p><a href="{community}" class="mention">@stewards</a> Look here</p>'
            "<script>window.pwned = 1</script>"
            '<p onclick="window.pwned = 2"><img src="x" onerror="window.pwned = 3">hello</p>'
            '<a href="javascript:window.pwned = 4">click</a>'
            '<iframe src="https://evil.example/"></iframe>'
            "<style>body { display: none }</style>",
            cc=[community],
        )
        assert (await post(alpha, encoded(masto.create(note)), masto.sender)).status_code == 202
        await alpha.drain()
    view = await reading.post_by_uri(alpha.pool, note["id"])
    assert view is not None
    async with browser() as page:
        # When anyone opens it
        await page.goto(f"{alpha.base}/t/{view.post.id}")
        await page.get_by_text("hello").wait_for()
        # Then none of it survived into the page, and nothing ran
        found = await page.evaluate(
            """() => ({
                scripts: document.querySelectorAll('main script, main iframe, main style').length,
                handlers: [...document.querySelectorAll('main *')]
                    .flatMap(el => [...el.attributes].map(a => a.name))
                    .filter(name => name.startsWith('on')),
                javascript: [...document.querySelectorAll('main a')]
                    .map(a => (a.getAttribute('href') || '').trim())
                    .filter(href => href.startsWith('javascript')).length,
                pwned: window.pwned ?? null,
            })"""
        )
    assert found == {"scripts": 0, "handlers": [], "javascript": 0, "pwned": None}


async def test_a_facilitator_approves_a_request_and_sets_a_charter(
    alpha: LiveNode, tmp_path: Path
) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_user(alpha.pool, alpha.config, "sam", "sam pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "clinic", title="Clinicians", owner="bea", private=True
    )
    async with browser() as page:
        # Given sam asks to join the private community
        await sign_in(page, alpha, "sam", "sam pass 123")
        await page.goto(f"{alpha.base}/c/clinic")
        await page.get_by_role("button", name="Request to join").click()
        await page.get_by_text("waiting for a facilitator").wait_for()
        await page.get_by_role("button", name="Sign out").click()
        # When bea, its facilitator, approves him and writes a charter
        await sign_in(page, alpha, "bea", "bea pass 123")
        await page.goto(f"{alpha.base}/c/clinic")
        await page.get_by_role("link", name="Facilitate this community").click()
        await labelled(page)
        await page.get_by_role("button", name="Approve sam").click()
        await page.get_by_text("None waiting.").wait_for()
        await page.get_by_label("Charter: how this community works together (Markdown)").fill(
            "Be **kind**. No patient details."
        )
        await page.get_by_role("button", name="Save settings").click()
        await page.goto(f"{alpha.base}/c/clinic")
        await page.get_by_text("Charter").click()
        assert "No patient details." in await page.inner_text("details.charter")
        assert "2 members" in await page.inner_text("main")
        await page.screenshot(path=tmp_path / "facilitation.png", full_page=True)


async def test_communities_and_threads_have_atom_feeds(alpha: LiveNode) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
    )
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/stewards", title="Schedules & <tags>",
        content="Body with **bold**.",
    )  # fmt: skip
    await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/stewards", content="A reply.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    feed = await alpha.get("/c/stewards/feed.atom")
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)
    atom = "{http://www.w3.org/2005/Atom}"
    titles = [e.findtext(f"{atom}title") for e in root.iter(f"{atom}entry")]
    assert titles == ["Schedules & <tags>"]  # escaped in the XML, whole again once parsed
    replies = ElementTree.fromstring((await alpha.get(f"/t/{thread.id}/feed.atom")).content)
    contents = [e.findtext(f"{atom}content") for e in replies.iter(f"{atom}entry")]
    assert len(contents) == 2 and "A reply." in (contents[1] or "")


async def test_an_admin_suspends_an_account(alpha: LiveNode) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "sam", "sam pass 123")
    async with browser() as page:
        await sign_in(page, alpha, "ada", "admin pass 1")
        await page.goto(f"{alpha.base}/admin")
        await page.get_by_role("button", name="Suspend sam").click()
        await page.get_by_role("button", name="Activate sam").wait_for()
        await page.get_by_role("button", name="Sign out").click()
        await sign_in(page, alpha, "sam", "sam pass 123")
        assert "suspended" in await page.get_by_role("alert").inner_text()


async def test_search_finds_a_person_on_another_node(
    alpha: LiveNode, pg_cluster: EmbeddedPostgres
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "beta") as beta:
        await accounts.create_user(beta.pool, beta.config, "gus", "gus pass 123")
        async with browser() as page:
            await page.goto(f"{alpha.base}/")
            await page.get_by_label("Find a community or a person, here or on another node").fill(
                f"@gus@{beta.config.domain}"
            )
            await page.get_by_role("button", name="Search").click()
            await page.get_by_role("heading", name="gus").wait_for()
            assert page.url.endswith(f"/u/gus@{beta.config.domain}")


async def test_registration_by_invitation(alpha: LiveNode) -> None:
    async with alpha.pool.acquire() as conn:
        ada = await user_store.find_by_name(conn, "ada")
    assert ada is not None
    await admin.save_settings(
        alpha.pool, ada, organisation="", description="", registrations="invitation"
    )
    async with browser() as page:
        # Given a member makes an invitation
        await sign_in(page, alpha, "ada", "admin pass 1")
        await page.goto(f"{alpha.base}/settings")
        await page.get_by_role("button", name="Make an invitation").click()
        link = await page.get_by_role("status").get_by_role("link").inner_text()
        await page.get_by_role("button", name="Sign out").click()
        # When someone registers with it, they are in; the same code does not work twice
        for name, works in (("newcomer", True), ("second", False)):
            await page.goto(link)
            await page.get_by_label("Account name").fill(name)
            await page.get_by_label("Password").fill("a long passphrase")
            await page.get_by_role("button", name="Register").click()
            if works:
                assert page.url.endswith("/welcome")
                await page.get_by_role("button", name="Sign out").click()
            else:
                assert "invitation code is unknown, used or expired" in (
                    await page.get_by_role("alert").inner_text()
                )
    async with alpha.pool.acquire() as conn:
        assert await user_store.find_by_name(conn, "second") is None


async def test_threads_can_be_read_most_active_first(alpha: LiveNode) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_community(
        alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="bea"
    )
    community = f"{alpha.base}/c/stewards"
    older = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="bea", community_uri=community, title="Older thread", content="x",
    )  # fmt: skip
    await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="bea", community_uri=community, title="Newer thread", content="y",
    )  # fmt: skip
    await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="bea", community_uri=community, content="bump", in_reply_to=older.uri,
    )  # fmt: skip
    newest = (await alpha.get("/c/stewards")).text
    active = (await alpha.get("/c/stewards?sort=active")).text
    assert newest.index("Newer thread") < newest.index("Older thread")
    assert active.index("Older thread") < active.index("Newer thread")


async def test_a_hashtag_page_lists_public_posts_only(alpha: LiveNode) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    for name, private in (("stewards", False), ("board", True)):
        community = await accounts.create_community(
            alpha.pool, alpha.config, name, title=name.title(), owner="bea", private=private
        )
        await posts.write(
            alpha.pool,
            alpha.config,
            alpha.app.state.network,
            author="bea",
            community_uri=community.uri,
            title=f"Retention in {name}",
            content="Our schedule, reviewed yearly. #Retention",
        )
    async with browser() as page:
        # The public post is listed; the members-only one is not
        await page.goto(f"{alpha.base}/tags/retention")
        await page.get_by_role("heading", name="#retention").wait_for()
        assert await page.get_by_role("link", name="Retention in stewards").count() == 1
        assert await page.get_by_role("link", name="Retention in board").count() == 0
        # and it leads to the thread
        await page.get_by_role("link", name="Retention in stewards").click()
        await page.get_by_role("heading", name="Retention in stewards").wait_for()
        # not even to its members: a hashtag page is public, like Mastodon's tag timelines
        await sign_in(page, alpha, "bea", "bea pass 123")
        await page.goto(f"{alpha.base}/tags/retention")
        await page.get_by_role("link", name="Retention in stewards").wait_for()
        assert await page.get_by_role("link", name="Retention in board").count() == 0
        # An unknown hashtag is an empty page, not an error
        await page.goto(f"{alpha.base}/tags/nothing-here")
        assert "No posts with this hashtag yet." in await page.inner_text("main")


async def test_a_private_community_is_read_by_its_members_only(alpha: LiveNode) -> None:
    await accounts.create_user(alpha.pool, alpha.config, "bea", "bea pass 123")
    await accounts.create_user(alpha.pool, alpha.config, "sam", "sam pass 123")
    clinic = await accounts.create_community(
        alpha.pool, alpha.config, "clinic", title="Clinicians", owner="bea", private=True
    )
    thread = await posts.write(
        alpha.pool,
        alpha.config,
        alpha.app.state.network,
        author="bea",
        community_uri=clinic.uri,
        title="A difficult case",
        content="Details for members only.",
    )
    async with browser() as page:
        # Someone who is not a member sees the community, but not its threads, not even titles
        await page.goto(clinic.uri)
        await page.get_by_role("heading", name="Clinicians").wait_for()
        assert "A difficult case" not in await page.inner_text("main")
        response = await page.goto(f"{alpha.base}/t/{thread.id}")
        assert response is not None and response.status == 404
        # nor that bea belongs to it
        await page.goto(f"{alpha.base}/u/bea")
        assert "Clinicians" not in await page.inner_text("main")
        # Sam, once a member, reads the thread
        await follows.join(alpha.pool, alpha.config, alpha.app.state.network, "sam", clinic.uri)
        sam = f"{alpha.base}/u/sam"
        await follows.decide_request(alpha.pool, alpha.config, "clinic", sam, approve=True)
        await sign_in(page, alpha, "sam", "sam pass 123")
        await page.goto(clinic.uri)
        await page.get_by_role("link", name="A difficult case").click()
        await page.get_by_text("Details for members only.").wait_for()
        await page.goto(f"{alpha.base}/u/bea")
        assert "Clinicians" in await page.inner_text("main")
