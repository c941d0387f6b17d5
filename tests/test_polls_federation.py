"""Polls across servers, over real sockets: alpha hosts "stewards" (facilitator fa); bea on beta
and gus on gamma are members; mona, on a Mastodon-shaped server, follows the community.

    fa starts a thread with a poll on alpha's page -> a Question (oneOf, endTime, votersCount)
      mona votes as Mastodon does (a Note named for the option, to fa alone) -> counted, shown on
      the page and in the client API, never kept as a reply; the counts go out in an Update
      (to mona's server too), at most one a minute, driven by the inbox worker
      votes after the end, for an unknown option, twice, or a second on a oneOf -> refused
    mona's Mastodon poll (a real Mastodon Question, tests/data/real/) mentions the community ->
      kept with its options; fa votes -> mona's server receives the vote Note; her Update's
      counts are applied
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import posts
from fedcop.services.polls import drafts, upkeep, voting
from fedcop.store import users as user_store
from tests.live_node import LiveNode
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import Nodes, settle, stored, three_nodes
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

REAL = Path(__file__).parent / "data" / "real"
Scene = tuple[LiveNode, LiveNode, LiveNode, MicroblogServer]


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        community = f"{alpha.base}/c/stewards"
        with microblog_server("masto") as masto:
            async with alpha.pool.acquire() as conn:
                for row in await conn.fetch(
                    "SELECT public_key_id, public_key_pem FROM actors WHERE uri = ANY($1)",
                    [community, f"{alpha.base}/u/fa"],
                ):
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


def vote_from(masto: MicroblogServer, question: str, author: str, option: str) -> dict[str, Any]:
    """A vote exactly as Mastodon sends it (ActivityPub::VoteSerializer)."""
    vote_id = f"{masto.user}#votes/{uuid.uuid4().int}"
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{vote_id}/activity",
        "type": "Create",
        "actor": masto.user,
        "to": author,
        "object": {
            "id": vote_id,
            "type": "Note",
            "name": option,
            "attributedTo": masto.user,
            "to": author,
            "inReplyTo": question,
        },
    }


async def send(node: LiveNode, masto: MicroblogServer, activity: dict[str, Any]) -> None:
    assert (await post(node, encoded(activity), masto.sender)).status_code == 202


async def inbound_outcome(node: LiveNode, activity_id: str) -> tuple[str, str | None]:
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, reason FROM inbound_activities WHERE activity_id = $1", activity_id
        )
    assert row is not None, activity_id
    return row["state"], row["reason"]


async def counts(node: LiveNode, post_id: int) -> list[int]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT votes_count FROM poll_options WHERE post_id = $1 ORDER BY position", post_id
        )
    return [row["votes_count"] for row in rows]


def updates_of(masto: MicroblogServer, uri: str) -> list[dict[str, Any]]:
    return [
        a["object"]
        for a in masto.received
        if a.get("type") == "Update" and isinstance(a.get("object"), dict)
        and a["object"].get("id") == uri
    ]  # fmt: skip


async def fa_starts_a_poll(alpha: LiveNode, **extra: str) -> tuple[int, str]:
    """fa writes a thread with a poll on the community's page: (its number, its id)."""
    async with signed_in(alpha, "fa", "long enough") as fa:
        await fa.csrf("/c/stewards")
        started = await fa.submit(
            "/c/stewards/threads", title="Which checksum?", content="For fixity checks.",
            poll_options="SHA-256\nMD5\nBLAKE3", poll_duration="86400", **extra,
        )  # fmt: skip
        assert started.status_code == 303, started.text
    number = int(started.headers["location"].rsplit("/", 1)[1])
    async with alpha.pool.acquire() as conn:
        uri = await conn.fetchval("SELECT uri FROM posts WHERE id = $1", number)
    return number, uri


async def test_a_mastodon_vote_is_counted_shown_and_sent_back(scene: Scene) -> None:
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    number, uri = await fa_starts_a_poll(alpha)
    await settle(*nodes)
    # The thread is a Question, as Mastodon serves a poll
    served = await alpha.get(f"/p/{number}", headers={"Accept": "application/activity+json"})
    document = served.json()
    assert document["type"] == "Question"
    assert [o["name"] for o in document["oneOf"]] == ["SHA-256", "MD5", "BLAKE3"]
    assert all(o["type"] == "Note" and o["replies"]["totalItems"] == 0 for o in document["oneOf"])
    assert document["endTime"].endswith("Z") and "closed" not in document
    assert document["votersCount"] == 0 and document["name"] == "Which checksum?"
    # and the members' fedcop nodes keep it with its options
    on_gamma = await stored(gamma, uri)
    async with gamma.pool.acquire() as conn:
        kept = await conn.fetch(
            "SELECT title FROM poll_options WHERE post_id = $1 ORDER BY position", on_gamma.id
        )
    assert [row["title"] for row in kept] == ["SHA-256", "MD5", "BLAKE3"]

    # When mona votes from her Mastodon server
    vote = vote_from(masto, uri, f"{alpha.base}/u/fa", "BLAKE3")
    await send(alpha, masto, vote)
    await settle(*nodes)
    # Then it is counted, and is no reply
    assert await inbound_outcome(alpha, vote["id"]) == ("done", None)
    assert await counts(alpha, number) == [0, 0, 1]
    async with alpha.pool.acquire() as conn:
        assert (
            await conn.fetchval("SELECT count(*) FROM posts WHERE in_reply_to_uri = $1", uri) == 0
        )
    # the thread's page shows the count, and the client API too
    page = (await alpha.get(f"/t/{number}")).text
    assert "1 person voted" in page and "1 vote" in page.split("BLAKE3", 1)[1]
    api = (await alpha.get(f"/api/v1/polls/{number}")).json()
    assert api["votes_count"] == 1 and api["voters_count"] == 1 and api["expired"] is False
    assert [o["votes_count"] for o in api["options"]] == [0, 0, 1]
    status = (await alpha.get(f"/api/v1/statuses/{number}")).json()
    assert status["poll"]["options"][2] == {"title": "BLAKE3", "votes_count": 1}
    # mona's server receives the Update carrying the count; gamma applies it from the community
    sent = updates_of(masto, uri)
    assert sent and sent[-1]["type"] == "Question"
    assert [o["replies"]["totalItems"] for o in sent[-1]["oneOf"]] == [0, 0, 1]
    assert sent[-1]["votersCount"] == 1
    assert await counts(gamma, on_gamma.id) == [0, 0, 1]

    # When gus votes from gamma, the Update waits for its minute (no second one now)
    before = len(updates_of(masto, uri))
    await voting.vote(gamma.pool, gamma.config, await user(gamma, "gus"), on_gamma.id, [0])
    await settle(*nodes)
    assert await counts(alpha, number) == [1, 0, 1]
    assert len(updates_of(masto, uri)) == before
    assert await counts(gamma, on_gamma.id) == [1, 0, 1]  # its own vote, counted at once
    # a minute later (the inbox worker's upkeep, moved forward instead of waited for) it goes
    assert await upkeep.run(alpha.pool, alpha.config, datetime.now(UTC) + timedelta(minutes=2))
    await settle(*nodes)
    assert [o["replies"]["totalItems"] for o in updates_of(masto, uri)[-1]["oneOf"]] == [1, 0, 1]
    async with signed_in(gamma, "gus", "long enough") as gus:
        shown = await gus.page(f"/t/{on_gamma.id}")
    assert "(your choice)" in shown.split("SHA-256", 1)[1].split("MD5", 1)[0]

    # Votes the poll refuses change nothing, each with its reason
    twice = vote_from(masto, uri, f"{alpha.base}/u/fa", "BLAKE3")
    another = vote_from(masto, uri, f"{alpha.base}/u/fa", "MD5")
    unknown = vote_from(masto, uri, f"{alpha.base}/u/fa", "CRC32")
    for refused in (twice, another, unknown):
        await send(alpha, masto, refused)
    await settle(*nodes)
    assert "already" in str((await inbound_outcome(alpha, twice["id"]))[1])
    assert "single-choice" in str((await inbound_outcome(alpha, another["id"]))[1])
    assert "not an option" in str((await inbound_outcome(alpha, unknown["id"]))[1])
    for refused in (twice, another, unknown):
        assert (await inbound_outcome(alpha, refused["id"]))[0] == "rejected"
    assert await counts(alpha, number) == [1, 0, 1]

    # When the poll ends, it closes: final counts with `closed`, and gus is told on gamma
    async with alpha.pool.acquire() as conn:
        await conn.execute(
            "UPDATE polls SET ends_at = now() - interval '1 minute' WHERE post_id = $1", number
        )
    await settle(*nodes)
    closing = updates_of(masto, uri)[-1]
    assert "closed" in closing
    late = vote_from(masto, uri, f"{alpha.base}/u/fa", "BLAKE3")
    await send(alpha, masto, late)
    await settle(*nodes)
    assert await inbound_outcome(alpha, late["id"]) == (
        "rejected",
        "the poll has ended: it takes no more votes",
    )
    assert await counts(alpha, number) == [1, 0, 1]
    assert (await alpha.get(f"/api/v1/polls/{number}")).json()["expired"] is True
    async with gamma.pool.acquire() as conn:
        told = await conn.fetchval(
            "SELECT count(*) FROM notifications WHERE kind = 'poll' AND post_id = $1", on_gamma.id
        )
        closed = await conn.fetchval("SELECT closed_at FROM polls WHERE post_id = $1", on_gamma.id)
    assert told == 1 and closed is not None


async def test_hidden_totals_stay_hidden_until_the_end(scene: Scene) -> None:
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    number, uri = await fa_starts_a_poll(alpha, poll_hide_totals="on")
    await send(alpha, masto, vote_from(masto, uri, f"{alpha.base}/u/fa", "MD5"))
    await settle(*nodes)
    assert await counts(alpha, number) == [0, 1, 0]  # counted,
    # but shown nowhere: not on the wire, the page, or the client API
    document = await alpha.get(f"/p/{number}", headers={"Accept": "application/activity+json"})
    assert all("totalItems" not in o["replies"] for o in document.json()["oneOf"])
    assert "The results are shown when voting ends" in (await alpha.get(f"/t/{number}")).text
    api = (await alpha.get(f"/api/v1/polls/{number}")).json()
    assert [o["votes_count"] for o in api["options"]] == [None, None, None]
    assert updates_of(masto, uri) == []  # no counts sent while hidden
    # Until it ends
    await upkeep.run(alpha.pool, alpha.config, datetime.now(UTC) + timedelta(days=2))
    await settle(*nodes)
    final = updates_of(masto, uri)[-1]
    assert [o["replies"]["totalItems"] for o in final["oneOf"]] == [0, 1, 0] and "closed" in final
    api = (await alpha.get(f"/api/v1/polls/{number}")).json()
    assert [o["votes_count"] for o in api["options"]] == [0, 1, 0]


async def test_a_member_here_votes_in_a_mastodon_poll(scene: Scene) -> None:
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    # Given mona's poll: a real Mastodon Question, from her server, mentioning the community
    real = json.loads((REAL / "mastodon/activities/mastodon-question-activity.json").read_text())
    question = copy.deepcopy(real["object"])
    question_id = f"{masto.user}/statuses/{uuid.uuid4().int}"
    ends = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    community = f"{alpha.base}/c/stewards"
    question.update(
        id=question_id, attributedTo=masto.user, url=question_id, endTime=ends,
        published=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        cc=[f"{masto.user}/followers", community], atomUri=question_id,
        content=f'<p><span class="h-card"><a href="{community}">@stewards</a></span> '
        "Which checksum do you trust?</p>",
        tag=[{"type": "Mention", "href": community, "name": f"@stewards@{alpha.config.domain}"}],
    )  # fmt: skip
    masto.statuses[question_id] = question
    create = {**real, "id": f"{question_id}/activity", "actor": masto.user, "object": question}
    create["cc"] = question["cc"]
    await send(alpha, masto, create)
    await settle(*nodes)
    kept = await stored(alpha, question_id)
    assert kept is not None and kept.object_type == "Question"
    assert await counts(alpha, kept.id) == [0, 1, 0, 1]
    # When fa votes on alpha's page
    async with signed_in(alpha, "fa", "long enough") as fa:
        await fa.csrf(f"/t/{kept.id}")
        voted = await fa.submit(f"/t/{kept.id}/vote", choice="2")
        assert voted.status_code == 303
        await settle(*nodes)
        page = await fa.page(f"/t/{kept.id}")
    # Then mona's server receives the vote Note, as Mastodon counts it
    votes = [
        a for a in masto.received
        if a.get("type") == "Create" and isinstance(a.get("object"), dict)
        and a["object"].get("inReplyTo") == question_id
    ]  # fmt: skip
    assert len(votes) == 1
    note = votes[0]["object"]
    assert note["type"] == "Note" and note["name"] == "25 char limit is dumb"
    assert note["attributedTo"] == f"{alpha.base}/u/fa" and note["to"] == [masto.user]
    assert "content" not in note and votes[0]["actor"] == f"{alpha.base}/u/fa"
    # who voted for what is nobody else's: the vote's ids, like Mastodon's, are fragments of
    # fa's id, and no activity of alpha's served at /activities/N is a vote
    assert note["id"].startswith(f"{alpha.base}/u/fa#votes/")
    assert votes[0]["id"] == note["id"] + "/activity"
    async with alpha.pool.acquire() as conn:
        served = await conn.fetchval(
            "SELECT count(*) FROM outbound_activities WHERE uri LIKE '%/activities/%'"
            " AND document->'object'->>'inReplyTo' = $1",
            question_id,
        )
    assert served == 0
    # fa sees their choice, counted until mona's server says otherwise
    assert "(your choice)" in page.split("25 char limit is dumb", 1)[1].split("</tr>", 1)[0]
    assert await counts(alpha, kept.id) == [0, 1, 1, 1]
    # a second vote on this single-choice poll is refused, and nothing more is sent
    async with signed_in(alpha, "fa", "long enough") as fa:
        await fa.csrf(f"/t/{kept.id}")
        again = await fa.submit(f"/t/{kept.id}/vote", choice="0")
        assert again.status_code in (400, 422) and "single-choice" in again.text
    await settle(*nodes)
    assert len([a for a in masto.received if a.get("type") == "Create"]) == len(votes)
    # When mona's server sends its counts (an Update of the Question), they are applied
    updated = copy.deepcopy(question)
    for option, total in zip(updated["oneOf"], [3, 1, 5, 1], strict=True):
        option["replies"]["totalItems"] = total
    updated["votersCount"] = 10
    update = {
        "@context": real["@context"], "id": f"{question_id}#updates/1", "type": "Update",
        "actor": masto.user, "to": question["to"], "cc": question["cc"], "object": updated,
    }  # fmt: skip
    await send(alpha, masto, update)
    await settle(*nodes)
    assert await counts(alpha, kept.id) == [3, 1, 5, 1]
    api = (await alpha.get(f"/api/v1/polls/{kept.id}")).json()
    assert api["voters_count"] == 10
    # and Mastodon apps here show it as Mastodon does: the text once, the poll beside it
    status = (await alpha.get(f"/api/v1/statuses/{kept.id}")).json()
    assert status["content"].count("Which checksum do you trust?") == 1
    assert [o["title"] for o in status["poll"]["options"]][2] == "25 char limit is dumb"


async def user(node: LiveNode, name: str) -> Any:
    async with node.pool.acquire() as conn:
        found = await user_store.find_by_name(conn, name)
    assert found is not None
    return found


def test_poll_drafts_are_bounded() -> None:
    for bad in (
        drafts.PollDraft(["only one"]),
        drafts.PollDraft([f"option {n}" for n in range(11)]),
        drafts.PollDraft(["a" * 101, "b"]),
        drafts.PollDraft(["same", "same"]),
        drafts.PollDraft(["a", "b"], expires_in=60),
        drafts.PollDraft(["a", "b"], expires_in=10**8),
    ):
        with pytest.raises(posts.InvalidInput):
            drafts.checked(bad)
    assert drafts.checked(drafts.PollDraft([" a ", "b", ""])).options == ["a", "b"]


async def test_several_choices_in_one_create_as_gotosocial_sends_them(scene: Scene) -> None:
    """GoToSocial's shape (tests/data/real/gotosocial/activities/create_poll_votes.json): one
    Create carrying a vote Note per option. Counted on a multiple-choice poll; refused whole on
    a single-choice one."""
    alpha, beta, gamma, masto = scene
    nodes: Nodes = (alpha, beta, gamma)
    real = json.loads((REAL / "gotosocial/activities/create_poll_votes.json").read_text())
    several, several_uri = await fa_starts_a_poll(alpha, poll_multiple="on")
    single, single_uri = await fa_starts_a_poll(alpha)
    sent = []
    for uri in (several_uri, single_uri):
        create = copy.deepcopy(real)
        create.update(id=f"{masto.user}/activity#vote/{uri}", actor=masto.user)
        create["to"] = f"{alpha.base}/u/fa"
        for note, option in zip(create["object"], ["SHA-256", "BLAKE3"], strict=True):
            note.update(
                id=f"{masto.user}#{uuid.uuid4().int}/votes/1", attributedTo=masto.user,
                inReplyTo=uri, name=option, to=f"{alpha.base}/u/fa",
            )  # fmt: skip
        await send(alpha, masto, create)
        sent.append(create)
    await settle(*nodes)
    assert await inbound_outcome(alpha, sent[0]["id"]) == ("done", None)
    assert await counts(alpha, several) == [1, 0, 1]
    state, reason = await inbound_outcome(alpha, sent[1]["id"])
    assert state == "rejected" and "single-choice" in str(reason)
    assert await counts(alpha, single) == [0, 0, 0]
    async with alpha.pool.acquire() as conn:
        voters = await conn.fetchval("SELECT voters_count FROM polls WHERE post_id = $1", several)
    assert voters == 1
