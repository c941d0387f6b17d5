"""Every kind of page passes axe-core's WCAG 2.1 A and AA rules, in the real browser.

One node with something on every page (an admin who facilitates a public community with a
pinned thread, nested replies, a hashtag, a removed reply and an open report, and a private
community with a request to join; a registered OAuth app), one headless chromium at phone size,
and axe-core (pinned in tests/peers/package.json, installed with the Fedify peer's packages)
run on each page as a visitor, then as the signed-in admin. The window is 320 CSS pixels wide,
the width at which WCAG 1.4.10 wants pages to reflow, and a page that scrolls sideways fails
too. Every violation of every page is reported at once: rule, impact, the elements, and the
rule's explanation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Page

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.i18n.catalogues import translations
from fedcop.services import accounts, admin, follows, moderation, node_setup, posts, reports
from fedcop.services.knowledge import editing as kb_editing
from fedcop.services.knowledge import pages as kb_pages
from fedcop.services.messages import sending as messages_sending
from fedcop.services.polls.drafts import PollDraft
from fedcop.store import actors as actor_store
from fedcop.store import users as user_store
from tests.browser import browser
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.peers.fedify import install

# WCAG 2.1 A and AA, and axe's best practices (landmarks, heading order, unique names), which
# the pages meet too.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
RUN_AXE = """options => axe.run(document, options).then(results => results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
    nodes: v.nodes.map(n => ({
        target: n.target.join(' '),
        why: [...n.any, ...n.all, ...n.none].map(check => check.message).join('; '),
    })),
})))"""
# What sticks out of a page that scrolls sideways (WCAG 1.4.10 reflow, which axe leaves alone).
SIDEWAYS = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    return [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > width)
        .map(el => el.tagName.toLowerCase() + ': ' + el.textContent.slice(0, 60));
}"""


def shared_files(config: Any) -> list[dict[str, Any]]:
    """A reply's files, as the post services and the inbox store them."""
    header = f"{config.base_url}/static/header.png"
    return [
        {"type": "Image", "url": header, "mediaType": "image/png", "name": "The team's banner",
         "width": 600, "height": 120, "media_id": 1, "preview_url": header,
         "file_name": "header.png", "sensitive": False},
        {"type": "Image", "url": "http://127.0.0.1:9/board.png", "mediaType": "image/png",
         "name": "", "proxy": "a11yToken_0123456789abcdefgh", "sensitive": False},
        {"type": "Document", "url": f"{config.base_url}/media/docTok/schedule.pdf",
         "mediaType": "application/pdf", "name": "Our retention schedule", "size": 1_234_567,
         "media_id": 2, "file_name": "schedule.pdf", "sensitive": False},
    ]  # fmt: skip


def axe_source() -> str:
    """axe-core's browser bundle, from the npm packages the interop peers also use."""
    return (install() / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@dataclass(frozen=True)
class Scene:
    node: LiveNode
    thread_id: int
    authorize_path: str
    poll_id: int = 0  # sam's thread with a poll, in which sam's vote is counted
    reply_id: int = 0  # sam's reply, opened at its own address: highlighted in its thread


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        pool, config, network = node.pool, node.config, node.app.state.network
        await accounts.create_user(pool, config, "ada", "admin pass 1", is_admin=True)
        await accounts.create_user(pool, config, "sam", "sam pass 123")
        async with pool.acquire() as conn:
            ada = await user_store.find_by_name(conn, "ada")
        assert ada is not None
        await admin.save_settings(
            pool, ada, organisation="City Libraries", description="Where archivists meet.",
            registrations="open",
        )  # fmt: skip
        stewards = await accounts.create_community(
            pool, config, "stewards", title="Data Stewards", owner="ada",
            summary="<p>Practical <strong>stewardship</strong>.</p>",
        )  # fmt: skip
        clinic = await accounts.create_community(
            pool, config, "clinic", title="Clinicians", owner="ada", private=True
        )
        await follows.join(pool, config, network, "sam", stewards.uri)
        await follows.join(pool, config, network, "sam", clinic.uri)  # a request, waiting
        thread = await posts.write(
            pool, config, network, author="ada", community_uri=stewards.uri,
            title="Retention schedules",
            content="How do you keep *yours*? See [the guide](https://example.org/guide).\n\n"
            "```\nkeep: 7y\n```\n\n#Retention",
        )  # fmt: skip
        reply = await posts.write(
            pool, config, network, author="sam", community_uri=stewards.uri,
            content="A nightly job here. #retention", in_reply_to=thread.uri,
        )  # fmt: skip
        await posts.write(
            pool, config, network, author="ada", community_uri=stewards.uri,
            content="Which tool runs it?", in_reply_to=reply.uri,
        )  # fmt: skip
        # sam's reply carries files: a picture uploaded here, one from elsewhere (through the
        # media proxy, whose fetch fails: the page shows its alt text), a document
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE posts SET attachments = $2 WHERE id = $1", reply.id, shared_files(config)
            )
        await posts.write(
            pool, config, network, author="ada", community_uri=stewards.uri,
            content="Asked: how to keep schedules. Answered: [a nightly job](https://example.org).",
            in_reply_to=thread.uri, facilitator_summary=True,
        )  # fmt: skip
        spam = await posts.write(
            pool, config, network, author="sam", community_uri=stewards.uri,
            content="BUY CHEAP PILLS", in_reply_to=thread.uri,
        )  # fmt: skip
        for kind, target in (("pin", thread.uri), ("remove", spam.uri)):
            await moderation.act(
                pool, config, network, moderator="ada", community_uri=stewards.uri,
                action=moderation.Action(kind, target, reason="Off topic"),
            )  # fmt: skip
        # a knowledge-base page with two versions (the index makes the charter page)
        await kb_pages.create(
            pool, config, community="stewards", by="ada", title="Glossary",
            markdown="**Fixity**: a file has not changed.\n\nSee the charter.",
        )  # fmt: skip
        await kb_editing.edit(
            pool, config, community="stewards", slug="glossary", by="sam", base_version=1,
            title="Glossary", markdown="**Fixity**: a file has not changed.\n\nSee the guide.",
            note="the guide",
        )  # fmt: skip
        poll = await posts.write(
            pool, config, network, author="sam", community_uri=stewards.uri,
            title="Which checksum?", content="For fixity.",
            poll=PollDraft(["SHA-256", "MD5", "BLAKE3"], 86_400, multiple=True),
        )  # fmt: skip
        await admin.set_domain_blocked(pool, "spam.example", True)
        await reports.report(pool, config, reporter="ada", post_uri=reply.uri, reason="Unsure")
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
            registered = await http.post(
                "/api/v1/apps",
                headers={"Host": config.domain},
                data={"client_name": "Pocket Reader", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                      "scopes": "read write", "website": "https://pocket.example"},
            )  # fmt: skip
        assert registered.status_code == 200, registered.text
        query = {
            "client_id": registered.json()["client_id"],
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "response_type": "code",
            "scope": "read write",
        }
        yield Scene(
            node, thread.id, "/oauth/authorize?" + urlencode(query), poll.id, reply_id=reply.id
        )


async def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now, and a sideways scroll if there is one."""
    found: list[dict[str, Any]] = await page.evaluate(
        RUN_AXE, {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
    )
    too_wide: list[str] = await page.evaluate(SIDEWAYS)
    if too_wide:
        found.append(
            {"id": "reflow", "impact": "serious", "help": "The page scrolls sideways at 320px",
             "url": "https://www.w3.org/WAI/WCAG21/Understanding/reflow.html",
             "nodes": [{"target": text, "why": "wider than the window"} for text in too_wide]}
        )  # fmt: skip
    return found


def readable(problems: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for where, found in problems.items():
        for v in found:
            lines.append(f"{where}: {v['id']} ({v['impact']}) {v['help']} <{v['url']}>")
            lines.extend(f"    {n['target']}: {n['why']}" for n in v["nodes"])
    return "\n".join(lines)


# The audit runs in English, and in French as a French browser asks for it.
LANGUAGES = {"en": {}, "fr": {"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
async def test_every_page_meets_wcag_2_1_aa(scene: Scene, language: str) -> None:
    base, thread = scene.node.base, scene.thread_id
    # The names of the controls the journey uses, in the page's language (as the catalogue says)
    say = translations(language).gettext
    # a direct message from ada to sam: her conversations, and a check-in form for sam
    node = scene.node
    async with node.pool.acquire() as conn:
        sam = await actor_store.find_local(conn, "sam")
    assert sam is not None
    message = await messages_sending.write(
        node.pool, node.config, author="ada", recipients=[sam.actor], text="How are you, Sam?"
    )
    visitor_pages = [
        "/",
        "/login",
        "/register",
        "/c/stewards",
        "/c/stewards?sort=active",
        "/c/clinic",
        f"/t/{thread}",
        f"/t/{scene.reply_id}",  # lands at the reply in its thread, highlighted
        f"/t/{scene.poll_id}",
        "/u/sam",
        "/tags/retention",
        "/c/stewards/modlog",
        "/c/stewards/kb",
        "/c/stewards/kb/glossary",
        "/c/stewards/kb/glossary/history",
        "/c/stewards/kb/glossary/diff?from=1&to=2",
        "/c/stewards/kb/glossary/v/1",
        "/c/stewards/members",
        "/c/stewards/members?q=retention",
        "/c/stewards/resources",
        "/directory",
        scene.authorize_path,
    ]
    admin_pages = [
        "/",
        "/c/stewards",
        "/c/clinic",
        f"/t/{thread}",
        f"/t/{thread}/edit",
        f"/t/{thread}/retention-schedules",  # the slugged address, with every reply's controls
        f"/t/{thread}/summary",
        f"/t/{scene.poll_id}",
        "/u/ada",
        "/home",
        "/settings",
        "/communities/new",
        "/c/stewards/manage",
        "/c/clinic/manage",
        "/c/stewards/manage/health",
        "/admin",
        "/tags/retention",
        "/c/stewards/modlog",
        "/c/stewards/kb",
        "/c/stewards/kb/new",
        "/c/stewards/kb/glossary",
        "/c/stewards/kb/glossary/edit",
        "/c/stewards/kb/glossary/history",
        "/notifications",
        "/notifications?kind=mentions",
        "/c/clinic/members",
        "/c/stewards/members?q=records",
        "/c/stewards/resources?q=records&kind=document",
        "/directory",
        "/messages",
        f"/messages/{message.id}",
        f"/c/stewards/checkins/new?member={sam.actor.id}",
        "/welcome",
        "/setup",
        "/setup?step=about",
        "/settings/data",
        "/settings/data/import",
        "/settings/delete",
        "/admin/accounts/sam/delete",
        scene.authorize_path,
    ]
    problems: dict[str, list[dict[str, Any]]] = {}

    async def audit(page: Page, who: str, path: str, status: int = 200) -> None:
        response = await page.goto(base + path)
        assert response is not None and response.status == status, path
        assert await page.get_attribute("html", "lang") == language, path
        if found := await violations(page):
            problems[f"{path} ({who}, {language})"] = found

    async with browser(init_scripts=[axe_source()]) as page:
        await page.set_viewport_size({"width": 320, "height": 640})  # the width WCAG reflows at
        await page.set_extra_http_headers(LANGUAGES[language])
        for path in visitor_pages:
            await audit(page, "visitor", path)
        # a search that finds nothing (its results page), and pages that answer with an error
        await audit(page, "visitor", "/u/nobody", 404)
        await audit(page, "visitor", "/no/such/page", 404)
        await audit(page, "visitor", "/search?q=nobody")
        # a refused sign-in shows its error
        await page.goto(f"{base}/login")
        await page.get_by_label(say("Account name")).fill("ada")
        await page.get_by_label(say("Password")).fill("wrong password")
        await page.get_by_role("button", name=say("Sign in")).click()
        await page.get_by_role("alert").wait_for()
        if found := await violations(page):
            problems[f"/login refused (visitor, {language})"] = found
        # the admin signs in, saves a profile, and sees every page with its controls
        await page.get_by_label(say("Password")).fill("admin pass 1")
        await page.get_by_role("button", name=say("Sign in")).click()
        await page.get_by_role("button", name=say("Sign out")).wait_for()
        await page.goto(f"{base}/settings")
        await page.get_by_label(say("Name"), exact=True).fill("Ada Lovelace")
        await page.get_by_label(say("Organisation")).fill("City Libraries")
        await page.get_by_label(say("Sector")).fill("Public sector")
        await page.get_by_label(say("Expertise (comma-separated)")).fill("records, retention")
        await page.get_by_label(say("List me in this node's directory")).check()
        await page.get_by_label(say("About you (Markdown)")).fill("Archivist at *City Libraries*.")
        await page.get_by_role("button", name=say("Save profile")).click()
        await page.get_by_role("status").wait_for()
        if found := await violations(page):
            problems[f"/settings saved (admin, {language})"] = found
        for path in admin_pages:
            await audit(page, "admin", path)
        await audit(page, "admin", "/u/nobody", 404)
        # the guided setup's later steps, its end, and the register page of a closed node
        async with node.pool.acquire() as conn:
            ada = await user_store.find_by_name(conn, "ada")
        assert ada is not None
        await node_setup.save_about(node.pool, ada, name="City Archives", description="Ours.")
        await audit(page, "admin", "/setup")  # who can register
        await node_setup.choose_registrations(node.pool, ada, "closed")
        await audit(page, "admin", "/setup")  # the first community
        await audit(page, "admin", "/register")  # closed: how to get an account
        await node_setup.skip(node.pool, ada)
        await audit(page, "admin", "/setup")  # set up
        # a confirmation page (web.confirmations): what a removal will do, before it is done
        await page.goto(f"{base}/t/{thread}")
        await page.get_by_text(say("Facilitate"), exact=True).click()
        await page.get_by_role("button", name=say("Remove thread")).click()
        await page.get_by_role("button", name=say("Remove the thread")).wait_for()
        if found := await violations(page):
            problems[f"remove confirmation (admin, {language})"] = found
        # a notice after an action (web.notices), as the next page shows it
        await page.get_by_role("link", name=say("Cancel")).click()
        await page.get_by_text(say("Facilitate"), exact=True).click()
        await page.get_by_role("button", name=say("Lock")).click()
        await (
            page.get_by_role("status")
            .get_by_text(say("The thread is locked: it takes no new replies."))
            .wait_for()
        )
        if found := await violations(page):
            problems[f"notice after locking (admin, {language})"] = found
        await page.get_by_text(say("Facilitate"), exact=True).click()
        await page.get_by_role("button", name=say("Unlock")).click()
        # and lets the app in: the page with the code to copy
        await page.goto(base + scene.authorize_path)
        await page.get_by_role("button", name=say("Authorize")).click()
        await page.locator("#authorization-code").wait_for()
        if found := await violations(page):
            problems[f"/oauth/authorize code (admin, {language})"] = found

    assert not problems, "accessibility violations:\n" + readable(problems)
