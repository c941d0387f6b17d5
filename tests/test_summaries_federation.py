"""A facilitator's summary across nodes, over real sockets: alpha hosts "stewards" (facilitator
fa); bea on beta and gus on gamma are members; mona follows the community from a
Mastodon-shaped server.

    bea asks from beta, gus answers from gamma; fa writes the summary on alpha's page, with
    links to the best replies -> a reply flagged fedcop:facilitatorSummary, announced like
    any reply -> beta and gamma show it at the top of the thread; mona is sent its id and
    fetches an ordinary reply. fa edits it (an Update); bea, made a facilitator, writes a new
    one from beta, which replaces it everywhere. A member's reply that claims to be a summary
    is an ordinary reply.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import moderation, oauth, post_changes, posts
from fedcop.services.moderation import Action
from fedcop.store import summaries as summary_store
from tests.live_node import LiveNode
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import Nodes, settle, stored, three_nodes
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

Scene = tuple[LiveNode, LiveNode, LiveNode, MicroblogServer]


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
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
            yield alpha, beta, gamma, masto


async def asked_and_answered(scene: Scene) -> tuple[Any, Any, Any]:
    """bea's thread (written on beta) and two replies: gus's from gamma, fa's from alpha."""
    alpha, beta, gamma, _ = scene
    community = f"{alpha.base}/c/stewards"
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bea",
        community_uri=community, title="Which checksum tool?", content="For fixity checks.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    best = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, content="sha256 with fixity, every month.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    other = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="fa",
        community_uri=community, content="We use md5 still.", in_reply_to=thread.uri,
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    return thread, best, other


async def current_summary_uri(node: LiveNode, thread_uri: str) -> str | None:
    async with node.pool.acquire() as conn:
        thread = await stored(node, thread_uri)
        summary = await summary_store.current_of(conn, thread.id)
    return summary.uri if summary is not None else None


async def test_a_facilitators_summary_is_shown_at_the_top_on_every_node(scene: Scene) -> None:
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    thread, best, _ = await asked_and_answered(scene)
    on_alpha = await stored(alpha, thread.uri)
    best_on_alpha = await stored(alpha, best.uri)
    before = len(masto.received)
    async with signed_in(alpha, "fa", "long enough") as fa:
        # Given fa opens the thread: it offers the summary
        page = await fa.page(f"/t/{on_alpha.id}")
        assert f"/t/{on_alpha.id}/summary" in page
        # When fa ticks gus's reply and inserts its link
        await fa.csrf(f"/t/{on_alpha.id}/summary")
        form = await fa.submit(
            f"/t/{on_alpha.id}/summary", action="insert", reply=str(best_on_alpha.id),
            content="Asked: which tool. Answered: sha256.",
        )  # fmt: skip
        assert form.status_code == 200
        assert f"]({best.uri})" in form.text and "sha256 with fixity" in form.text
        text = form.text.split('name="content" rows="12">', 1)[1].split("</textarea>", 1)[0]
        # and publishes the summary with it
        published = await fa.submit(
            f"/t/{on_alpha.id}/summary", action="publish", content=_unescaped(text)
        )
        assert published.status_code == 303
        await settle(*nodes)
        summary_uri = await current_summary_uri(alpha, thread.uri)
        assert summary_uri is not None
        # Then alpha's page shows it at the top, as the facilitator's, linking gus's reply
        page = await fa.page(f"/t/{on_alpha.id}")
        top = page.split('id="summary-heading"', 1)[1].split('id="replies-heading"', 1)[0]
        assert "Facilitator's summary" in page and "facilitator" in top
        assert "Answered: sha256." in top and f'href="{best.uri}"' in top
    # and beta (the asker's node) and gamma show the same reply as the summary
    for node in (beta, gamma):
        assert await current_summary_uri(node, thread.uri) == summary_uri, node.base
    async with signed_in(gamma, "gus", "long enough") as gus:
        on_gamma = await stored(gamma, thread.uri)
        page = await gus.page(f"/t/{on_gamma.id}")
        top = page.split('id="summary-heading"', 1)[1].split('id="replies-heading"', 1)[0]
        assert "Answered: sha256." in top
        # gus is no facilitator: nothing offers him to write one, and the form refuses him
        assert f"/t/{on_gamma.id}/summary" not in page
        assert (await gus.http.get(f"/t/{on_gamma.id}/summary")).status_code == 403

    # and Mastodon apps on gamma see an ordinary reply in the thread's context
    token = await oauth.admin_token(gamma.pool, "gus", "read")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{gamma.port}") as http:
        context = await http.get(
            f"/api/v1/statuses/{on_gamma.id}/context",
            headers={"Host": gamma.config.domain, "Authorization": f"Bearer {token}"},
        )
    assert context.status_code == 200, context.text
    statuses = [s for s in context.json()["descendants"] if s["uri"] == summary_uri]
    assert len(statuses) == 1
    assert statuses[0]["in_reply_to_id"] == str(on_gamma.id)
    assert "Answered: sha256." in statuses[0]["content"]

    # And mona's server was sent the summary's id, as it is for a new thread
    announced = [a["object"] for a in masto.received[before:] if a.get("type") == "Announce"]
    assert summary_uri in announced
    assert all(isinstance(item, str) for item in announced)
    # and what it fetches is an ordinary reply to the thread, the flag beside it
    served = await fetched(alpha, summary_uri)
    assert served["type"] == "Note" and served["inReplyTo"] == thread.uri
    assert served["attributedTo"] == f"{alpha.base}/u/fa"
    assert "Answered: sha256." in served["content"]
    assert served["fedcop:facilitatorSummary"] is True
    assert {"fedcop": "https://fedcop.org/ns#"} in served["@context"]

    # When fa edits the summary (the same form, now with her text)
    async with signed_in(alpha, "fa", "long enough") as fa:
        page = await fa.page(f"/t/{on_alpha.id}/summary")
        assert "Answered: sha256." in page
        await fa.csrf(f"/t/{on_alpha.id}/summary")
        edited = await fa.submit(
            f"/t/{on_alpha.id}/summary", action="publish",
            content="Asked: which tool. Answered: sha256, monthly.",
        )  # fmt: skip
        assert edited.status_code == 303
    await settle(*nodes)
    # Then it is the same reply, edited everywhere, still the summary
    for node in nodes:
        assert await current_summary_uri(node, thread.uri) == summary_uri, node.base
        assert "sha256, monthly." in (await stored(node, summary_uri)).content, node.base


async def test_a_remote_facilitator_writes_a_summary_that_replaces_the_current_one(
    scene: Scene,
) -> None:
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    thread, _, _ = await asked_and_answered(scene)
    # Given fa's summary, and bea made a facilitator by fa
    on_alpha = await stored(alpha, thread.uri)
    first = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="fa",
        community_uri=f"{alpha.base}/c/stewards", content="First summary.",
        in_reply_to=thread.uri, facilitator_summary=True,
    )  # fmt: skip
    await moderation.act(
        alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
        community_uri=f"{alpha.base}/c/stewards",
        action=Action("add_facilitator", f"{beta.base}/u/bea"),
    )  # fmt: skip
    await settle(*nodes)
    assert await current_summary_uri(gamma, thread.uri) == first.uri
    # When bea writes one from beta's page
    async with signed_in(beta, "bea", "long enough") as bea:
        page = await bea.page(f"/t/{thread.id}")
        assert f"/t/{thread.id}/summary" in page
        form = await bea.page(f"/t/{thread.id}/summary")
        assert "It replaces the summary" in form
        await bea.csrf(f"/t/{thread.id}/summary")
        sent = await bea.submit(
            f"/t/{thread.id}/summary", action="publish", content="Second summary, from beta."
        )
        assert sent.status_code == 303
    await settle(*nodes)
    # Then hers is the summary on every node; fa's stays as a reply
    second = await current_summary_uri(beta, thread.uri)
    assert second is not None and second != first.uri
    for node in nodes:
        assert await current_summary_uri(node, thread.uri) == second, node.base
        assert (await stored(node, first.uri)).facilitator_summary, node.base
    # And when hers is deleted, fa's is the summary again
    await post_changes.delete(beta.pool, beta.config, author="bea", post_uri=second)
    await settle(*nodes)
    for node in nodes:
        assert await current_summary_uri(node, thread.uri) == first.uri, node.base
    assert on_alpha.id


async def test_a_members_reply_that_claims_to_be_a_summary_is_an_ordinary_reply(
    scene: Scene,
) -> None:
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    thread, best, _ = await asked_and_answered(scene)
    # gus (no facilitator) cannot write one on his node
    with pytest.raises(posts.InvalidInput):
        await posts.write(
            gamma.pool, gamma.config, gamma.app.state.network, author="gus",
            community_uri=f"{alpha.base}/c/stewards", content="My summary.",
            in_reply_to=thread.uri, facilitator_summary=True,
        )  # fmt: skip
    # and his reply, edited by him to say it is one, stays an ordinary reply at alpha
    document = await fetched(gamma, best.uri)
    claimed = {
        "type": "Update",
        "actor": f"{gamma.base}/u/gus",
        "object": {**document, "content": "<p>Summary!</p>", "fedcop:facilitatorSummary": True},
    }
    assert await post_changes.receive_update(alpha.pool, alpha.config, claimed)
    await settle(*nodes)
    assert (await stored(alpha, best.uri)).content == "<p>Summary!</p>"
    assert not (await stored(alpha, best.uri)).facilitator_summary
    assert await current_summary_uri(alpha, thread.uri) is None
    # and a summary answers the thread itself, not one of its replies
    with pytest.raises(posts.InvalidInput):
        await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="fa",
            community_uri=f"{alpha.base}/c/stewards", content="Summary of a reply?",
            in_reply_to=(await stored(alpha, best.uri)).uri, facilitator_summary=True,
        )  # fmt: skip


async def fetched(origin: LiveNode, uri: str) -> dict[str, Any]:
    response = await origin.get(
        uri.removeprefix(origin.base), headers={"Accept": "application/activity+json"}
    )
    assert response.status_code == 200, response.text
    document = response.json()
    assert isinstance(document, dict)
    return document


def _unescaped(html_text: str) -> str:
    import html

    return html.unescape(html_text).lstrip("\n")
