"""The knowledge base on the web, over a live node with real sessions and CSRF: writing,
editing, a conflict shown with both texts, history, diff, restore, watching, the Atom feed,
pages made from a solved question, the Facilitate setting, and members-only communities.

"stewards" (facilitator fa; members ann and rae; ned is no member) and the private "clinic"
(facilitator cho, member dee).
"""

from __future__ import annotations

import asyncio
import html
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator

import httpx
import pytest
from mastodon import Mastodon

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts, questions
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        await people(node)
        yield node


async def people(node: LiveNode) -> None:
    for name in ("fa", "ann", "rae", "ned", "cho", "dee"):
        await accounts.create_user(node.pool, node.config, name, PASSWORD)
    stewards = await accounts.create_community(
        node.pool, node.config, "stewards", title="Data Stewards", owner="fa",
        summary="<p>Keeping research data usable.</p>",
    )  # fmt: skip
    clinic = await accounts.create_community(
        node.pool, node.config, "clinic", title="Clinicians", owner="cho", private=True
    )
    network = node.app.state.network
    for name in ("ann", "rae"):
        await follows.join(node.pool, node.config, network, name, stewards.uri)
    await follows.join(node.pool, node.config, network, "dee", clinic.uri)
    await follows.decide_request(
        node.pool, node.config, "clinic", f"{node.base}/u/dee", approve=True
    )
    await settle(node)


async def write_page(browser: Browser, community: str, title: str, text: str) -> httpx.Response:
    await browser.csrf(f"/c/{community}/kb/new")
    return await browser.submit(f"/c/{community}/kb/new", title=title, markdown=text, note="")


async def edit_form(browser: Browser, path: str) -> dict[str, str]:
    """Open a page's edit form: its CSRF token is kept; the fields it carries are returned."""
    form = await browser.page(f"{path}/edit")
    browser.token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    base = re.search(r'name="base_version" value="(\d+)"', form)
    assert base is not None
    return {"base_version": base.group(1)}


def plain(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


async def test_write_edit_conflict_history_diff_and_restore(alpha: LiveNode) -> None:
    async with (
        signed_in(alpha, "ann", PASSWORD) as ann,
        signed_in(alpha, "rae", PASSWORD) as rae,
    ):
        # Given ann writes a page from the knowledge base's index
        index = await ann.page("/c/stewards/kb")
        assert 'href="/c/stewards/kb/new"' in index
        written = await write_page(
            ann, "stewards", "Loan rules", "Loans last two weeks.\nRenew once."
        )
        assert written.status_code == 303
        path = written.headers["location"]
        assert path == "/c/stewards/kb/loan-rules"
        page = await ann.page(path)
        assert "<h1>Loan rules</h1>" in page and "Loans last two weeks." in page
        assert "Version 1" in page and ">Stop watching<" in page  # she watches what she wrote

        # When ann and rae both open the edit form of version 1, and rae saves first
        ann_form = await edit_form(ann, path)
        rae_form = await edit_form(rae, path)
        saved = await rae.submit(
            f"{path}/edit", **rae_form, title="Loan rules",
            markdown="Loans last three weeks.\nRenew once.", note="three weeks now",
        )  # fmt: skip
        assert saved.status_code == 303
        # Then ann's save is refused as a conflict: both texts and the diff are shown, and
        # her text is still in the form, now based on version 2
        conflict = await ann.submit(
            f"{path}/edit", **ann_form, title="Loan rules",
            markdown="Loans last two weeks.\nRenew twice.", note="",
        )  # fmt: skip
        assert conflict.status_code == 409
        shown = conflict.text
        assert "Someone changed this page while you were editing" in shown
        assert "Loans last three weeks.\nRenew once.</textarea>" in shown  # the current text
        assert "Loans last two weeks.\nRenew twice.</textarea>" in shown  # hers, kept
        assert 'name="base_version" value="2"' in shown
        assert "<ins>twice</ins>" in shown and "<del>once</del>" in shown
        assert ">rae<" in shown
        page = await ann.page(path)
        assert "Loans last three weeks." in page and "Renew twice" not in page
        # When she saves her merge from the form the conflict gave her, it is taken
        merged = await ann.submit(
            f"{path}/edit", base_version="2", title="Loan rules",
            markdown="Loans last three weeks.\nRenew twice.", note="merged",
        )  # fmt: skip
        assert merged.status_code == 303

        # The history lists every change, who made it and the notes
        past = plain(await ann.page(f"{path}/history"))
        assert re.search(r"3 \(current\).*ann.*merged", past, re.S)
        assert re.search(r"2\s.*rae.*three weeks now", past, re.S)
        assert re.search(r"1\s.*ann.*Created “Loan rules”", past, re.S)
        # and the diff between any two versions
        diff = await ann.page(f"{path}/diff?from=1&to=3")
        assert "Loans last <del>two</del> weeks." in diff
        assert "Loans last <ins>three</ins> weeks." in diff
        assert (await ann.http.get(f"{path}/diff?from=1&to=7")).status_code == 404

        # When rae restores version 1 (a POST with the CSRF token)
        await rae.csrf(f"{path}/history")
        assert (await rae.submit(f"{path}/restore", version="1")).status_code == 303
        page = await rae.page(path)
        assert "Loans last two weeks." in page and "restores version 1" in page
        assert "Version 4" in page
        # and a restore without the token changes nothing
        refused = await rae.http.post(f"{path}/restore", data={"version": "2"})
        assert refused.status_code == 403
        assert "Version 4" in await rae.page(path)


async def test_the_charter_is_first_and_the_community_links_to_the_knowledge_base(
    alpha: LiveNode,
) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await write_page(ann, "stewards", "Glossary", "FAIR")
        community = await ann.page("/c/stewards")
        assert 'href="/c/stewards/kb"' in community
        index = (await ann.page("/c/stewards/kb")).split('id="pages-heading"', 1)[1]
        listed = re.findall(r'<a href="/c/stewards/kb/([^"/]+)">([^<]+)</a>', index)
        assert listed == [("charter", "Charter"), ("glossary", "Glossary")]
        charter = await ann.page("/c/stewards/kb/charter")
        assert "Keeping research data usable." in charter


async def test_only_those_who_may_edit_can(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await write_page(ann, "stewards", "Glossary", "FAIR")
    async with signed_in(alpha, "ned", PASSWORD) as ned:
        # ned is no member: no edit link, and his edit is refused
        assert ">Edit<" not in await ned.page("/c/stewards/kb/glossary")
        await ned.csrf("/c/stewards/kb/glossary")
        refused = await ned.submit(
            "/c/stewards/kb/glossary/edit", base_version="1", title="Glossary", markdown="spam"
        )
        assert refused.status_code == 403 and "join Data Stewards" in html.unescape(refused.text)
    # When fa lets only facilitators edit, on the Facilitate page
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        await fa.csrf("/c/stewards/manage")
        assert (await fa.submit("/c/stewards/manage/kb", editors="facilitators")).status_code == 303
        assert 'value="facilitators" selected' in await fa.page("/c/stewards/manage")
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        assert ">Edit<" not in await ann.page("/c/stewards/kb/glossary")
        refused = await write_page(ann, "stewards", "Another", "text")
        assert refused.status_code == 403
        assert "only the facilitators" in html.unescape(refused.text)
        # and a member cannot change the setting back
        await ann.csrf("/c/stewards")
        assert (await ann.submit("/c/stewards/manage/kb", editors="members")).status_code == 400


async def test_a_members_only_knowledge_base_is_for_members(alpha: LiveNode) -> None:
    async with signed_in(alpha, "dee", PASSWORD) as dee:
        written = await write_page(dee, "clinic", "Triage notes", "secret triage")
        path = written.headers["location"]
        assert "secret triage" in await dee.page(path)
        feed = await dee.http.get("/c/clinic/kb/feed.atom")
        assert feed.status_code == 200 and "Triage notes" in feed.text
    async with signed_in(alpha, "ned", PASSWORD) as ned:
        for where in ("/c/clinic/kb", path, f"{path}/history", f"{path}/diff?from=1&to=1",
                      f"{path}/v/1", "/c/clinic/kb/feed.atom", "/c/clinic/kb/new"):  # fmt: skip
            response = await ned.http.get(where)
            assert response.status_code == 404, where
            assert "secret triage" not in response.text and "Triage notes" not in response.text
    anonymous = await alpha.get(path)
    assert anonymous.status_code == 404 and "Triage" not in anonymous.text


async def test_the_atom_feed_lists_the_changes(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await write_page(ann, "stewards", "Retention", "Keep logs <a year>.")
        form = await edit_form(ann, "/c/stewards/kb/retention")
        await ann.submit(
            "/c/stewards/kb/retention/edit", **form, title="Retention", markdown="Two years.",
            note="policy & practice",
        )  # fmt: skip
    response = await alpha.get("/c/stewards/kb/feed.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    titles = [entry.findtext(f"{ATOM}title") for entry in entries]
    assert titles[:2] == ["Retention: edited (version 2)", "Retention: new page (version 1)"]
    newest = entries[0]
    assert newest.findtext(f"{ATOM}summary") == "policy & practice"
    assert newest.find(f"{ATOM}author/{ATOM}name").text == "ann"  # type: ignore[union-attr]
    link = newest.find(f"{ATOM}link").get("href")  # type: ignore[union-attr]
    assert link == f"{alpha.base}/c/stewards/kb/retention/diff?from=1&to=2"
    ids = [entry.findtext(f"{ATOM}id") for entry in entries]
    assert len(set(ids)) == len(ids)
    assert "&lt;a year&gt;" in (entries[1].findtext(f"{ATOM}content") or "")


async def test_a_solved_question_becomes_a_page_from_its_thread(alpha: LiveNode) -> None:
    question = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="ann",
        community_uri=f"{alpha.base}/c/stewards", title="Which checksum tool?",
        content="We need fixity checks.", question=True,
    )  # fmt: skip
    answer = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="rae",
        community_uri=f"{alpha.base}/c/stewards", content="Use sha256.",
        in_reply_to=question.uri,
    )  # fmt: skip
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        # An unsolved question offers no page to a member
        assert "Make a page" not in await ann.page(f"/t/{question.id}")
        await questions.accept(
            alpha.pool, alpha.config, by="ann", thread_id=question.id, answer_id=answer.id
        )
        thread = await ann.page(f"/t/{question.id}")
        assert f'action="/t/{question.id}/kb"' in thread and "Keep the solved question" in thread
        assert f'action="/t/{answer.id}/kb"' not in thread  # replies are the facilitators'
        await ann.csrf(f"/t/{question.id}")
        made = await ann.submit(f"/t/{question.id}/kb", into="", title="")
        assert made.status_code == 303
        page = await ann.page(made.headers["location"])
        assert "<h1>Which checksum tool?</h1>" in page
        assert "We need fixity checks." in page and "Use sha256." in page
        assert f'href="/t/{question.id}"' in page  # the link back
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        # A facilitator may add any reply to a page
        thread = await fa.page(f"/t/{question.id}")
        assert f'action="/t/{answer.id}/kb"' in thread
        await fa.csrf(f"/t/{question.id}")
        added = await fa.submit(f"/t/{answer.id}/kb", into="which-checksum-tool", title="Again")
        assert added.headers["location"] == "/c/stewards/kb/which-checksum-tool"
        assert "Version 2" in await fa.page("/c/stewards/kb/which-checksum-tool")


async def test_watchers_are_told_on_the_web_and_in_their_apps(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await write_page(ann, "stewards", "Storage", "Tape.")
    async with signed_in(alpha, "rae", PASSWORD) as rae:
        # Given rae watches the page
        await rae.csrf("/c/stewards/kb/storage")
        assert (await rae.submit("/c/stewards/kb/storage/watch")).status_code == 303
        assert ">Stop watching<" in await rae.page("/c/stewards/kb/storage")
    # When ann edits it
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        form = await edit_form(ann, "/c/stewards/kb/storage")
        await ann.submit(
            "/c/stewards/kb/storage/edit", **form, title="Storage", markdown="Tape and disk.",
            note="disk too",
        )  # fmt: skip
        # (she is not told of her own change)
        assert "changed a page you watch" not in await ann.page("/notifications")
    # Then rae sees it in her notifications on the web, linking to what changed
    async with signed_in(alpha, "rae", PASSWORD) as rae:
        told = await rae.page("/notifications")
        assert "changed a page you watch:" in told
        assert 'href="/c/stewards/kb/storage">Storage</a>' in told
        assert 'href="/c/stewards/kb/storage/diff?from=1&amp;to=2"' in told
    # And in her Mastodon app, as an edited status that links to the page
    token = await oauth.admin_token(alpha.pool, "rae", "read")
    client = Mastodon(access_token=token, api_base_url=f"http://127.0.0.1:{alpha.port}")
    client.session.headers["Host"] = alpha.config.domain
    notes = await asyncio.to_thread(client.notifications)
    changed = [n for n in notes if n["type"] == "update"]
    assert len(changed) == 1
    assert changed[0]["account"]["acct"] == "ann"
    status = changed[0]["status"]
    assert status["url"] == f"{alpha.base}/c/stewards/kb/storage"
    assert "Changed the page" in status["content"] and "disk too" in status["content"]
    # When rae stops watching, the next change does not reach her
    async with signed_in(alpha, "rae", PASSWORD) as rae:
        await rae.csrf("/c/stewards/kb/storage")
        assert (await rae.submit("/c/stewards/kb/storage/unwatch")).status_code == 303
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        form = await edit_form(ann, "/c/stewards/kb/storage")
        await ann.submit(
            "/c/stewards/kb/storage/edit", **form, title="Storage", markdown="Disk.", note=""
        )
    again = await asyncio.to_thread(client.notifications)
    assert len([n for n in again if n["type"] == "update"]) == 1


async def test_odd_requests_get_a_clear_answer_and_change_nothing(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await write_page(ann, "stewards", "Glossary", "FAIR")
        for where in (
            "/c/stewards/kb/glossary/v/99999999999999999999",
            "/c/stewards/kb/glossary/v/0",
            "/c/stewards/kb/glossary/diff?from=-1&to=2",
            "/c/stewards/kb/glossary/diff?from=99999999999999999999&to=1",
            "/c/stewards/kb/glossary/diff",
            "/c/stewards/kb/no-such-page",
            "/c/stewards/kb/no-such-page/history",
            "/c/nobody/kb",
            "/c/nobody@nowhere.example/kb",
            "/c/ann/kb",  # a person, not a community
        ):
            response = await ann.http.get(where)
            assert response.status_code == 404, where
        await ann.csrf("/c/stewards/kb/glossary")
        for path, fields in (
            ("/c/stewards/kb/glossary/edit", {"base_version": "99999999999999", "title": "x"}),
            ("/c/stewards/kb/glossary/edit", {"base_version": "1", "title": "   "}),
            ("/c/stewards/kb/glossary/edit", {"base_version": "7", "title": "x"}),
            ("/c/stewards/kb/glossary/restore", {"version": "99999999999999"}),
            ("/c/stewards/kb/glossary/restore", {"version": "1"}),  # the current one
            ("/c/stewards/kb/new", {"title": "", "markdown": "text"}),
            ("/t/99999999999999999999/kb", {"into": ""}),
            ("/t/12345/kb", {"into": ""}),
            ("/c/stewards/manage/kb", {"editors": "everyone"}),
        ):
            response = await ann.submit(path, **fields)
            assert 400 <= response.status_code < 500, (path, fields, response.status_code)
        page = await ann.page("/c/stewards/kb/glossary")
        assert "Version 1" in page
