"""Questions and accepted answers on the web, over a live node with real sessions and CSRF.

ann asks in "stewards" (facilitator fa); rae and ned reply. ann accepts rae's reply, the
community's filters list the question as solved, she changes her mind, withdraws; ned (neither
the asker nor a facilitator) is refused; fa may change it; rae is told her answer was accepted.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.store import posts as post_store
from fedcop.store.posts import Post
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.test_web_journeys import sign_in
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        await people(node)
        yield node


@pytest.fixture
async def reachable(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    """The same node at http://127.0.0.1:PORT, which the browser reaches."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await people(node)
        yield node


async def people(node: LiveNode) -> None:
    """fa's community "stewards", with ann, rae and ned as members."""
    await accounts.create_user(node.pool, node.config, "fa", PASSWORD)
    await accounts.create_community(
        node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
    )
    for name in ("ann", "rae", "ned"):
        await accounts.create_user(node.pool, node.config, name, PASSWORD)
        await follows.join(
            node.pool, node.config, node.app.state.network, name, f"{node.base}/c/stewards"
        )
    await settle(node)


def titles(page: str) -> list[str]:
    """The thread titles a community page lists."""
    listed = page.split('id="threads-heading"', 1)[1]
    return re.findall(r'<a href="/t/\d+(?:/[^"]*)?">([^<]+)</a>', listed)


async def reply(node: LiveNode, author: str, thread_uri: str, text: str) -> int:
    written = await posts.write(
        node.pool, node.config, node.app.state.network, author=author,
        community_uri=f"{node.base}/c/stewards", content=text, in_reply_to=thread_uri,
    )  # fmt: skip
    return int(written.id)


async def ask(browser: Browser, title: str, *, question: bool) -> int:
    await browser.csrf("/c/stewards")
    fields = {"title": title, "content": "What do you use?"}
    if question:
        fields["question"] = "on"
    response = await browser.submit("/c/stewards/threads", **fields)
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def notified(node: LiveNode, name: str) -> list[tuple[str, int | None]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT n.kind, n.post_id FROM notifications n JOIN actors a ON a.id = n.recipient_id
            WHERE a.username = $1 AND a.domain IS NULL AND n.kind = 'answer_accepted'
            ORDER BY n.id
            """,
            name,
        )
    return [(row["kind"], row["post_id"]) for row in rows]


async def test_an_asker_accepts_changes_and_withdraws_an_answer(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        # Given ann asks a question (the checkbox) and starts an ordinary thread
        question_id = await ask(ann, "Which checksum tool?", question=True)
        await ask(ann, "Meetup photos", question=False)
        question = (await stored_by_id(alpha, question_id)).uri
        rae_reply = await reply(alpha, "rae", question, "We use fixity with sha256.")
        ned_reply = await reply(alpha, "ned", question, "md5 is enough.")
        await settle(alpha)
        # Then the filters: unanswered lists the question only, solved nothing yet
        assert titles(await ann.page("/c/stewards")) == ["Meetup photos", "Which checksum tool?"]
        assert titles(await ann.page("/c/stewards?filter=unanswered")) == ["Which checksum tool?"]
        assert titles(await ann.page("/c/stewards?filter=solved")) == []
        page = await ann.page(f"/t/{question_id}")
        assert "Question: no accepted answer yet" in page
        assert page.count("Accept as the answer") == 2

        # When ann accepts rae's reply
        await ann.csrf(f"/t/{question_id}")
        accepted = await ann.submit(f"/t/{question_id}/accept", answer=str(rae_reply))
        assert accepted.status_code == 303
        # Then the question page shows it right under the question, and marks it in the replies
        page = await ann.page(f"/t/{question_id}")
        assert "Solved question" in page
        under_question = page.split('id="accepted-heading"', 1)[1].split("replies-heading")[0]
        assert "fixity with sha256" in under_question
        assert f'class="reply depth-0 accepted" id="post-{rae_reply}"' in page
        # and the filters list it as solved
        assert titles(await ann.page("/c/stewards?filter=solved")) == ["Which checksum tool?"]
        assert titles(await ann.page("/c/stewards?filter=unanswered")) == []
        # and rae is told (ann, who did it, is not)
        assert await notified(alpha, "rae") == [("answer_accepted", rae_reply)]
        assert await notified(alpha, "ann") == []

        # When she changes it to ned's reply
        await ann.submit(f"/t/{question_id}/accept", answer=str(ned_reply))
        assert (await stored_by_id(alpha, question_id)).accepted_answer_id == ned_reply
        assert await notified(alpha, "ned") == [("answer_accepted", ned_reply)]
        # and then withdraws it
        withdrawn = await ann.submit(f"/t/{question_id}/accept", answer="")
        assert withdrawn.status_code == 303
        assert (await stored_by_id(alpha, question_id)).accepted_answer_id is None
        assert titles(await ann.page("/c/stewards?filter=unanswered")) == ["Which checksum tool?"]
        assert "Accepted answer</h2>" not in await ann.page(f"/t/{question_id}")

        # A reply of another thread, or nonsense, is no answer (400, nothing changes)
        photos = await conn_uri(alpha, "Meetup photos")
        other = await reply(alpha, "rae", photos, "Lovely.")
        for bad in (str(other), "12abc", "9" * 40):
            refused = await ann.submit(f"/t/{question_id}/accept", answer=bad)
            assert refused.status_code == 400, bad
        assert (await stored_by_id(alpha, question_id)).accepted_answer_id is None


async def test_only_the_asker_or_a_facilitator_may(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        question_id = await ask(ann, "Which checksum tool?", question=True)
    question = (await stored_by_id(alpha, question_id)).uri
    rae_reply = await reply(alpha, "rae", question, "sha256.")
    await settle(alpha)
    async with signed_in(alpha, "ned", PASSWORD) as ned:
        # ned sees no controls, and his POSTs are refused with 403
        page = await ned.page(f"/t/{question_id}")
        assert "Accept as the answer" not in page and "Not a question" not in page
        await ned.csrf(f"/t/{question_id}")
        assert (
            await ned.submit(f"/t/{question_id}/accept", answer=str(rae_reply))
        ).status_code == 403
        assert (await ned.submit(f"/t/{question_id}/question")).status_code == 403
        # and without the session's CSRF token nothing happens either
        ned.token = "forged"
        assert (
            await ned.submit(f"/t/{question_id}/accept", answer=str(rae_reply))
        ).status_code == 403
    after = await stored_by_id(alpha, question_id)
    assert after.is_question and after.accepted_answer_id is None
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        # The facilitator accepts, then says it is no question after all (its answer goes too)
        await fa.csrf(f"/t/{question_id}")
        assert (
            await fa.submit(f"/t/{question_id}/accept", answer=str(rae_reply))
        ).status_code == 303
        assert (await stored_by_id(alpha, question_id)).accepted_answer_id == rae_reply
        assert await notified(alpha, "ann") == [("answer_accepted", rae_reply)]
        assert (await fa.submit(f"/t/{question_id}/question")).status_code == 303
        after = await stored_by_id(alpha, question_id)
        assert not after.is_question and after.accepted_answer_id is None
        # and marks it a question again
        await fa.submit(f"/t/{question_id}/question", question="on")
        assert (await stored_by_id(alpha, question_id)).is_question


async def stored_by_id(node: LiveNode, post_id: int) -> Post:
    async with node.pool.acquire() as conn:
        found = await post_store.find(conn, post_id)
    assert found is not None
    return found


async def conn_uri(node: LiveNode, title: str) -> str:
    async with node.pool.acquire() as conn:
        uri = await conn.fetchval("SELECT uri FROM posts WHERE title = $1", title)
    assert isinstance(uri, str)
    return uri


async def test_in_a_real_browser(reachable: LiveNode) -> None:
    node = reachable
    async with browser() as page:
        await sign_in(page, node, "ann", PASSWORD)
        # ann asks, ticking the labelled checkbox
        await page.goto(f"{node.base}/c/stewards")
        assert await unlabelled_fields(page) == []
        await page.get_by_label("Title").fill("Which checksum tool?")
        await page.get_by_label("Text (Markdown)").fill("For fixity checks.")
        await page.get_by_label("This is a question").check()
        await page.get_by_role("button", name="Post thread").click()
        await page.wait_for_url("**/t/*")
        assert "Question: no accepted answer yet" in await page.content()
        question = await conn_uri(node, "Which checksum tool?")
        await reply(node, "rae", question, "We use sha256.")
        await page.reload()
        # she accepts rae's reply with its button, and sees it under the question
        await page.get_by_role("button", name="Accept as the answer").click()
        await page.wait_for_load_state()
        accepted = page.locator("section.accepted-answer")
        assert "We use sha256." in await accepted.inner_text()
        # and the community's Solved filter lists it
        await page.goto(f"{node.base}/c/stewards")
        await page.get_by_role("link", name="Solved").click()
        await page.wait_for_url("**filter=solved")
        assert "Which checksum tool?" in await page.locator("ol.threads").inner_text()
