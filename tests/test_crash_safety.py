"""Nothing is lost when a `fedcop serve` process dies: kill -9, start again, and look.

    deliveries: 200 queued ──serve──> slow sink (counts POSTs)      kill -9 when it has some
                restart ──> every inbox got the activity at least once, every row 'done'
    inbox:      N signed POSTs ──serve──> 202 each                  kill -9 right after
                every 202 is a row; restart ──> every row processed

Each serve runs as a real process on a database of the test cluster (FEDCOP_DATABASE_URL), so
the test can seed it and read it. Its base URL is a fixed http://127.0.0.1:PORT that both runs
share (a node's ids never change); each run listens on a port of its own, as behind a proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.db.pool import create_pool
from fedcop.services import accounts, outbox
from fedcop.store import actors as actor_store
from federation.keys import load_private_key
from federation.signatures import sign_request
from federation.vocab import AS_CONTEXT
from tests.conftest import fresh_database, make_config
from tests.federation.local_http import serve
from tests.live_node import live_node
from tests.processes import Serve, clean_env, free_port

INBOXES = 200
SINK_DELAY_SECONDS = 0.05
FINAL_INBOUND_STATES = {"done", "ignored", "rejected", "failed"}


class Sink:
    """Inboxes that take anything (no signature check: it is a sink), slowly, and count it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.posts: Counter[tuple[str, str]] = Counter()  # (activity id, inbox path) -> POSTs

    async def inbox(self, request: Request) -> Response:
        activity_id = str(orjson.loads(await request.body()).get("id"))
        with self._lock:
            self.posts[(activity_id, request.url.path)] += 1
        await asyncio.sleep(SINK_DELAY_SECONDS)
        return Response(status_code=202)

    def seen(self) -> int:
        with self._lock:
            return len(self.posts)

    def snapshot(self) -> Counter[tuple[str, str]]:
        with self._lock:
            return Counter(self.posts)


@contextlib.contextmanager
def sink_server() -> Iterator[tuple[Sink, int]]:
    sink = Sink()
    with serve(Starlette(routes=[Route("/inbox/{n}", sink.inbox, methods=["POST"])])) as port:
        yield sink, port


@contextlib.contextmanager
def serve_process(tmp_path: Path, dsn: str, base_url: str) -> Iterator[Serve]:
    """`fedcop serve` on the test database; killed on the way out if the test left it running."""
    env = clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_ALLOW_PRIVATE_ADDRESSES="true")
    node = Serve(tmp_path / "data", "--base-url", base_url, env=env)
    try:
        yield node
    finally:
        if node.process.poll() is None:
            node.kill()


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], what: str, node: Serve, timeout: float = 20
) -> None:
    """Wait, without blocking the event loop, until `check()` is (or resolves to) true."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = check()
        if await outcome if inspect.isawaitable(outcome) else outcome:
            return
        assert node.process.poll() is None, f"serve exited:\n{node.output()}"
        assert time.monotonic() < deadline, f"timed out waiting until {what}:\n{node.output()}"
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def database_pool(dsn: str) -> AsyncIterator[Any]:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        yield pool
    finally:
        await pool.close()


async def test_queued_deliveries_survive_a_kill(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    config = make_config(base_url)
    async with fresh_database(pg_cluster) as dsn, database_pool(dsn) as pool:
        with sink_server() as (sink, sink_port):
            # Given one activity queued for 200 inboxes on a slow server
            ana = await accounts.create_user(pool, config, "ana", "long enough")
            paths = [f"/inbox/{n}" for n in range(INBOXES)]
            inboxes = [f"http://127.0.0.1:{sink_port}{path}" for path in paths]
            async with pool.acquire() as conn:
                document = await outbox.publish(
                    conn, config, ana, {"type": "Note", "content": "hello"}, inboxes
                )
            # When serve is killed -9 while it is delivering them
            with serve_process(tmp_path, dsn, base_url) as first:
                await eventually(lambda: sink.seen() >= 20, "the sink has seen 20 POSTs", first)
                first.kill()
            seen_at_kill = sink.seen()
            assert seen_at_kill < INBOXES, "killed too late: every inbox had it already"
            async with pool.acquire() as conn:
                done_before = {
                    row["path"]
                    for row in await conn.fetch(
                        "SELECT substring(inbox_url FROM '/inbox/.*') AS path FROM deliveries"
                        " WHERE state = 'done'"
                    )
                }
                # The rows the dead worker had claimed are leased to it, not lost ...
                leased = await conn.fetchval(
                    "SELECT count(*) FROM deliveries"
                    " WHERE state = 'pending' AND next_attempt_at > now()"
                )
                assert leased > 0
                # ... until the lease runs out (DELIVERY_LEASE): this UPDATE stands for that
                # time passing
                await conn.execute(
                    "UPDATE deliveries SET next_attempt_at = now() WHERE state = 'pending'"
                )
            # And serve starts again
            with serve_process(tmp_path, dsn, base_url) as second:

                async def all_done() -> bool:
                    async with pool.acquire() as conn:
                        counts = await conn.fetch(
                            "SELECT state, count(*) AS n FROM deliveries GROUP BY state"
                        )
                    return {row["state"]: row["n"] for row in counts} == {"done": INBOXES}

                await eventually(all_done, "every delivery is done", second)
                assert await asyncio.to_thread(second.stop) == 0, second.output()
            # Then every inbox got the activity at least once (delivery is at-least-once) ...
            posts = sink.snapshot()
            assert set(posts) == {(document["id"], path) for path in paths}
            # ... and what was recorded as delivered before the kill was not sent again
            for path in done_before:
                assert posts[(document["id"], path)] == 1, path


async def test_accepted_activities_survive_a_kill(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    base_url = f"http://127.0.0.1:{free_port()}"
    config = make_config(base_url)
    async with (
        fresh_database(pg_cluster) as dsn,
        fresh_database(pg_cluster) as beta_dsn,
        database_pool(dsn) as pool,
        live_node(beta_dsn) as beta,  # the sender, reachable by serve at http://127.0.0.1:PORT
    ):
        await accounts.create_user(pool, config, "ana", "long enough")
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        async with beta.pool.acquire() as conn:
            bo = await actor_store.find_local(conn, "bo")
        assert bo is not None
        bo_key = load_private_key(bo.private_key_pem)
        documents = [
            {
                "@context": AS_CONTEXT,
                "id": f"{beta.base}/activities/{uuid.uuid4().hex}",
                "type": "Follow",
                "actor": bo.actor.uri,
                "object": f"{base_url}/u/ana",
            }
            for _ in range(30)
        ]
        with serve_process(tmp_path, dsn, base_url) as first:
            await asyncio.to_thread(first.wait_ready)

            async def deliver(document: dict[str, Any]) -> httpx.Response:
                body = orjson.dumps(document)
                headers = sign_request(
                    "POST", f"{base_url}/inbox", body, bo.actor.public_key_id, bo_key
                )
                async with httpx.AsyncClient(timeout=10) as http:
                    return await http.post(
                        f"{first.base}/inbox",
                        content=body,
                        headers={**headers, "Content-Type": "application/activity+json"},
                    )

            # Given N signed activities, each answered 202 by serve
            responses = await asyncio.gather(*(deliver(document) for document in documents))
            assert [r.status_code for r in responses] == [202] * len(documents), first.output()
            # When serve is killed -9 right after
            first.kill()
        # Then every activity it answered 202 for is in the queue
        ids = [document["id"] for document in documents]
        async with pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT activity_id, state FROM inbound_activities WHERE activity_id = ANY($1)",
                ids,
            )
            assert sorted(row["activity_id"] for row in rows) == sorted(ids)
            # A row the dead worker had claimed waits out its lease (INBOUND_LEASE): this
            # UPDATE stands for that time passing
            await conn.execute(
                "UPDATE inbound_activities SET next_attempt_at = now()"
                " WHERE state IN ('unverified', 'pending')"
            )
        # And when serve starts again, its worker processes every one of them
        with serve_process(tmp_path, dsn, base_url) as second:

            async def all_processed() -> bool:
                async with pool.acquire() as conn:
                    states = await conn.fetch(
                        "SELECT state FROM inbound_activities WHERE activity_id = ANY($1)", ids
                    )
                return all(row["state"] in FINAL_INBOUND_STATES for row in states)

            await eventually(all_processed, "every accepted activity is processed", second)
            # (stopped from a thread: the loop keeps serving beta while serve shuts down)
            assert await asyncio.to_thread(second.stop) == 0, second.output()
        async with pool.acquire() as conn:
            states = await conn.fetch(
                "SELECT state, count(*) AS n FROM inbound_activities"
                " WHERE activity_id = ANY($1) GROUP BY state",
                ids,
            )
        assert {row["state"]: row["n"] for row in states} == {"done": len(documents)}
