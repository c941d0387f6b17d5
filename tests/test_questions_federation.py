"""A question's state across nodes, over real sockets: alpha hosts "stewards" (facilitator fa);
bea on beta and gus on gamma are members, and mona follows the community from a Mastodon-shaped
server.

    bea asks from beta (the thread is hers, on beta); gus answers from gamma; bea accepts the
    answer on beta's pages -> her Update goes to the community, alpha applies it (she is the
    author) and announces it -> gamma shows it solved, gus is told; mona receives ordinary
    Page/Note fare with fedcop's extra properties, which she may ignore.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import post_changes, posts
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


def handle(alpha: LiveNode) -> str:
    return f"stewards@{alpha.config.domain}"


async def test_an_answer_accepted_from_the_askers_node_shows_everywhere(scene: Scene) -> None:
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    # Given bea asks a question on beta's page of alpha's community
    async with signed_in(beta, "bea", "long enough") as bea:
        await bea.csrf(f"/c/{handle(alpha)}")
        asked = await bea.submit(
            f"/c/{handle(alpha)}/threads", title="Which checksum tool?",
            content="For fixity checks.", question="on",
        )  # fmt: skip
        assert asked.status_code == 303
        await settle(*nodes)
        on_beta = await stored_by_title(beta, "Which checksum tool?")
        assert on_beta.is_question
        # Then alpha and gamma know it is a question
        assert (await stored(alpha, on_beta.uri)).is_question
        assert (await stored(gamma, on_beta.uri)).is_question
        # When gus answers from gamma
        answer = await posts.write(
            gamma.pool, gamma.config, gamma.app.state.network, author="gus",
            community_uri=f"{alpha.base}/c/stewards", content="sha256 with fixity.",
            in_reply_to=on_beta.uri,
        )  # fmt: skip
        await settle(*nodes)
        answer_on_beta = await stored(beta, answer.uri)
        # and bea accepts it on beta's page
        await bea.csrf(f"/t/{on_beta.id}")
        accepted = await bea.submit(f"/t/{on_beta.id}/accept", answer=str(answer_on_beta.id))
        assert accepted.status_code == 303
        await settle(*nodes)
    # Then the question is solved on every node, with gus's reply as its answer
    for node in nodes:
        question = await stored(node, on_beta.uri)
        assert question.is_question, node.base
        assert question.accepted_answer_uri == answer.uri, node.base
    # and gamma's page shows it solved; gus is told
    on_gamma = await stored(gamma, on_beta.uri)
    async with signed_in(gamma, "gus", "long enough") as gus:
        page = await gus.page(f"/t/{on_gamma.id}")
        assert "Solved question" in page
        assert "sha256 with fixity." in page.split('id="accepted-heading"', 1)[1]
        solved = await gus.page(f"/c/{handle(alpha)}?filter=solved")
        assert "Which checksum tool?" in solved
    async with gamma.pool.acquire() as conn:
        told = await conn.fetchval(
            "SELECT count(*) FROM notifications WHERE kind = 'answer_accepted' AND post_id = $1",
            (await stored(gamma, answer.uri)).id,
        )
    assert told == 1

    # And the question as any server fetches it from beta is an ordinary Page/Note, the fedcop
    # properties beside its usual fields under a declared prefix
    latest = await fetched(alpha, beta, on_beta.uri)
    assert latest["type"] in ("Page", "Note", "Article")
    assert isinstance(latest["content"], str) and latest["content"]
    assert latest["attributedTo"] == f"{beta.base}/u/bea"
    assert latest["fedcop:question"] is True
    assert latest["fedcop:acceptedAnswer"] == answer.uri
    assert {"fedcop": "https://fedcop.org/ns#"} in latest["@context"]
    # and the Update alpha relayed to gamma carried them, with the prefix in its context
    async with gamma.pool.acquire() as conn:
        relayed = await conn.fetchval(
            """
            SELECT document->'object' FROM inbound_activities
            WHERE activity_type = 'Announce' AND document->'object'->>'type' = 'Update'
              AND document->'object'->'object'->>'fedcop:acceptedAnswer' = $1
            """,
            answer.uri,
        )
    assert relayed is not None


async def test_a_mastodon_follower_reads_the_question_as_an_ordinary_post(scene: Scene) -> None:
    """A microblog follower is sent a new thread's id and fetches it (as for every thread;
    edits, this Update among them, go to the threadiverse members' servers): what it fetches
    is an ordinary Page/Note, the question's state beside its usual fields."""
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    # Given fa asks on alpha (the community's own node) and gus answers
    async with signed_in(alpha, "fa", "long enough") as fa:
        await fa.csrf("/c/stewards")
        asked = await fa.submit(
            "/c/stewards/threads", title="Retention?", content="How long?", question="on"
        )
        question_id = int(asked.headers["location"].rsplit("/", 1)[1])
        await settle(*nodes)
        question = await stored_by_title(alpha, "Retention?")
        answer = await posts.write(
            gamma.pool, gamma.config, gamma.app.state.network, author="gus",
            community_uri=f"{alpha.base}/c/stewards", content="Seven years.",
            in_reply_to=question.uri,
        )  # fmt: skip
        await settle(*nodes)
        announced = [a["object"] for a in masto.received if a.get("type") == "Announce"]
        assert question.uri in announced
        before = len(masto.received)
        # When fa accepts gus's answer
        await fa.csrf(f"/t/{question_id}")
        answer_here = await stored(alpha, answer.uri)
        response = await fa.submit(f"/t/{question_id}/accept", answer=str(answer_here.id))
        assert response.status_code == 303
        await settle(*nodes)
    # Then whatever mona's server got since is what it gets for any edit (nothing it cannot read)
    for activity in masto.received[before:]:
        assert activity["type"] == "Announce" and isinstance(activity["object"], str)
    # and the thread as it fetches it has its accepted answer beside what Mastodon reads
    served = await fetched(alpha, alpha, question.uri)
    assert served["type"] in ("Page", "Note")
    assert served["attributedTo"] == f"{alpha.base}/u/fa"
    assert "How long?" in served["content"] and served["name"] == "Retention?"
    assert served["fedcop:question"] is True
    assert served["fedcop:acceptedAnswer"] == answer.uri
    context = served["@context"]
    assert {"fedcop": "https://fedcop.org/ns#"} in context
    # and beta, a fedcop member node, shows it solved
    assert (await stored(beta, question.uri)).accepted_answer_uri == answer.uri


async def fetched(_community_node: LiveNode, origin: LiveNode, uri: str) -> dict[str, Any]:
    path = uri.removeprefix(origin.base)
    response = await origin.get(path, headers={"Accept": "application/activity+json"})
    assert response.status_code == 200, response.text
    document = response.json()
    assert isinstance(document, dict)
    return document


async def stored_by_title(node: LiveNode, title: str) -> Any:
    async with node.pool.acquire() as conn:
        uri = await conn.fetchval("SELECT uri FROM posts WHERE title = $1", title)
    assert isinstance(uri, str)
    return await stored(node, uri)


async def test_odd_or_foreign_question_state_changes_nothing(scene: Scene) -> None:
    """Only the question's author sets its state by Update; odd values count as absent, and an
    answer from another thread is no answer."""
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    community = f"{alpha.base}/c/stewards"
    question = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bea",
        community_uri=community, title="Which checksum tool?", content="For fixity.",
    )  # fmt: skip
    elsewhere = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bea",
        community_uri=community, title="Meetup", content="When?",
    )  # fmt: skip
    await settle(*nodes)
    stray = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, content="Tuesday.", in_reply_to=elsewhere.uri,
    )  # fmt: skip
    await settle(*nodes)
    document = await fetched(alpha, beta, question.uri)

    def update(actor: str, **fields: Any) -> dict[str, Any]:
        return {"type": "Update", "actor": actor, "object": {**document, **fields}}

    # gus is not the author: refused, nothing changes
    with pytest.raises(post_changes.ChangeRefused):
        await post_changes.receive_update(
            alpha.pool, alpha.config,
            update(f"{gamma.base}/u/gus", **{"fedcop:question": True}),
        )  # fmt: skip
    assert not (await stored(alpha, question.uri)).is_question
    # Odd values from the author are no statement about the question
    for odd in ("yes", 1, None, {"id": True}):
        await post_changes.receive_update(
            alpha.pool, alpha.config, update(f"{beta.base}/u/bea", **{"fedcop:question": odd})
        )
        assert not (await stored(alpha, question.uri)).is_question, odd
    # A question whose "answer" is a reply of another thread (or not a URL) has none
    for answer in (stray.uri, 42, ["x"], "javascript:alert(1)"):
        await post_changes.receive_update(
            alpha.pool, alpha.config,
            update(
                f"{beta.base}/u/bea", **{"fedcop:question": True, "fedcop:acceptedAnswer": answer}
            ),
        )  # fmt: skip
        after = await stored(alpha, question.uri)
        assert after.is_question and after.accepted_answer_id is None, answer


async def test_a_question_that_stops_being_one_stops_everywhere(scene: Scene) -> None:
    alpha, beta, gamma, _ = scene
    nodes: Nodes = (alpha, beta, gamma)
    async with signed_in(beta, "bea", "long enough") as bea:
        await bea.csrf(f"/c/{handle(alpha)}")
        await bea.submit(
            f"/c/{handle(alpha)}/threads", title="Is this a question?", content="Maybe.",
            question="on",
        )  # fmt: skip
        await settle(*nodes)
        thread = await stored_by_title(beta, "Is this a question?")
        assert (await stored(gamma, thread.uri)).is_question
        # When bea says it is not one after all
        await bea.csrf(f"/t/{thread.id}")
        assert (await bea.submit(f"/t/{thread.id}/question")).status_code == 303
        await settle(*nodes)
    # Then alpha and gamma follow
    assert not (await stored(alpha, thread.uri)).is_question
    assert not (await stored(gamma, thread.uri)).is_question
