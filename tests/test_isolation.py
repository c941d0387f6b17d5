"""No remote server, however slow or dead, holds up work for the others.

A hanging server (tests/hanging_server.py: accepts connections, never answers) stands for the
dead peers; a Mastodon-shaped server (tests/microblog_server.py) for the healthy one. Deadlines
are made short through the node's configuration, so nothing here waits long.

    many deliveries to a hanging host claimed first -> the healthy peer's delivery still goes
        out in the same run_once pass (a claim takes at most a few rows of one host)
    a hanging host fails again and again -> the circuit breaker suspends it: its deliveries are
        postponed, not attempted; a verified request from it revives it and they are due again
    actors whose server hangs -> an already-verifiable post in the same inbox batch is handled
        while their key fetches still hang
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.queues import DeliveryBreaker
from fedcop.services import accounts, outbox
from fedcop.store import host_breaker
from fedcop.store import outbound as outbound_store
from fedcop.store.actors import Actor
from fedcop.store.outbound import DeliveryOutcome
from federation.keys import generate_key_pair, load_private_key
from tests.conftest import fresh_database
from tests.hanging_server import HangingServer, hanging_server
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import stored
from tests.signed_requests import Sender, activity, encoded, post
from tests.web_session import signed_in

SHORT = 0.5  # seconds: the deadline of one delivery or fetch in these tests


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, Actor]]:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn, "alpha", delivery_deadline_seconds=SHORT) as node,
    ):
        ana = await accounts.create_user(node.pool, node.config, "ana", "long enough")
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="ana"
        )
        yield node, ana


async def publish(node: LiveNode, author: Actor, inboxes: list[str]) -> None:
    async with node.pool.acquire() as conn:
        await outbox.publish(
            conn, node.config, author, {"type": "Note", "content": "minutes"}, inboxes
        )


async def host_row(node: LiveNode, host: str) -> Any:
    async with node.pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT consecutive_failures, suspended_until, suspended_until > now() AS suspended"
            " FROM hosts WHERE host = $1",
            host,
        )


async def due_deliveries(node: LiveNode, host: str) -> int:
    async with node.pool.acquire() as conn:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM deliveries"
                " WHERE host = $1 AND state = 'pending' AND next_attempt_at <= now()",
                host,
            )
        )


def trusting(masto: MicroblogServer, node: LiveNode, author: Actor) -> MicroblogServer:
    """`masto` knows `author`'s key, so its inbox accepts what alpha delivers."""
    masto.known_keys[author.public_key_id] = author.public_key_pem
    return masto


async def test_a_healthy_peer_is_delivered_to_in_the_pass_that_claims_a_dead_hosts_backlog(
    alpha: tuple[LiveNode, Actor],
) -> None:
    node, ana = alpha
    with hanging_server() as hanging, microblog_server("masto") as masto:
        trusting(masto, node, ana)
        # Given 300 followers' inboxes on a host that accepts connections and never answers,
        # queued before the one healthy inbox
        dead = [f"http://dead.test:{hanging.port}/users/u{n}/inbox" for n in range(300)]
        await publish(node, ana, dead)
        await publish(node, ana, [f"{masto.origin}/inbox"])
        # When the delivery worker makes one pass
        await node.app.state.delivery_worker.run_once()
        # Then the healthy peer has the post
        assert [received["content"] for received in masto.received] == ["minutes"]
        # And the dead host took only a few of the pass's slots, each for the short deadline
        assert hanging.accepted <= 8
        async with node.pool.acquire() as conn:
            tried = await conn.fetchval(
                "SELECT count(*) FROM deliveries WHERE host = 'dead.test' AND attempts > 0"
            )
        assert tried == 8


async def fail_until_suspended(node: LiveNode, author: Actor, hanging: HangingServer) -> None:
    """Deliveries to masto.test's hanging port fail until the breaker suspends the host."""
    node.app.state.delivery_worker.breaker = DeliveryBreaker(
        failures=3, period=timedelta(0), first_pause=timedelta(minutes=10)
    )
    for _ in range(4):
        await publish(node, author, [f"http://masto.test:{hanging.port}/inbox"])
    await node.app.state.delivery_worker.run_once()


async def test_a_host_that_keeps_failing_is_suspended_and_its_deliveries_wait(
    alpha: tuple[LiveNode, Actor],
) -> None:
    node, ana = alpha
    with hanging_server() as hanging:
        # Given four deliveries to a host that never answers, each failing at its deadline
        await fail_until_suspended(node, ana, hanging)
        # Then the host is suspended after three failures in a row
        host = await host_row(node, "masto.test")
        assert host["consecutive_failures"] == 4
        assert host["suspended"] is True
        async with node.pool.acquire() as conn:
            waiting = await conn.fetch(
                "SELECT state, next_attempt_at >= $1 AS postponed, attempts FROM deliveries",
                host["suspended_until"],
            )
        # And its deliveries wait for the suspension to end, still to be delivered
        assert [(row["state"], row["postponed"]) for row in waiting] == [("pending", True)] * 4
        # When another post is published to it
        await publish(node, ana, [f"http://masto.test:{hanging.port}/inbox"])
        tried_before = hanging.accepted
        # Then the worker does not attempt it while the host is suspended
        assert await node.app.state.delivery_worker.run_once() == 0
        assert hanging.accepted == tried_before
        # And an administrator sees the host suspended on /admin
        await accounts.create_user(node.pool, node.config, "ada", "admin pass 1", is_admin=True)
        async with signed_in(node, "ada", "admin pass 1") as browser:
            admin_page = await browser.page("/admin")
        assert "<td>masto.test</td>" in admin_page
        assert "suspended until" in admin_page


async def test_a_verified_request_from_a_suspended_host_revives_it(
    alpha: tuple[LiveNode, Actor],
) -> None:
    node, ana = alpha
    with hanging_server() as hanging, microblog_server("masto") as masto:
        # Given masto.test suspended, with four deliveries waiting
        await fail_until_suspended(node, ana, hanging)
        assert (await host_row(node, "masto.test"))["suspended"] is True
        assert await due_deliveries(node, "masto.test") == 0
        # When a person on masto.test follows ana (a signed request, verified by the worker)
        follow = activity(masto.sender, "Follow", object=ana.uri)
        response = await post(node, encoded(follow), masto.sender, path="/u/ana/inbox")
        assert response.status_code == 202
        await node.app.state.inbox_worker.run_once()
        # Then the host is alive again, and everything that waited for it is due now
        host = await host_row(node, "masto.test")
        assert (host["consecutive_failures"], host["suspended_until"]) == (0, None)
        assert await due_deliveries(node, "masto.test") >= 4


async def test_actors_whose_server_hangs_do_not_hold_up_a_verifiable_post(
    alpha: tuple[LiveNode, Actor],
) -> None:
    node, _ = alpha
    community = f"{node.base}/c/stewards"
    with hanging_server() as hanging, microblog_server("masto") as masto:
        # Given masto's key already known (an earlier post, handled)
        first = masto.create(masto.status("<p>Hello</p>", cc=[community], audience=community))
        await post(node, encoded(first), masto.sender, path="/c/stewards/inbox")
        await node.drain()
        assert await stored(node, first["object"]["id"]) is not None
        # And twelve posts from actors whose server accepts connections and never answers,
        # queued first (their keys are not known: the worker must fetch them)
        key = load_private_key(generate_key_pair().private_pem)
        for n in range(12):
            uri = f"http://hang.test:{hanging.port}/users/u{n}"
            silent = Sender(uri, f"{uri}#main-key", key)
            note = {
                "id": f"{uri}/notes/1",
                "type": "Note",
                "attributedTo": uri,
                "content": "<p>?</p>",
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "cc": [community],
                "audience": community,
            }
            create = activity(silent, "Create", object=note, to=note["to"], cc=note["cc"])
            answer = await post(node, encoded(create), silent, path="/c/stewards/inbox")
            assert answer.status_code == 202
        # And then an ordinary post from masto
        second = masto.create(masto.status("<p>Minutes</p>", cc=[community], audience=community))
        await post(node, encoded(second), masto.sender, path="/c/stewards/inbox")
        # When the inbox worker takes the batch (fetches with the default deadline)
        batch = asyncio.create_task(node.app.state.inbox_worker.handle_batch())
        # Then masto's post is stored while the twelve key fetches still hang
        async with asyncio.timeout(20):
            while await stored(node, second["object"]["id"]) is None:
                assert not batch.done(), "the batch ended before handling masto's post"
                await asyncio.sleep(0.02)
        assert not batch.done()
        assert hanging.accepted >= 1
        # And when the hanging server hangs up, the twelve go back to the queue for later
        hanging.release()
        assert await batch >= 13
        async with node.pool.acquire() as conn:
            states = await conn.fetch(
                "SELECT state, next_attempt_at > now() AS later FROM inbound_activities"
                " WHERE actor_uri LIKE 'http://hang.test:%'"
            )
        assert [(row["state"], row["later"]) for row in states] == [("unverified", True)] * 12


async def test_a_failure_recorded_after_its_host_was_suspended_waits_too(
    alpha: tuple[LiveNode, Actor],
) -> None:
    """An attempt still in flight when its host is suspended fails afterwards: its retry
    time must not bring it back before the suspension ends."""
    node, ana = alpha
    breaker = DeliveryBreaker(failures=3, period=timedelta(0), first_pause=timedelta(minutes=10))
    await publish(node, ana, ["http://late.test/inbox"])
    async with node.pool.acquire() as conn:
        delivery_id = await conn.fetchval("SELECT id FROM deliveries WHERE host = 'late.test'")
        # Given late.test was suspended by three failures recorded together
        [suspension] = await host_breaker.record_failed_attempts(conn, {"late.test": 3}, breaker)
        # When the fourth attempt, in flight meanwhile, fails and asks for a retry in a minute
        await outbound_store.record_outcomes(
            conn, [DeliveryOutcome(delivery_id, "pending", None, "timed out", 60.0)]
        )
        assert await host_breaker.record_failed_attempts(conn, {"late.test": 1}, breaker) == []
        # Then it waits for the suspension's end all the same
        waits_until = await conn.fetchval(
            "SELECT next_attempt_at FROM deliveries WHERE id = $1", delivery_id
        )
    assert waits_until >= suspension.until
