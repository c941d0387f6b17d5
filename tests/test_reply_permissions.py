"""Who may act on a reply, over HTTP: each control is shown only to those who may use it, and a
request from anyone else is refused and changes nothing. And the thread's addresses: its slug,
the bare id, a wrong slug, and a reply's own address."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts, reading
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import signed_in

PASSWORD = "a long passphrase"
HTML = {"Accept": "text/html,application/xhtml+xml"}


@dataclass
class Thread:
    node: LiveNode
    thread_id: int
    reply_id: int  # cai's reply
    reply_uri: str


@pytest.fixture
async def thread(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Thread]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        pool, config, network = node.pool, node.config, node.app.state.network
        for name in ("ada", "bea", "cai"):
            await accounts.create_user(pool, config, name, PASSWORD)
        stewards = await accounts.create_community(
            pool, config, "stewards", title="Data Stewards", owner="ada"
        )
        for name in ("bea", "cai"):
            await follows.join(pool, config, network, name, stewards.uri)
        first = await posts.write(
            pool, config, network, author="ada", community_uri=stewards.uri,
            title="How we triage, in 2026?", content="Tell us.",
        )  # fmt: skip
        reply = await posts.write(
            pool, config, network, author="cai", community_uri=stewards.uri,
            content="Urgent things first.", in_reply_to=first.uri,
        )  # fmt: skip
        yield Thread(node, first.id, reply.id, reply.uri)


def _forms(page: str, reply_id: int) -> set[str]:
    """The actions of the forms and links that act on the reply, as the page offers them."""
    return set(re.findall(rf'(?:action|href)="/t/{reply_id}/(\w+)"', page))


async def test_each_control_is_shown_only_to_who_may_use_it(thread: Thread) -> None:
    node, reply = thread.node, thread.reply_id
    # A visitor may read the reply and follow its link, nothing more
    visitor = (await node.get(f"/t/{thread.thread_id}")).text
    assert "Urgent things first." in visitor
    assert _forms(visitor, reply) == set()
    assert f'href="/t/{thread.thread_id}/how-we-triage-in-2026#post-{reply}"' in visitor
    # Its author edits and deletes it (and may answer it); a member likes, answers and reports
    # it; the community's facilitator may also remove it
    async with signed_in(node, "cai", PASSWORD) as cai:
        assert _forms(await cai.page(f"/t/{thread.thread_id}"), reply) == {
            "like", "edit", "delete", "reply",
        }  # fmt: skip
    async with signed_in(node, "bea", PASSWORD) as bea:
        page = await bea.page(f"/t/{thread.thread_id}")
        assert _forms(page, reply) == {"like", "reply", "report"}
        assert "Remove reply" not in page
    async with signed_in(node, "ada", PASSWORD) as ada:
        page = await ada.page(f"/t/{thread.thread_id}")
        assert _forms(page, reply) == {"like", "reply", "report", "moderate", "kb"}
        assert 'Remove reply<span class="visually-hidden"> by cai</span>' in page


async def test_a_strangers_edit_and_delete_are_refused_and_change_nothing(thread: Thread) -> None:
    node, reply = thread.node, thread.reply_id
    async with signed_in(node, "bea", PASSWORD) as bea:
        await bea.csrf(f"/t/{thread.thread_id}")
        deleted = await bea.submit(f"/t/{reply}/delete", confirmed="yes")
        edited = await bea.submit(f"/t/{reply}/edit", content="Bea was here")
        editor = await bea.http.get(f"/t/{reply}/edit")
    assert deleted.status_code == 403, deleted.text
    assert "only its author" in deleted.text
    assert edited.status_code == 403, edited.text
    assert editor.status_code == 404
    # And someone not signed in is sent to sign in
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        anonymous = await http.post(
            f"/t/{reply}/delete", headers={"Host": node.config.domain}, data={"csrf": "x"}
        )
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/login")
    stored = await reading.post_by_id(node.pool, reply)
    assert stored is not None
    assert stored.post.deleted_at is None
    assert stored.post.content.strip() == "<p>Urgent things first.</p>"


async def test_the_author_deletes_their_reply(thread: Thread) -> None:
    node, reply = thread.node, thread.reply_id
    async with signed_in(node, "cai", PASSWORD) as cai:
        await cai.csrf(f"/t/{thread.thread_id}")
        asked = await cai.submit(f"/t/{reply}/delete")
        deleted = await cai.submit(f"/t/{reply}/delete", confirmed="yes")
    # The first press asks what deleting will do; only the confirmed one deletes
    assert asked.status_code == 200 and "Delete the reply" in asked.text
    assert deleted.status_code == 303
    assert deleted.headers["location"] == f"/t/{thread.thread_id}"
    stored = await reading.post_by_id(node.pool, reply)
    assert stored is not None and stored.post.deleted_at is not None


async def test_the_thread_is_read_at_its_slug_and_at_its_bare_id(thread: Thread) -> None:
    node, number = thread.node, thread.thread_id
    slugged = f"/t/{number}/how-we-triage-in-2026"
    at_slug = await node.get(slugged)
    assert at_slug.status_code == 200
    assert "How we triage, in 2026?" in at_slug.text
    assert f'<link rel="canonical" href="{slugged}">' in at_slug.text
    # The id alone serves the same thread, naming the slugged address as its own
    bare = await node.get(f"/t/{number}")
    assert bare.status_code == 200
    assert f'<link rel="canonical" href="{slugged}">' in bare.text
    # A wrong or outdated slug is corrected, keeping the query
    wrong = await node.get(f"/t/{number}/how-we-sort?sort=old")
    assert wrong.status_code == 301
    assert wrong.headers["location"] == slugged + "?sort=old"
    # The community's list links to the slugged address
    assert f'href="{slugged}"' in (await node.get("/c/stewards")).text
    # No slug makes another post's page: a reply's number with a slug is not a thread's page
    assert (await node.get("/t/999999/how-we-triage-in-2026")).status_code == 404
    # The thread's feed links to the same addresses, a reply's at the reply
    feed = (await node.get(f"/t/{number}/feed.atom")).text
    assert f'href="{node.base}{slugged}"' in feed
    assert f'href="{node.base}/t/{number}#post-{thread.reply_id}"' in feed
    # A page's name is never taken for a slug, nor is a reply given one
    assert (await node.get(f"/t/{thread.reply_id}/delete")).headers["location"] == (
        f"/t/{number}#post-{thread.reply_id}"
    )


async def test_a_replys_own_addresses_open_the_thread_at_it(thread: Thread) -> None:
    node, reply = thread.node, thread.reply_id
    at_reply = f"/t/{thread.thread_id}/how-we-triage-in-2026#post-{reply}"
    # A browser opening the reply's number, or its ActivityPub id, lands at it in its thread
    for address in (f"/t/{reply}", thread.reply_uri.removeprefix(node.base)):
        opened = await node.get(address, headers=HTML)
        assert opened.status_code == 302, address
        assert opened.headers["location"] == at_reply
    # A script reading the page gets the thread, the reply marked as the one asked for
    page = await node.get(f"/t/{reply}")
    assert page.status_code == 200
    assert f'class="reply depth-0 focused" id="post-{reply}" aria-current="true"' in page.text
    # And the ActivityPub id still gives ActivityPub's document
    document = await node.get(
        thread.reply_uri.removeprefix(node.base), headers={"Accept": "application/activity+json"}
    )
    assert document.status_code == 200
    assert document.json()["id"] == thread.reply_uri
