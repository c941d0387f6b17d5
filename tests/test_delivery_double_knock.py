"""The delivery worker double-knocks and remembers, per host, the signature scheme that worked.

A fedcop node (real database, real signatures, real sockets) delivers to servers that verify
only one scheme, each with an independent library (tests/one_scheme_inbox.py):
- a host that verifies only RFC 9421 gets the delivery in one attempt, after the draft-cavage
  knock is refused with 401; the host is remembered as RFC 9421 and the next delivery costs one
  request, signed RFC 9421;
- a host remembered as RFC 9421 that now verifies only draft-cavage: the reverse, and the
  memory follows;
- a host verifying draft-cavage is knocked at once, and remembered;
- a host refusing both schemes: one attempt of two knocks, retried later by the usual schedule,
  and nothing remembered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from prometheus_client import REGISTRY

from fedcop.services import accounts, outbox
from fedcop.store import hosts as host_store
from fedcop.store.actors import Actor
from tests.federation.local_http import serve
from tests.live_node import LiveNode, live_node
from tests.one_scheme_inbox import OneSchemeServer


@pytest.fixture
async def alpha(dsn: str) -> AsyncIterator[tuple[LiveNode, Actor]]:
    async with live_node(dsn, "alpha") as node:
        ana = await accounts.create_user(node.pool, node.config, "ana", "long enough")
        yield node, ana


@pytest.fixture
def rfc9421_only() -> Iterator[tuple[OneSchemeServer, int]]:
    state = OneSchemeServer("rfc9421")
    with serve(state.app()) as port:
        yield state, port


@pytest.fixture
def cavage_only() -> Iterator[tuple[OneSchemeServer, int]]:
    state = OneSchemeServer("draft-cavage")
    with serve(state.app()) as port:
        yield state, port


async def _publish(node: LiveNode, ana: Actor, inbox: str, text: str) -> None:
    async with node.pool.acquire() as conn:
        await outbox.publish(conn, node.config, ana, {"type": "Note", "content": text}, [inbox])


async def _deliveries(node: LiveNode) -> list[dict[str, Any]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT host, state, attempts, last_status, last_error,"
            " extract(epoch FROM next_attempt_at - now()) AS due_in FROM deliveries ORDER BY id"
        )
    return [dict(row) for row in rows]


def _second_knocks(scheme: str, accepted: str) -> float:
    value = REGISTRY.get_sample_value(
        "fedcop_delivery_second_knocks_total", {"scheme": scheme, "accepted": accepted}
    )
    return value or 0.0


async def _remembered(node: LiveNode, host: str) -> str | None:
    async with node.pool.acquire() as conn:
        return await host_store.signature_scheme(conn, host)


async def test_an_rfc9421_only_host_gets_the_delivery_in_one_attempt_and_is_remembered(
    alpha: tuple[LiveNode, Actor], rfc9421_only: tuple[OneSchemeServer, int]
) -> None:
    node, ana = alpha
    server, port = rfc9421_only
    server.keys[ana.public_key_id] = ana.public_key_pem
    inbox = f"http://rfc-only.test:{port}/inbox"
    # Given a host we never delivered to, which verifies only RFC 9421 signatures
    assert await _remembered(node, "rfc-only.test") is None
    # When a first activity is delivered to it
    knocks_before = _second_knocks("rfc9421", "yes")
    await _publish(node, ana, inbox, "first")
    assert await node.app.state.delivery_worker.run_once() == 1
    # Then the draft-cavage knock was refused and the RFC 9421 knock accepted, at once
    assert server.schemes() == [("draft-cavage", 401), ("rfc9421", 202)], server.refusals
    assert b'"content":"first"' in server.bodies[0]
    # And the delivery is done in one attempt, and the host is remembered as RFC 9421
    (delivery,) = await _deliveries(node)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("done", 1, 202)
    assert delivery["last_error"] is None
    assert await _remembered(node, "rfc-only.test") == "rfc9421"
    # And operators can see the second knock in the metrics
    assert _second_knocks("rfc9421", "yes") - knocks_before == 1

    # When a second activity is delivered there
    await _publish(node, ana, inbox, "second")
    assert await node.app.state.delivery_worker.run_once() == 1
    # Then it is signed RFC 9421 at once: one request, one signature
    assert server.schemes()[2:] == [("rfc9421", 202)]
    assert b'"content":"second"' in server.bodies[1]
    assert [(d["state"], d["attempts"]) for d in await _deliveries(node)] == [
        ("done", 1),
        ("done", 1),
    ]
    assert await _remembered(node, "rfc-only.test") == "rfc9421"
    assert _second_knocks("rfc9421", "yes") - knocks_before == 1


async def test_a_host_remembered_as_rfc9421_that_verifies_only_cavage_is_knocked_again(
    alpha: tuple[LiveNode, Actor], cavage_only: tuple[OneSchemeServer, int]
) -> None:
    node, ana = alpha
    server, port = cavage_only
    server.keys[ana.public_key_id] = ana.public_key_pem
    inbox = f"http://cavage-only.test:{port}/inbox"
    # Given a host remembered as RFC 9421 which now verifies only draft-cavage (another
    # server software answers at that name now)
    async with node.pool.acquire() as conn:
        await host_store.remember_signature_schemes(conn, {"cavage-only.test": "rfc9421"})
    # When an activity is delivered to it
    await _publish(node, ana, inbox, "hello")
    await node.app.state.delivery_worker.run_once()
    # Then the RFC 9421 knock was refused and the draft-cavage knock accepted, in one attempt
    assert server.schemes() == [("rfc9421", 401), ("draft-cavage", 202)], server.refusals
    (delivery,) = await _deliveries(node)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == ("done", 1, 202)
    # And the memory follows what worked: the next delivery is one draft-cavage request
    assert await _remembered(node, "cavage-only.test") == "draft-cavage"
    await _publish(node, ana, inbox, "again")
    await node.app.state.delivery_worker.run_once()
    assert server.schemes()[2:] == [("draft-cavage", 202)]


async def test_a_cavage_host_is_knocked_at_once_and_remembered(
    alpha: tuple[LiveNode, Actor], cavage_only: tuple[OneSchemeServer, int]
) -> None:
    node, ana = alpha
    server, port = cavage_only
    server.keys[ana.public_key_id] = ana.public_key_pem
    await _publish(node, ana, f"http://cavage-only.test:{port}/inbox", "hello")
    await node.app.state.delivery_worker.run_once()
    # An unknown host gets draft-cavage first: what nearly every server verifies
    assert server.schemes() == [("draft-cavage", 202)]
    assert [(d["state"], d["attempts"]) for d in await _deliveries(node)] == [("done", 1)]
    assert await _remembered(node, "cavage-only.test") == "draft-cavage"


async def test_a_host_refusing_both_schemes_is_retried_later_and_nothing_is_remembered(
    alpha: tuple[LiveNode, Actor], rfc9421_only: tuple[OneSchemeServer, int]
) -> None:
    node, ana = alpha
    server, port = rfc9421_only  # and it cannot find ana's key: it refuses every signature
    await _publish(node, ana, f"http://rfc-only.test:{port}/inbox", "hello")
    await node.app.state.delivery_worker.run_once()
    # Two knocks in the one attempt, both refused
    assert server.schemes() == [("draft-cavage", 401), ("rfc9421", 401)]
    # And the delivery waits for its next attempt on the usual schedule, saying why
    (delivery,) = await _deliveries(node)
    assert (delivery["state"], delivery["attempts"], delivery["last_status"]) == (
        "pending",
        1,
        401,
    )
    assert "after HTTP 401 to draft-cavage" in delivery["last_error"]
    assert delivery["due_in"] > 30
    assert await node.app.state.delivery_worker.run_once() == 0
    assert await _remembered(node, "rfc-only.test") is None
