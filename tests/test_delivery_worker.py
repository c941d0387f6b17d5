"""The delivery worker against a real inbox on loopback: what each answer leads to.

2xx -> done                 4xx (not 401/408/429) -> given up
5xx / network error -> retried later, and a failure day for the host
429 + Retry-After -> retried no sooner than asked
a host unavailable (failures on 7 distinct days) -> skipped; revived by a success or by a
verified activity from it
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.config import Config
from fedcop.services import accounts, outbox
from fedcop.store import hosts as host_store
from fedcop.store.actors import Actor
from federation.keys import load_public_key
from federation.signatures import parse_signature, verify_signature
from tests.conftest import make_config, running_app
from tests.federation.local_http import serve


class Sink:
    """An inbox that answers what it is told to, and checks every signature it gets."""

    def __init__(self) -> None:
        self.status = 202
        self.headers: dict[str, str] = {}
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.public_pem = ""

    async def inbox(self, request: Request) -> Response:
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        parsed = parse_signature("POST", request.url.path, headers, scheme="http")
        verify_signature(parsed, load_public_key(self.public_pem), body)
        self.received.append((headers, body))
        return Response(status_code=self.status, headers=self.headers)


@pytest.fixture
def sink() -> Iterator[tuple[Sink, int]]:
    state = Sink()
    app = Starlette(routes=[Route("/inbox", state.inbox, methods=["POST"])])
    with serve(app) as port:
        yield state, port


@pytest.fixture
async def node(dsn: str) -> AsyncIterator[tuple[Any, Config, Actor]]:
    config = make_config("http://alpha.test")
    async with running_app(config, dsn, run_workers=False) as app:
        ana = await accounts.create_user(app.state.pool, config, "ana", "long enough")
        yield app, config, ana


async def _queue(app: Any, config: Config, actor: Actor, inbox: str) -> None:
    async with app.state.pool.acquire() as conn:
        await outbox.publish(conn, config, actor, {"type": "Note", "content": "hi"}, [inbox])


async def _delivery(app: Any) -> dict[str, Any]:
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, attempts, last_status, last_error,"
            " extract(epoch FROM next_attempt_at - now()) AS due_in FROM deliveries"
        )
    return dict(row)


async def test_a_2xx_is_done_and_the_request_is_signed_by_the_actor(
    node: tuple[Any, Config, Actor], sink: tuple[Sink, int]
) -> None:
    app, config, ana = node
    state, port = sink
    state.public_pem = ana.public_key_pem
    await _queue(app, config, ana, f"http://127.0.0.1:{port}/inbox")
    assert await app.state.delivery_worker.run_once() == 1
    assert (await _delivery(app))["state"] == "done"
    ((headers, body),) = state.received
    assert 'keyId="http://alpha.test/u/ana#main-key"' in headers["signature"]
    assert headers["content-type"].startswith("application/activity+json")
    assert b'"actor":"http://alpha.test/u/ana"' in body
    # And the activity is served at its id, byte for byte as delivered
    activity_id = orjson.loads(body)["id"]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        served = await http.get(activity_id, headers={"Accept": "application/activity+json"})
    assert served.status_code == 200
    assert served.content == body
    assert orjson.loads(body)["published"].endswith("Z")
    assert served.headers["content-type"].startswith("application/activity+json")


@pytest.mark.parametrize("status", [400, 403, 404, 410, 422, 501])
async def test_a_permanent_refusal_is_given_up(
    node: tuple[Any, Config, Actor], sink: tuple[Sink, int], status: int
) -> None:
    app, config, ana = node
    state, port = sink
    state.public_pem, state.status = ana.public_key_pem, status
    await _queue(app, config, ana, f"http://127.0.0.1:{port}/inbox")
    await app.state.delivery_worker.run_once()
    delivery = await _delivery(app)
    assert (delivery["state"], delivery["last_status"]) == ("given_up", status)


@pytest.mark.parametrize("status", [401, 408, 500, 502, 503])
async def test_a_passing_failure_is_retried_later(
    node: tuple[Any, Config, Actor], sink: tuple[Sink, int], status: int
) -> None:
    app, config, ana = node
    state, port = sink
    state.public_pem, state.status = ana.public_key_pem, status
    await _queue(app, config, ana, f"http://127.0.0.1:{port}/inbox")
    await app.state.delivery_worker.run_once()
    delivery = await _delivery(app)
    assert delivery["state"] == "pending"
    assert delivery["attempts"] == 1
    assert delivery["last_status"] == status
    assert delivery["due_in"] > 30  # not before the first backoff step
    # Nothing is due now, so another pass sends nothing
    assert await app.state.delivery_worker.run_once() == 0


async def test_retry_after_is_honoured(
    node: tuple[Any, Config, Actor], sink: tuple[Sink, int]
) -> None:
    app, config, ana = node
    state, port = sink
    state.public_pem, state.status = ana.public_key_pem, 429
    state.headers = {"Retry-After": "7200"}
    await _queue(app, config, ana, f"http://127.0.0.1:{port}/inbox")
    await app.state.delivery_worker.run_once()
    delivery = await _delivery(app)
    assert delivery["state"] == "pending"
    assert delivery["due_in"] >= 7190


async def test_a_dead_address_is_retried_and_counted_against_its_host(
    node: tuple[Any, Config, Actor],
) -> None:
    app, config, ana = node
    await _queue(app, config, ana, "http://127.0.0.1:9/inbox")  # nothing listens on port 9
    await app.state.delivery_worker.run_once()
    delivery = await _delivery(app)
    assert delivery["state"] == "pending"
    assert delivery["last_error"]
    async with app.state.pool.acquire() as conn:
        failure_days = await conn.fetchval(
            "SELECT failure_days FROM hosts WHERE host = '127.0.0.1'"
        )
    assert failure_days == 1


async def test_failures_on_seven_days_make_a_host_unavailable_and_it_is_skipped(
    node: tuple[Any, Config, Actor], sink: tuple[Sink, int]
) -> None:
    app, config, ana = node
    state, port = sink
    state.public_pem = ana.public_key_pem
    async with app.state.pool.acquire() as conn:
        # Given failures on six earlier days (standing for six days passing)
        await conn.execute(
            "INSERT INTO hosts (host, failure_days, last_failure_on)"
            " VALUES ('127.0.0.1', 6, current_date - 1)"
        )
        # When it fails again today it becomes unavailable; a second failure today counts once
        assert await host_store.record_failure(conn, "127.0.0.1") is True
        assert await host_store.record_failure(conn, "127.0.0.1") is True
        assert await conn.fetchval("SELECT failure_days FROM hosts") == 7
    # Then deliveries to it are skipped
    await _queue(app, config, ana, f"http://127.0.0.1:{port}/inbox")
    await app.state.delivery_worker.run_once()
    assert (await _delivery(app))["state"] == "given_up"
    assert state.received == []


async def test_one_success_revives_a_host(node: tuple[Any, Config, Actor]) -> None:
    app, _, _ = node
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO hosts (host, failure_days, unavailable) VALUES ('b.example', 9, true)"
        )
        await host_store.record_success(conn, "b.example")
        row = await conn.fetchrow("SELECT failure_days, unavailable FROM hosts")
    assert (row["failure_days"], row["unavailable"]) == (0, False)


async def test_shared_inboxes_get_one_delivery(node: tuple[Any, Config, Actor]) -> None:
    app, config, ana = node
    async with app.state.pool.acquire() as conn:
        await outbox.publish(
            conn,
            config,
            ana,
            {"type": "Note"},
            ["https://b.example/inbox", "https://b.example/inbox", "https://c.example/inbox"],
        )
        count = await conn.fetchval("SELECT count(*) FROM deliveries")
    assert count == 2
