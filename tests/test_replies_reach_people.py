"""Replies and mentions reach people, on whatever server they are.

A reply written here is addressed to the author of the post it answers, and a post to everyone
it names (`@name`, `@name@host`): each is in `cc` and tagged as a `Mention` (href: their actor
id; name: `@name@host`), which is what Mastodon reads to notify them
(app/lib/activitypub/activity/create.rb: `process_tags` -> `process_mention` for the tag,
`process_audience` for `cc`), and the Create is delivered to their server's shared inbox,
besides the community. People here are told in their notifications.

mona is on a small Mastodon-shaped server (tests/microblog_server.py) that verifies every
signature and records what it receives; the community is on alpha, gus on gamma. Everything
goes over real sockets.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, post_changes, posts
from fedcop.store import actors as actor_store
from fedcop.store.posts import Post
from tests.api.conftest import api_user
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import settle, stored
from tests.signed_requests import encoded, post

AP = {"Accept": "application/activity+json"}
Setting = tuple[LiveNode, LiveNode, MicroblogServer]


@pytest.fixture
async def setting(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Setting]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        community = await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(gamma.pool, gamma.config, "gus", "long enough")
        await follows.follow_remote(
            gamma.pool, gamma.config, gamma.app.state.network, "gus", community.uri
        )
        await settle(alpha, gamma)
        with microblog_server("masto") as masto:
            # mona's server knows the keys of everyone who writes to her here
            for node, name in ((alpha, "fa"), (alpha, "stewards"), (gamma, "gus")):
                async with node.pool.acquire() as conn:
                    local = await actor_store.find_local(conn, name)
                assert local is not None
                masto.known_keys[local.actor.public_key_id] = local.actor.public_key_pem
            yield alpha, gamma, masto


def masto_handle(masto: MicroblogServer) -> str:
    return f"@mona@{masto.origin.split('://', 1)[1]}"


async def mona_asks(alpha: LiveNode, gamma: LiveNode, masto: MicroblogServer) -> dict[str, Any]:
    """mona posts a question into the community from her server, by mentioning it."""
    community = f"{alpha.base}/c/stewards"
    question = masto.status(
        f'<p><span class="h-card"><a href="{community}" class="u-url mention">@<span>stewards'
        "</span></a></span> Has anyone migrated from DSpace 6?</p>",
        cc=[f"{masto.user}/followers", community, f"{community}/followers"],
        tag=[{"type": "Mention", "href": community, "name": f"@stewards@{alpha.config.domain}"}],
    )
    assert (await post(alpha, encoded(masto.create(question)), masto.sender)).status_code == 202
    await settle(alpha, gamma)
    assert await stored(gamma, question["id"]) is not None
    return question


def creates_of(masto: MicroblogServer, post_uri: str) -> list[tuple[dict[str, Any], str]]:
    """The Creates of `post_uri` mona's server received, with the inbox each was posted to."""
    return [
        (activity, path)
        for activity, path in zip(masto.received, masto.received_at, strict=True)
        if activity["type"] == "Create" and activity["object"]["id"] == post_uri
    ]


async def notified(node: LiveNode, name: str, post_uri: str) -> list[str]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            """
            SELECT n.kind FROM notifications n
            JOIN actors a ON a.id = n.recipient_id JOIN posts p ON p.id = n.post_id
            WHERE a.username = $1 AND a.domain IS NULL AND p.uri = $2
            """,
            name,
            post_uri,
        )
    return [row["kind"] for row in rows]


async def test_every_answer_reaches_the_asker_with_a_mention(setting: Setting) -> None:
    alpha, gamma, masto = setting
    question = await mona_asks(alpha, gamma, masto)
    community = f"{alpha.base}/c/stewards"
    # When fa answers on the community's own node, and gus from another node
    on_alpha = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="fa",
        community_uri=community, content="Yes, last year.", in_reply_to=question["id"],
    )  # fmt: skip
    on_gamma = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, content="We did too.", in_reply_to=question["id"],
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then mona's server received each answer's Create, once, at its shared inbox
    for answer, author in ((on_alpha, f"{alpha.base}/u/fa"), (on_gamma, f"{gamma.base}/u/gus")):
        received = creates_of(masto, answer.uri)
        assert [path for _, path in received] == ["/inbox"], answer.uri
        create = received[0][0]
        assert create["actor"] == author
        note = create["object"]
        # addressed to her, and tagged as a Mention of her: what makes Mastodon notify her
        assert masto.user in note["cc"] and masto.user in create["cc"]
        mentions = [t for t in note["tag"] if t["type"] == "Mention"]
        assert {"type": "Mention", "href": masto.user, "name": masto_handle(masto)} in mentions
        # besides the community, as before
        assert community in note["to"] and note["audience"] == community
        assert note["inReplyTo"] == question["id"]
    # And every node keeps both answers in the thread
    for node in (alpha, gamma):
        root = await stored(node, question["id"])
        assert root.reply_count == 2
    # When gus answers fa's answer (a nested reply)
    nested = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, content="Which tool?", in_reply_to=on_alpha.uri,
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then it is addressed to fa, whom it answers, and to mona, who asked: she hears of it too
    ((create, _),) = creates_of(masto, nested.uri)
    assert create["object"]["cc"][-2:] == [f"{alpha.base}/u/fa", masto.user]
    assert await notified(alpha, "fa", nested.uri) == ["mention"]


async def test_a_handle_named_in_the_text_is_looked_up_linked_and_delivered(
    setting: Setting,
) -> None:
    alpha, gamma, masto = setting
    community = f"{alpha.base}/c/stewards"
    handle = masto_handle(masto)
    # Given mona is not known on gamma yet
    async with gamma.pool.acquire() as conn:
        assert await actor_store.find_by_uri(conn, masto.user) is None
    # When gus starts a thread that names her
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, title="Migration notes",
        content=(
            f"{handle} knows DSpace 7 well. Also `{handle}` in code stays text. "
            "@ghost@nowhere.test:1 never answers."
        ),
    )  # fmt: skip
    await settle(alpha, gamma)
    # (a handle whose server cannot be reached is left as text: the post went out all the same)
    assert "@ghost@nowhere.test:1 never answers" in (await stored(gamma, thread.uri)).content
    # Then she was looked up (WebFinger, then her actor) and her handle links to her
    kept = await stored(gamma, thread.uri)
    assert f'<a href="{masto.user}" class="u-url mention"' in kept.content
    assert kept.content.count("u-url mention") == 1  # not inside the code span
    # And her server received the thread as a Note, its title first, with her Mention
    ((create, path),) = creates_of(masto, thread.uri)
    note = create["object"]
    assert path == "/inbox"
    assert note["type"] == "Note" and note["name"] == "Migration notes"
    assert note["content"].startswith("<p><strong>Migration notes</strong></p>")
    assert masto.user in note["cc"] and not any("ghost" in a for a in note["cc"])
    assert any(t.get("href") == masto.user for t in note["tag"] if t["type"] == "Mention")
    # while the community received the threadiverse form, a Page, and keeps the thread titled
    on_alpha = await stored(alpha, thread.uri)
    assert on_alpha.title == "Migration notes" and on_alpha.object_type == "Page"
    assert "<strong>Migration notes</strong>" not in on_alpha.content
    # And the document at the thread's id names her too (servers refetch by id)
    served = (await gamma.get(thread.uri.removeprefix(gamma.base), headers=AP)).json()
    assert masto.user in served["cc"]


async def test_people_here_are_notified_of_answers_and_mentions(setting: Setting) -> None:
    alpha, gamma, masto = setting
    community = f"{alpha.base}/c/stewards"
    await accounts.create_user(alpha.pool, alpha.config, "ann", "long enough")
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=community, title="Retention", content="How long do you keep logs?",
    )  # fmt: skip
    await settle(alpha, gamma)
    # When fa answers gus's thread and names ann (here) and gus (on gamma) by their handles
    answer = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="fa",
        community_uri=community, in_reply_to=thread.uri,
        content=f"Ten years. @ann and @gus@{gamma.config.domain} wrote our policy.",
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then ann is told on alpha, and gus on gamma, once, as a mention
    assert await notified(alpha, "ann", answer.uri) == ["mention"]
    assert await notified(gamma, "gus", answer.uri) == ["mention"]
    # And the answer names both as Mentions (gus also answered, as the thread's author)
    served = (await alpha.get(answer.uri.removeprefix(alpha.base), headers=AP)).json()
    hrefs = [t["href"] for t in served["tag"] if t["type"] == "Mention"]
    assert hrefs == [community, f"{gamma.base}/u/gus", f"{alpha.base}/u/ann"]
    # And mona, named nowhere, received nothing of it
    assert creates_of(masto, answer.uri) == []


async def test_a_members_only_answer_never_reaches_outsiders(setting: Setting) -> None:
    alpha, gamma, masto = setting
    # Given a private community on alpha whose only member elsewhere is gus
    private = await accounts.create_community(
        alpha.pool, alpha.config, "board", title="Board", owner="fa", private=True
    )
    await follows.follow_remote(
        gamma.pool, gamma.config, gamma.app.state.network, "gus", private.uri
    )
    await settle(alpha, gamma)
    await follows.decide_request(
        alpha.pool, alpha.config, "board", f"{gamma.base}/u/gus", approve=True
    )
    await settle(alpha, gamma)
    # When fa names mona (an outsider) and gus (a member) in a thread there
    thread: Post = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="fa",
        community_uri=private.uri, title="Budget",
        content=f"{masto_handle(masto)} and @gus@{gamma.config.domain}: figures attached.",
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then nothing reached mona's server, and she is neither addressed nor tagged
    assert creates_of(masto, thread.uri) == []
    async with alpha.pool.acquire() as conn:
        mentioned = await conn.fetch(
            "SELECT a.uri FROM post_mentions m JOIN actors a ON a.id = m.actor_id "
            "WHERE m.post_id = $1",
            thread.id,
        )
    assert [row["uri"] for row in mentioned] == [f"{gamma.base}/u/gus"]
    # while gus, a member, has it and is told
    assert await stored(gamma, thread.uri) is not None
    assert await notified(gamma, "gus", thread.uri) == ["mention"]


async def test_a_reply_through_the_client_api_reaches_the_asker(setting: Setting) -> None:
    alpha, gamma, masto = setting
    question = await mona_asks(alpha, gamma, masto)
    ann = await api_user(alpha.app, alpha.config, "ann")
    masto.known_keys[ann.actor.public_key_id] = ann.actor.public_key_pem
    asked = await stored(alpha, question["id"])
    assert asked is not None
    # When ann answers from a Mastodon app
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}") as http:
        response = await http.post(
            "/api/v1/statuses",
            headers={"Host": alpha.config.domain, **ann.auth},
            json={"status": "We used the migration scripts.", "in_reply_to_id": str(asked.id)},
        )
    assert response.status_code == 200, response.text
    status = response.json()
    await settle(alpha, gamma)
    # Then mona's server has the answer, addressed to her
    assert status["in_reply_to_id"] == str(asked.id)
    ((create, path),) = creates_of(masto, status["uri"])
    assert path == "/inbox"
    assert masto.user in create["object"]["cc"]
    assert any(t.get("href") == masto.user for t in create["object"]["tag"])


async def test_edits_and_deletion_reach_the_same_people(setting: Setting) -> None:
    alpha, gamma, masto = setting
    question = await mona_asks(alpha, gamma, masto)
    answer = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="fa",
        community_uri=f"{alpha.base}/c/stewards", in_reply_to=question["id"],
        content=f"Ask {masto_handle(masto)} about it.",
    )  # fmt: skip
    await settle(alpha, gamma)
    # When fa edits the answer, then deletes it
    edited = await post_changes.edit(
        alpha.pool, alpha.config, author="fa", post_uri=answer.uri,
        content=f"Ask {masto_handle(masto)} about it, she did it last year.",
    )  # fmt: skip
    assert f'<a href="{masto.user}" class="u-url mention"' in edited.content
    await settle(alpha, gamma)
    await post_changes.delete(alpha.pool, alpha.config, author="fa", post_uri=answer.uri)
    await settle(alpha, gamma)
    # Then mona's server got the Update, still addressed to her, and the Delete
    updates = [a for a in masto.received if a["type"] == "Update"]
    assert [u["object"]["id"] for u in updates] == [answer.uri]
    assert masto.user in updates[0]["object"]["cc"]
    assert "last year" in updates[0]["object"]["content"]
    deletes = [a for a in masto.received if a["type"] == "Delete"]
    assert [d["object"] for d in deletes] == [answer.uri]
    assert masto.user in deletes[0]["cc"]
