"""Facilitation across nodes: alpha hosts the community (facilitator fa), bea is a member on
beta, gus on gamma becomes a second facilitator. Each test asserts what every node stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import moderation, posts, reports
from fedcop.services.errors import InvalidInput
from fedcop.services.moderation import Action
from fedcop.store import moderation as mod_store
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, stored, three_nodes

AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


def community(alpha: LiveNode) -> str:
    return f"{alpha.base}/c/stewards"


async def thread_by_bea(nodes: Nodes) -> Any:
    alpha, beta, gamma = nodes
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=community(alpha), title="Retention", content="Ideas?",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    return thread


async def act(
    node: LiveNode, who: str, community_uri: str, kind: str, target: str, **fields: Any
) -> None:
    """`who`, a user on `node`, moderates the community."""
    await moderation.act(
        node.pool, node.config, node.app.state.network,
        moderator=who, community_uri=community_uri, action=Action(kind, target, **fields),
    )  # fmt: skip


async def test_a_facilitator_locks_a_thread_everywhere(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    await act(alpha, "fa", community(alpha), "lock", thread.uri)
    await settle(alpha, beta, gamma)
    for node in three:
        assert (await stored(node, thread.uri)).locked, node.base
    # A member elsewhere can no longer reply
    with pytest.raises(InvalidInput, match="locked"):
        await posts.write(
            gamma.pool, gamma.config, gamma.app.state.network,
            author="gus", community_uri=community(alpha), content="late", in_reply_to=thread.uri,
        )  # fmt: skip
    # Unlocking opens it again everywhere
    await act(alpha, "fa", community(alpha), "unlock", thread.uri)
    await settle(alpha, beta, gamma)
    for node in three:
        assert not (await stored(node, thread.uri)).locked, node.base


async def test_a_facilitator_on_another_node_pins_and_removes(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    gus = f"{gamma.base}/u/gus"
    # Given fa makes gus (on gamma) a facilitator
    await act(alpha, "fa", community(alpha), "add_facilitator", gus)
    await settle(alpha, beta, gamma)
    moderators = (await alpha.get("/c/stewards/moderators", headers=AP)).json()["orderedItems"]
    assert moderators == [f"{alpha.base}/u/fa", gus]
    # When gus pins bea's thread from gamma
    await act(gamma, "gus", community(alpha), "pin", thread.uri)
    await settle(alpha, beta, gamma)
    # Then it is in the community's featured collection
    featured = (await alpha.get("/c/stewards/featured", headers=AP)).json()
    assert featured["orderedItems"] == [thread.uri]
    # When gus removes it
    await act(gamma, "gus", community(alpha), "remove", thread.uri, reason="off topic")
    await settle(alpha, beta, gamma)
    # Then every node hides it, and the community's log says who did it and why
    for node in three:
        assert (await stored(node, thread.uri)).removed_at is not None, node.base
    async with alpha.pool.acquire() as conn:
        community_id = (await stored(alpha, thread.uri)).community_id
        log = await mod_store.log_of(conn, community_id)
    assert [(entry.action, entry.moderator_uri) for entry in log][:3] == [
        ("remove", gus),
        ("pin", gus),
        ("add_facilitator", f"{alpha.base}/u/fa"),
    ]
    assert log[0].reason == "off topic"
    assert (await alpha.get("/c/stewards/featured", headers=AP)).json()["orderedItems"] == []


async def test_a_banned_member_cannot_post_until_unbanned(three: Nodes) -> None:
    alpha, beta, gamma = three
    bea = f"{beta.base}/u/bea"
    await act(alpha, "fa", community(alpha), "ban", bea, reason="spam")
    await settle(alpha, beta, gamma)
    # bea's own node knows, and refuses her post before sending it
    with pytest.raises(InvalidInput, match="banned"):
        await posts.write(
            beta.pool, beta.config, beta.app.state.network,
            author="bea", community_uri=community(alpha), title="Buy now", content="spam",
        )  # fmt: skip
    # Unbanned, she posts again and everyone gets it
    await act(alpha, "fa", community(alpha), "unban", bea)
    await settle(alpha, beta, gamma)
    thread = await thread_by_bea(three)
    assert await stored(gamma, thread.uri) is not None


async def test_a_ban_is_enforced_by_the_community_node(three: Nodes) -> None:
    alpha, beta, gamma = three
    # Given a ban that bea's node never heard of (it is applied on alpha only)
    bea = f"{beta.base}/u/bea"
    async with alpha.pool.acquire() as conn, beta.pool.acquire() as beta_conn:
        await mod_store.ban(
            conn,
            (await conn.fetchval("SELECT id FROM actors WHERE uri = $1", community(alpha))),
            (await conn.fetchval("SELECT id FROM actors WHERE uri = $1", bea)),
            None,
            "",
            None,
        )
        del beta_conn
    thread = await thread_by_bea(three)
    # Then alpha refuses her post, and nobody else gets it
    assert await stored(alpha, thread.uri) is None
    assert await stored(gamma, thread.uri) is None
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities WHERE activity_type = 'Create'"
        )
    assert row["state"] == "rejected"
    assert "banned" in row["last_error"]


async def test_a_member_who_is_not_a_facilitator_changes_nothing(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    # When gus (no facilitator) tries to lock bea's thread from gamma
    await act(gamma, "gus", community(alpha), "lock", thread.uri)
    await settle(alpha, beta, gamma)
    # Then alpha refuses it with a reason, and no node locked anything
    for node in three:
        assert not (await stored(node, thread.uri)).locked, node.base
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities WHERE activity_type = 'Lock'"
        )
    assert row["state"] == "rejected"
    assert "not a facilitator" in row["last_error"]


async def test_a_facilitator_cannot_remove_the_last_facilitator(three: Nodes) -> None:
    alpha, _, _ = three
    with pytest.raises(Exception, match="at least one facilitator"):
        await act(alpha, "fa", community(alpha), "remove_facilitator", f"{alpha.base}/u/fa")


async def test_a_report_reaches_the_community_and_the_authors_node(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    # When gus on gamma reports bea's thread
    await reports.report(
        gamma.pool, gamma.config, reporter="gus", post_uri=thread.uri, reason="Looks like spam"
    )
    await settle(alpha, beta, gamma)
    # Then the community's facilitators see it, and so does bea's own node, from gamma itself
    # (its instance actor: gus's name stays on gamma, as Mastodon forwards reports)
    for node, reporter in ((alpha, f"{gamma.base}/u/gus"), (beta, f"{gamma.base}/actor")):
        async with node.pool.acquire() as conn:
            community_id = (await stored(node, thread.uri)).community_id
            found = await mod_store.open_reports(conn, community_id)
        assert [(r.reporter_uri, r.reason) for r in found] == [(reporter, "Looks like spam")], (
            node.base
        )
        assert thread.uri in found[0].targets


async def test_a_ban_ends_at_its_expiry(three: Nodes) -> None:
    alpha, beta, gamma = three
    bea = f"{beta.base}/u/bea"
    # A ban that has already run out counts for nothing, on the community's node and on bea's
    expired = datetime.now(UTC) - timedelta(minutes=1)
    await act(alpha, "fa", community(alpha), "ban", bea, reason="cool off", expires_at=expired)
    await settle(alpha, beta, gamma)
    thread = await thread_by_bea(three)
    assert await stored(alpha, thread.uri) is not None
    # and the Block told everyone when it ends
    async with alpha.pool.acquire() as conn:
        block = await conn.fetchval(
            "SELECT document FROM outbound_activities WHERE document->>'type' = 'Block'"
        )
    assert block["endTime"].startswith(str(expired.year))


async def test_the_moderation_log_is_public(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    await act(alpha, "fa", community(alpha), "remove", thread.uri, reason="duplicate thread")
    await settle(alpha, beta, gamma)
    page = await alpha.get("/c/stewards/modlog")
    assert page.status_code == 200
    assert "duplicate thread" in page.text
    assert "remove" in page.text


async def thread_held_back_from_gamma(nodes: Nodes) -> Any:
    """A thread by fa on alpha, delivered everywhere, whose Create gamma has received but
    holds back for an hour (as a slow delivery would arrive late)."""
    alpha, _beta, gamma = nodes
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=community(alpha), title="Retention", content="Ideas?",
    )  # fmt: skip
    while await alpha.app.state.delivery_worker.run_once():
        pass
    async with gamma.pool.acquire() as conn:
        delayed = await conn.execute(
            "UPDATE inbound_activities SET next_attempt_at = now() + interval '1 hour',"
            " fair_at = now() + interval '1 hour'"
            " WHERE document -> 'object' ->> 'type' = 'Create'"
        )
    assert delayed == "UPDATE 1"
    return thread


async def test_a_pin_that_arrives_before_its_thread_still_pins_it(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_held_back_from_gamma(three)
    await act(alpha, "fa", community(alpha), "pin", thread.uri)
    await settle(alpha, beta, gamma)
    async with gamma.pool.acquire() as conn:
        community_id = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", community(alpha))
        assert await mod_store.pinned_uris(conn, community_id) == [thread.uri]


async def test_a_lock_that_arrives_before_its_thread_still_locks_it(three: Nodes) -> None:
    # Deliveries of separate activities may arrive in any order: here gamma receives the
    # thread's Create after its Lock.
    alpha, beta, gamma = three
    thread = await thread_held_back_from_gamma(three)
    await act(alpha, "fa", community(alpha), "lock", thread.uri)
    await settle(alpha, beta, gamma)
    # When the Lock is handled, gamma fetches the thread from its origin and locks it
    kept = await stored(gamma, thread.uri)
    assert kept is not None and kept.locked
    # and the thread's own delivery, arriving last, changes nothing (still one, still locked)
    async with gamma.pool.acquire() as conn:
        await conn.execute(
            "UPDATE inbound_activities SET next_attempt_at = now(), fair_at = now()"
            " WHERE state = 'pending'"
        )
    await settle(alpha, beta, gamma)
    async with gamma.pool.acquire() as conn:
        copies = await conn.fetchval("SELECT count(*) FROM posts WHERE uri = $1", thread.uri)
        late = await conn.fetchrow(
            "SELECT state, reason FROM inbound_activities"
            " WHERE document -> 'object' ->> 'type' = 'Create'"
        )
    assert copies == 1 and (await stored(gamma, thread.uri)).locked
    assert late is not None and late["state"] in ("done", "ignored"), late
