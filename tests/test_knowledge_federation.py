"""The knowledge base across nodes, over real sockets: alpha hosts "stewards" (facilitator
fa); bea on beta and gus on gamma are members; mona follows the community from a
Mastodon-shaped server.

    bea asks from beta; gus answers from gamma; bea accepts the answer from beta; alpha and
    gamma show it solved; fa turns it into a page on alpha -> beta and gamma keep a copy;
    gus edits the copy on gamma -> his Update goes to the community, alpha takes it as
    version 2 and announces it; bea's edit of version 1, sent from beta before beta heard of
    version 2, is refused as a conflict (Reject with the current page) and beta shows both
    texts; she edits again from the current version; history and diff show every edit on
    alpha and on gamma's copy; fa restores version 1 and gamma's copy follows. mona gets the
    question, and a plain Note for the new page and for each change.
"""

from __future__ import annotations

import html
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import follows, oauth, posts, questions
from fedcop.services.knowledge import editing, from_posts, history, pages, remote_edits
from fedcop.services.knowledge.editing import EditConflict
from fedcop.store import actors as actor_store
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from tests.live_node import LiveNode
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import Nodes, settle, stored, three_nodes
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

Scene = tuple[LiveNode, LiveNode, LiveNode, MicroblogServer]
AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    async with three_nodes(pg_cluster) as nodes:
        alpha, _, _ = nodes
        community = f"{alpha.base}/c/stewards"
        with microblog_server("masto") as masto:
            async with alpha.pool.acquire() as conn:
                row = await conn.fetchrow(
                    "SELECT public_key_id, public_key_pem FROM actors WHERE uri = $1", community
                )
            masto.known_keys[row["public_key_id"]] = row["public_key_pem"]
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{masto.user}#follows/{uuid.uuid4().int}",
                "type": "Follow",
                "actor": masto.user,
                "object": community,
            }
            assert (await post(alpha, encoded(follow), masto.sender)).status_code == 202
            await settle(*nodes)
            yield (*nodes, masto)


def remote(alpha: LiveNode) -> str:
    """How beta and gamma name alpha's community."""
    return f"stewards@{alpha.config.domain}"


async def copy_of(node: LiveNode, page_uri: str) -> tuple[Any, list[Any]]:
    """A node's page row for `page_uri` and its versions, newest first."""
    async with node.pool.acquire() as conn:
        page = await page_store.find_by_ap_id(conn, page_uri)
        assert page is not None, node.base
        return page, await version_store.history(conn, page.id)


async def actor_id(node: LiveNode, uri: str) -> int:
    async with node.pool.acquire() as conn:
        found = await actor_store.find_by_uri(conn, uri)
    assert found is not None
    return found.id


async def test_a_solved_question_becomes_a_page_edited_across_nodes(scene: Scene) -> None:
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    community = f"{alpha.base}/c/stewards"
    # Given bea asks from beta, gus answers from gamma, and bea accepts the answer from beta
    asked = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bea", community_uri=community,
        title="Which checksum tool?", content="For fixity checks.", question=True,
    )  # fmt: skip
    await settle(*nodes)
    answer = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, content="sha256deep, run monthly.", in_reply_to=asked.uri,
    )  # fmt: skip
    await settle(*nodes)
    answer_on_beta = await stored(beta, answer.uri)
    await questions.accept(
        beta.pool, beta.config, by="bea", thread_id=asked.id, answer_id=answer_on_beta.id
    )
    await settle(*nodes)
    # Then alpha and gamma show it solved
    for node in (alpha, gamma):
        assert (await stored(node, asked.uri)).accepted_answer_uri == answer.uri, node.base

    # When fa, alpha's facilitator, turns it into a page
    question_on_alpha = await stored(alpha, asked.uri)
    made = await from_posts.page_from_post(
        alpha.pool, alpha.config, by="fa", post_id=question_on_alpha.id
    )
    page_uri = made.page.ap_id
    slug = made.page.slug
    assert page_uri == f"{community}/kb/{slug}"
    await settle(*nodes)
    # Then beta and gamma keep a copy, at version 1, written by fa
    for node in (beta, gamma):
        page, versions = await copy_of(node, page_uri)
        assert page.current_version == 1 and [v.version for v in versions] == [1]
        assert "sha256deep" in versions[0].markdown
        assert versions[0].editor_actor_id == await actor_id(node, f"{alpha.base}/u/fa")

    # When gus edits it from gamma
    first = made.version
    gus_text = first.markdown + "\n\nAlso verify after every migration."
    sent = await remote_edits.propose(
        gamma.pool, gamma.config, community=remote(alpha), slug=slug, by="gus",
        base_version=1, title=first.title, markdown=gus_text, note="migrations",
    )  # fmt: skip
    # Then, until the community answers, gamma shows it waiting, and its copy is unchanged
    assert sent.state == "sent"
    gamma_gus = await actor_id(gamma, f"{gamma.base}/u/gus")
    waiting = await remote_edits.latest(gamma.pool, sent.page_id, gamma_gus)
    assert waiting is not None and waiting.waiting
    assert (await copy_of(gamma, page_uri))[0].current_version == 1
    # When the community takes it (gamma sends, alpha handles and announces), while beta has
    # not heard of it yet
    await gamma.drain()
    await alpha.drain()
    async with alpha.pool.acquire() as conn:
        on_alpha = await page_store.find_by_ap_id(conn, page_uri)
    assert on_alpha is not None and on_alpha.current_version == 2
    # and bea edits version 1 from beta, whose copy still shows version 1
    bea_text = first.markdown + "\n\nKeep the manifests with the files."
    conflicting = await remote_edits.propose(
        beta.pool, beta.config, community=remote(alpha), slug=slug, by="bea",
        base_version=1, title=first.title, markdown=bea_text,
    )  # fmt: skip
    assert conflicting.state == "sent"
    await settle(*nodes)
    # Then alpha saved nothing of hers: version 2 is gus's text
    _, versions = await copy_of(alpha, page_uri)
    assert [v.version for v in versions] == [2, 1]
    assert versions[0].markdown == gus_text
    assert versions[0].editor_actor_id == await actor_id(alpha, f"{gamma.base}/u/gus")
    assert "manifests" not in "".join(v.markdown for v in versions)
    # and beta shows bea her edit conflicted, with her text and the current one
    beta_bea = await actor_id(beta, f"{beta.base}/u/bea")
    state = await remote_edits.latest(beta.pool, conflicting.page_id, beta_bea)
    assert state is not None and state.conflicted
    assert state.edit.markdown == bea_text
    assert state.edit.current_markdown == gus_text and state.edit.version == 2
    assert state.edit.reason is not None and "conflict" in state.edit.reason
    # and gamma shows gus his edit taken, as version 2
    taken = await remote_edits.latest(gamma.pool, sent.page_id, gamma_gus)
    assert taken is not None and taken.accepted and taken.edit.version == 2
    # and every copy is at version 2
    for node in (beta, gamma):
        page, versions = await copy_of(node, page_uri)
        assert page.current_version == 2 and versions[0].markdown == gus_text, node.base
    # and a concurrent edit of version 1 made on alpha itself is a conflict too, saving nothing
    with pytest.raises(EditConflict) as local_conflict:
        await editing.edit(
            alpha.pool, alpha.config, community="stewards", slug=slug, by="fa",
            base_version=1, title=first.title, markdown="fa's own take",
        )  # fmt: skip
    assert local_conflict.value.current.markdown == gus_text
    assert local_conflict.value.markdown == "fa's own take"
    # and an edit of version 1 sent again from beta is refused there at once, nothing sent
    with pytest.raises(EditConflict) as at_once:
        await remote_edits.propose(
            beta.pool, beta.config, community=remote(alpha), slug=slug, by="bea",
            base_version=1, title=first.title, markdown=bea_text,
        )  # fmt: skip
    assert at_once.value.current.markdown == gus_text and at_once.value.markdown == bea_text

    # When bea resolves it: she edits again from the current version
    merged = gus_text + "\n\nKeep the manifests with the files."
    await remote_edits.propose(
        beta.pool, beta.config, community=remote(alpha), slug=slug, by="bea",
        base_version=2, title=first.title, markdown=merged, note="manifests",
    )  # fmt: skip
    await settle(*nodes)
    # Then history and diff show both edits, on alpha and on gamma's copy
    for node, name, viewer in (
        (alpha, "stewards", None),
        (gamma, remote(alpha), gamma_gus),
    ):
        changes = await history.history(node.pool, node.config, name, slug, viewer)
        assert [c.version.version for c in changes.changes] == [3, 2, 1], node.base
        assert [c.editor.uri for c in changes.changes] == [
            f"{beta.base}/u/bea", f"{gamma.base}/u/gus", f"{alpha.base}/u/fa"
        ], node.base  # fmt: skip
        assert [c.version.note for c in changes.changes][:2] == ["manifests", "migrations"]
        compared = await history.compare(node.pool, node.config, name, slug, viewer, old=1, new=3)
        added = str(compared.diff)
        assert "migration" in added and "manifests" in added, node.base

    # When fa restores version 1 on alpha
    await editing.restore(
        alpha.pool, alpha.config, community="stewards", slug=slug, by="fa", version=1
    )
    await settle(*nodes)
    # Then gamma's copy is at version 4, version 1's text again, saying so
    page, versions = await copy_of(gamma, page_uri)
    assert page.current_version == 4
    assert versions[0].markdown == first.markdown and versions[0].restored_from == 1

    # And the Article alpha serves is the page at version 4, owned by the community
    response = await alpha.get(page_uri.removeprefix(alpha.base), headers=AP)
    assert response.status_code == 200
    article = response.json()
    assert article["type"] == "Article" and article["id"] == page_uri
    assert article["attributedTo"] == community and article["audience"] == community
    assert article["name"] == first.title and article["fedcop:version"] == 4
    assert article["source"] == {"content": first.markdown, "mediaType": "text/markdown"}
    assert "sha256deep" in article["content"]
    assert {"fedcop": "https://fedcop.org/ns#"} in article["@context"]
    # and its history, newest first, each version with its editor and text
    collection = await alpha.get(f"{page_uri.removeprefix(alpha.base)}/history", headers=AP)
    assert collection.json()["totalItems"] == 4
    first_page = await alpha.get(collection.json()["first"].removeprefix(alpha.base), headers=AP)
    items = first_page.json()["orderedItems"]
    assert [item["fedcop:version"] for item in items] == [4, 3, 2, 1]
    assert items[2]["attributedTo"] == f"{gamma.base}/u/gus"
    assert items[2]["source"]["content"] == gus_text

    # And mona, on a Mastodon-shaped server, got the question and a plain Note for the new
    # page and for each change: nothing but what Mastodon reads as ordinary posts
    announced = [a["object"] for a in masto.received if a["type"] == "Announce"]
    assert asked.uri in announced
    # and the answer, boosted by the community as an ordinary reply (an answer to a question
    # reaches the community's followers; other replies are read from the thread)
    assert answer.uri in announced
    served = (await beta.get(asked.uri.removeprefix(beta.base), headers=AP)).json()
    assert served["type"] == "Note" and "For fixity checks." in served["content"]
    replies = (await beta.get(f"{asked.uri.removeprefix(beta.base)}/replies", headers=AP)).json()
    assert answer.uri in replies["orderedItems"]
    reply = (await gamma.get(answer.uri.removeprefix(gamma.base), headers=AP)).json()
    assert reply["type"] == "Note" and reply["inReplyTo"] == asked.uri
    notes = [a["object"] for a in masto.received if a["type"] == "Create"]
    assert [note["url"] for note in notes] == [page_uri] * 4
    assert "New page" in notes[0]["content"] and page_uri in notes[0]["content"]
    for activity in masto.received:
        if activity["type"] == "Accept":  # of her Follow
            assert activity["object"]["actor"] == masto.user
            continue
        assert activity["type"] in ("Announce", "Create"), activity
        if activity["type"] == "Announce":
            assert isinstance(activity["object"], str)
            continue
        note = activity["object"]
        assert note["type"] == "Note" and note["attributedTo"] == community
        assert isinstance(note["content"], str) and note["content"].startswith("<p>")
        assert "https://www.w3.org/ns/activitystreams#Public" in note["to"]
        # each Note is served at its id, as Mastodon may fetch it
        fetched = await alpha.get(note["id"].removeprefix(alpha.base), headers=AP)
        assert fetched.status_code == 200 and fetched.json()["content"] == note["content"]


async def test_members_elsewhere_read_and_edit_on_their_own_nodes_pages(scene: Scene) -> None:
    """The same flow as people see it on their own node's web pages: gamma's copy of the page,
    gus's edit waiting and then taken, bea's conflicting edit with both texts on beta, her
    edit sent again from the current version, and gus restoring the first version from
    gamma."""
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    made = await pages.create(
        alpha.pool, alpha.config, community="stewards", by="fa", title="Fixity checks",
        markdown="Run them monthly.",
    )  # fmt: skip
    await settle(*nodes)
    path = f"/c/{remote(alpha)}/kb/{made.page.slug}"
    async with (
        signed_in(gamma, "gus", "long enough") as gus,
        signed_in(beta, "bea", "long enough") as bea,
    ):
        # Given gus and bea read the page on their own nodes
        for browser in (gus, bea):
            shown = await browser.page(path)
            assert "Fixity checks" in shown and "Run them monthly." in shown
            assert "Version 1" in shown
            assert made.page.slug in await browser.page(f"/c/{remote(alpha)}/kb")
        # When gus edits it on gamma
        await gus.csrf(f"{path}/edit")
        sent = await gus.submit(
            f"{path}/edit", base_version="1", title="Fixity checks",
            markdown="Run them monthly, and after migrations.", note="",
        )  # fmt: skip
        assert sent.status_code == 303
        # Then his page says it is sent and waiting for the community
        waiting = await gus.page(path)
        assert "Your edit was sent to Data Stewards" in waiting
        assert "Waiting for the community" in waiting
        assert "Version 1" in waiting
        # When bea edits version 1 too, on beta, before either edit reaches alpha
        await bea.csrf(f"{path}/edit")
        await bea.submit(
            f"{path}/edit", base_version="1", title="Fixity checks",
            markdown="Run them weekly.", note="",
        )  # fmt: skip
        await gamma.drain()
        await alpha.drain()
        await settle(*nodes)
        # Then gus's edit is taken, and both copies show it
        taken = await gus.page(path)
        assert "Your edit was taken" in taken and "Version 2" in taken
        assert "after migrations" in taken
        # and bea's page says her edit conflicted, showing both texts
        conflicted = await bea.page(path)
        assert "Your edit conflicted" in conflicted
        assert "Run them weekly." in conflicted  # hers, in the form
        assert "Run them monthly, and after migrations." in conflicted  # the current text
        # and she is notified, wherever she is, by gus's version: the link leads to the page
        told = html.unescape(await bea.page("/notifications"))
        assert "your edit was not saved" in told and f'href="{path}"' in told
        assert "/u/gus" in told
        # and her Mastodon app shows it as an update by gus linking to the page
        token = await oauth.admin_token(beta.pool, "bea", "read")
        listed = await beta.get(
            "/api/v1/notifications", headers={"Authorization": f"Bearer {token}"}
        )
        conflicts = [n for n in listed.json() if n["status"]["url"] == f"{beta.base}{path}"]
        assert [(n["type"], n["account"]["username"]) for n in conflicts] == [("update", "gus")]
        # When she sends it again from the current version
        await bea.submit(
            f"{path}/edit", base_version="2", title="Fixity checks",
            markdown="Run them weekly, and after migrations.", note="weekly",
        )  # fmt: skip
        await settle(*nodes)
        # Then it is taken, and the history on gamma shows the three versions and their editors
        assert "Your edit was taken" in await bea.page(path)
        past = await gus.page(f"{path}/history")
        for name in ("fa", "gus", "bea"):
            assert f"/u/{name}" in past, name
        # When gus restores version 1 from gamma's history page
        await gus.csrf(f"{path}/history")
        restored = await gus.submit(f"{path}/restore", version="1")
        assert restored.status_code == 303
        assert "Your edit was sent" in await gus.page(path)
        await settle(*nodes)
        # Then the community made it version 4, version 1's text, and gamma shows it
        shown = await gus.page(path)
        assert "Your edit was taken" in shown and "Version 4" in shown
        assert "restores version 1" in shown and "Run them monthly." in shown
    _, versions = await copy_of(alpha, made.page.ap_id)
    assert versions[0].restored_from == 1
    assert [v.markdown for v in versions] == [
        "Run them monthly.",
        "Run them weekly, and after migrations.",
        "Run them monthly, and after migrations.",
        "Run them monthly.",
    ]


async def test_a_member_who_joins_later_gets_the_pages_and_their_history(scene: Scene) -> None:
    """gus leaves; a page is written and edited twice; gus joins again: gamma reads the
    community's pages (its knowledge base collection), each with the versions before the
    current one from the page's history collection, and goes on with the next version."""
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    community = f"{alpha.base}/c/stewards"
    await follows.unfollow_remote(gamma.pool, gamma.config, "gus", community)
    await settle(*nodes)
    # (someone opens the knowledge base on alpha: its charter page is made)
    assert (await alpha.get("/c/stewards/kb")).status_code == 200
    made = await pages.create(
        alpha.pool, alpha.config, community="stewards", by="fa", title="Formats",
        markdown="TIFF.",
    )  # fmt: skip
    slug = made.page.slug
    for base, text in ((1, "TIFF and PDF/A."), (2, "TIFF, PDF/A and WAV.")):
        await editing.edit(
            alpha.pool, alpha.config, community="stewards", slug=slug, by="fa",
            base_version=base, title="Formats", markdown=text, note=f"edit {base}",
        )  # fmt: skip
    await settle(*nodes)
    async with gamma.pool.acquire() as conn:
        assert await page_store.find_by_ap_id(conn, made.page.ap_id) is None
    # When gus joins again
    await follows.follow_remote(gamma.pool, gamma.config, gamma.app.state.network, "gus", community)
    await settle(*nodes)
    # Then gamma keeps the page with its whole history, as alpha kept it
    page, versions = await copy_of(gamma, made.page.ap_id)
    assert page.current_version == 3
    assert [v.markdown for v in versions] == ["TIFF, PDF/A and WAV.", "TIFF and PDF/A.", "TIFF."]
    _, on_alpha = await copy_of(alpha, made.page.ap_id)
    assert [v.note for v in versions] == [v.note for v in on_alpha]
    # (to the millisecond, as the wire says them)
    assert [v.created_at for v in versions] == [
        v.created_at.replace(microsecond=v.created_at.microsecond // 1000 * 1000) for v in on_alpha
    ]
    # and the community's charter page too
    listed = (await alpha.get("/c/stewards/kb", headers=AP)).json()
    assert made.page.ap_id in listed["orderedItems"]
    charter, _ = await copy_of(gamma, f"{community}/kb/charter")
    assert charter.is_charter
    # And when fa edits once more, the copy follows
    await editing.edit(
        alpha.pool, alpha.config, community="stewards", slug=slug, by="fa",
        base_version=3, title="Formats", markdown="TIFF, PDF/A, WAV and FLAC.", note="FLAC",
    )  # fmt: skip
    await settle(*nodes)
    page, versions = await copy_of(gamma, made.page.ap_id)
    assert page.current_version == 4 and versions[0].markdown == "TIFF, PDF/A, WAV and FLAC."


async def test_a_mastodon_reply_to_a_page_notice_is_ignored_with_a_reason(scene: Scene) -> None:
    """mona answers the Note that told her of a new page: a page takes no replies, so her
    reply is kept nowhere, and the inbox says why."""
    alpha, beta, gamma, masto = scene
    made = await pages.create(
        alpha.pool, alpha.config, community="stewards", by="fa", title="Glossary",
        markdown="Fixity: unchanged bits.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    notice = next(a["object"] for a in masto.received if a["type"] == "Create")
    reply = masto.status(
        "<p>Nice page!</p>", inReplyTo=notice["id"], cc=[f"{alpha.base}/c/stewards"]
    )
    assert (await post(alpha, encoded(masto.create(reply)), masto.sender)).status_code == 202
    await settle(alpha, beta, gamma)
    assert await stored(alpha, reply["id"]) is None
    assert await stored(alpha, notice["id"]) is None
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, reason FROM inbound_activities WHERE activity_id = $1",
            f"{reply['id']}/activity",
        )
    assert row["state"] == "ignored" and "pages take no replies" in row["reason"]
    assert made.page.ap_id.startswith(f"{alpha.base}/c/stewards/kb/")
