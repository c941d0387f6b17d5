"""Facilitators settle questions wherever they were asked, and a question whose answer goes is
no longer solved; over real sockets. alpha hosts "stewards" (facilitator fa), bea on beta and
gus on gamma are members.

    bea asks from beta; fa accepts gus's answer on alpha's page -> fa's Update of bea's thread,
    announced by the community -> beta (the asker's node) and gamma show it solved; fa
    withdraws it the same way.
    gus deletes his accepted answer (or fa removes it) -> unsolved on every node.
    bea, made a facilitator, accepts an answer from beta for a thread written on alpha (or on
    gamma) -> her Update goes to the community, which takes it from a facilitator and
    announces it.
"""

from __future__ import annotations

from typing import Any

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import moderation, post_changes, posts, questions
from fedcop.services.moderation import Action
from tests.live_node import LiveNode
from tests.microblog_server import microblog_server
from tests.scene import Nodes, settle, stored, three_nodes
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

STEWARDS = "/c/stewards"


def community(alpha: LiveNode) -> str:
    return f"{alpha.base}{STEWARDS}"


async def question_and_answer(
    nodes: Nodes, asker: tuple[LiveNode, str], answerer: tuple[LiveNode, str], title: str
) -> tuple[Any, Any]:
    alpha = nodes[0]
    node, name = asker
    thread = await posts.write(
        node.pool, node.config, node.app.state.network, author=name,
        community_uri=community(alpha), title=title, content="Any advice?", question=True,
    )  # fmt: skip
    await settle(*nodes)
    node, name = answerer
    answer = await posts.write(
        node.pool, node.config, node.app.state.network, author=name,
        community_uri=community(alpha), content=f"My answer to {title}.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    await settle(*nodes)
    return thread, answer


async def solved_titles(node: LiveNode, handle: str) -> str:
    async with signed_in(node, *_person(node)) as browser:
        return await browser.page(f"/c/{handle}?filter=solved")


def _person(node: LiveNode) -> tuple[str, str]:
    return {"alpha": "fa", "beta": "bea", "gamma": "gus"}[node.config.domain.split(".")[0]], (
        "long enough"
    )


async def test_a_facilitator_on_the_communitys_node_settles_a_question_asked_elsewhere(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        thread, answer = await question_and_answer(
            nodes, (beta, "bea"), (gamma, "gus"), "Which checksum tool?"
        )
        on_alpha = await stored(alpha, thread.uri)
        answer_on_alpha = await stored(alpha, answer.uri)
        # When fa accepts gus's answer on alpha's page of bea's thread
        async with signed_in(alpha, "fa", "long enough") as fa:
            page = await fa.page(f"/t/{on_alpha.id}")
            assert "Accept as the answer" in page
            await fa.csrf(f"/t/{on_alpha.id}")
            accepted = await fa.submit(f"/t/{on_alpha.id}/accept", answer=str(answer_on_alpha.id))
            assert accepted.status_code == 303, accepted.text
        await settle(*nodes)
        # Then every node, the asker's among them, shows it solved by gus's reply
        for node in nodes:
            assert (await stored(node, thread.uri)).accepted_answer_uri == answer.uri, node.base
        # and beta serves bea's thread with it, so whoever fetches it later reads the same
        served = await beta.get(
            thread.uri.removeprefix(beta.base), headers={"Accept": "application/activity+json"}
        )
        assert served.json()["fedcop:acceptedAnswer"] == answer.uri
        # and bea, the asker, is told on beta
        async with beta.pool.acquire() as conn:
            told = await conn.fetchval(
                """
                SELECT count(*) FROM notifications n JOIN actors a ON a.id = n.recipient_id
                WHERE n.kind = 'answer_accepted' AND a.username = 'bea' AND a.domain IS NULL
                """
            )
        assert told == 1
        # When fa withdraws it
        await questions.accept(
            alpha.pool, alpha.config, by="fa", thread_id=on_alpha.id, answer_id=None
        )
        await settle(*nodes)
        # Then no node shows it solved
        for node in nodes:
            assert (await stored(node, thread.uri)).accepted_answer_uri is None, node.base


async def test_a_question_whose_answer_goes_is_no_longer_solved(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        # Given two questions of fa's, solved by gus's and bea's answers
        deleted_q, deleted_a = await question_and_answer(
            nodes, (alpha, "fa"), (gamma, "gus"), "Retention period?"
        )
        removed_q, removed_a = await question_and_answer(
            nodes, (alpha, "fa"), (beta, "bea"), "Naming files?"
        )
        for thread, answer in ((deleted_q, deleted_a), (removed_q, removed_a)):
            answer_here = await stored(alpha, answer.uri)
            await questions.accept(
                alpha.pool, alpha.config, by="fa", thread_id=thread.id, answer_id=answer_here.id
            )
        await settle(*nodes)
        assert "Retention period?" in await solved_titles(gamma, f"stewards@{alpha.config.domain}")
        # When gus deletes his answer, and fa removes bea's
        await post_changes.delete(gamma.pool, gamma.config, author="gus", post_uri=deleted_a.uri)
        await moderation.act(
            alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
            community_uri=community(alpha), action=Action("remove", removed_a.uri, "off topic"),
        )  # fmt: skip
        await settle(*nodes)
        # Then neither question is solved anywhere: not in the rows, nor the Solved filter
        for node in nodes:
            for thread in (deleted_q, removed_q):
                kept = await stored(node, thread.uri)
                assert kept.is_question and kept.accepted_answer_id is None, node.base
        for node, handle in ((alpha, "stewards"), (gamma, f"stewards@{alpha.config.domain}")):
            solved = await solved_titles(node, handle)
            assert "Retention period?" not in solved and "Naming files?" not in solved
        # nor on the wire, nor on the question's page
        served = await alpha.get(
            deleted_q.uri.removeprefix(alpha.base),
            headers={"Accept": "application/activity+json"},
        )
        assert served.json()["fedcop:acceptedAnswer"] is None
        async with signed_in(alpha, "fa", "long enough") as fa:
            page = await fa.page(f"/t/{deleted_q.id}")
            assert "Question: no accepted answer yet" in page
            assert 'id="accepted-heading"' not in page


async def test_a_remote_facilitator_settles_a_question_from_their_own_node(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        # Given bea made a facilitator, fa's question and gus's answer
        await moderation.act(
            alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
            community_uri=community(alpha),
            action=Action("add_facilitator", f"{beta.base}/u/bea"),
        )  # fmt: skip
        thread, answer = await question_and_answer(
            nodes, (alpha, "fa"), (gamma, "gus"), "Backups offsite?"
        )
        on_beta = await stored(beta, thread.uri)
        answer_on_beta = await stored(beta, answer.uri)
        # When bea accepts gus's answer on beta's page
        async with signed_in(beta, "bea", "long enough") as bea:
            await bea.csrf(f"/t/{on_beta.id}")
            accepted = await bea.submit(f"/t/{on_beta.id}/accept", answer=str(answer_on_beta.id))
            assert accepted.status_code == 303, accepted.text
        await settle(*nodes)
        # Then alpha took it from its facilitator and every node shows it solved
        for node in nodes:
            assert (await stored(node, thread.uri)).accepted_answer_uri == answer.uri, node.base
        # But gus, no facilitator, is refused by alpha when he tries the same by hand
        on_alpha = await stored(alpha, thread.uri)
        document = (
            await alpha.get(
                thread.uri.removeprefix(alpha.base),
                headers={"Accept": "application/activity+json"},
            )
        ).json()
        forged = {
            "type": "Update",
            "actor": f"{gamma.base}/u/gus",
            "object": {**document, "fedcop:acceptedAnswer": None},
        }
        try:
            await post_changes.receive_update(alpha.pool, alpha.config, forged)
        except post_changes.Refused:
            pass
        else:
            raise AssertionError("a member who is no facilitator changed the question")
        assert (await stored(alpha, thread.uri)).accepted_answer_id == (
            await stored(alpha, answer.uri)
        ).id
        assert on_alpha.is_question
        # And a question written on a third node (gamma) she settles from beta just the same
        elsewhere, fa_answer = await question_and_answer(
            nodes, (gamma, "gus"), (alpha, "fa"), "Asked on gamma?"
        )
        async with signed_in(beta, "bea", "long enough") as bea:
            there = await stored(beta, elsewhere.uri)
            answer_there = await stored(beta, fa_answer.uri)
            await bea.csrf(f"/t/{there.id}")
            accepted = await bea.submit(f"/t/{there.id}/accept", answer=str(answer_there.id))
            assert accepted.status_code == 303, accepted.text
        await settle(*nodes)
        for node in nodes:
            kept = await stored(node, elsewhere.uri)
            assert kept.accepted_answer_uri == fa_answer.uri, node.base
        # and gamma, the asker's node, serves gus's thread with it
        served = await gamma.get(
            elsewhere.uri.removeprefix(gamma.base), headers={"Accept": "application/activity+json"}
        )
        assert served.json()["fedcop:acceptedAnswer"] == fa_answer.uri


async def test_a_question_state_from_someone_who_facilitates_nothing_is_refused(
    pg_cluster: EmbeddedPostgres,
) -> None:
    """The inbox lets in an Update of a question's state embedding a thread of another server
    (a facilitator elsewhere may send one); from anyone else it is rejected, nothing changes."""
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        thread, answer = await question_and_answer(
            nodes, (beta, "bea"), (gamma, "gus"), "Which checksum tool?"
        )
        document = (
            await beta.get(
                thread.uri.removeprefix(beta.base),
                headers={"Accept": "application/activity+json"},
            )
        ).json()
        with microblog_server("masto") as masto:
            forged = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{masto.user}#updates/1",
                "type": "Update",
                "actor": masto.user,
                "object": {**document, "fedcop:acceptedAnswer": answer.uri},
            }
            assert (await post(alpha, encoded(forged), masto.sender)).status_code == 202
            await settle(*nodes)
            async with alpha.pool.acquire() as conn:
                row = await conn.fetchrow(
                    "SELECT state, last_error FROM inbound_activities WHERE activity_id = $1",
                    forged["id"],
                )
            assert row is not None and row["state"] == "rejected"
            assert "facilitator" in row["last_error"]
            for node in nodes:
                assert (await stored(node, thread.uri)).accepted_answer_id is None, node.base
            # while an edit of another server's post, with no question state, stays a 400
            edit = {
                **forged,
                "id": f"{masto.user}#updates/2",
                "object": {"id": answer.uri, "type": "Note", "content": "<p>Forged</p>"},
            }
            refused = await post(alpha, encoded(edit), masto.sender)
            assert refused.status_code == 400
