"""Scale-out: web processes and worker processes, any number of each, on one database.

    remote stub (mona) --signed Follow x N, each to BOTH web processes--> serve --no-workers x 2
                                                                           |  202, queued once
                                          fedcop worker x 2 <-- inbound_activities (SKIP LOCKED)
                                                 |  Follow handled once, Accept queued once
    remote stub's inbox <--signed Accept, each exactly once-- deliveries (SKIP LOCKED)

    kill -9: a worker killed while it holds deliveries (the remote inbox is stalled) loses
    nothing: its rows come back when its lease ends and the other worker delivers them.

Every process is a real `fedcop` subprocess on a database of the test cluster
(FEDCOP_DATABASE_URL); the remote stub runs in this process, at http://127.0.0.1:PORT.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.db.pool import create_pool
from fedcop.queues import DELIVERY_CLAIM_PER_HOST
from fedcop.services import accounts, outbox
from federation.signatures import sign_request
from tests.conftest import fresh_database, make_config
from tests.federation.local_http import serve
from tests.microblog_server import MicroblogServer
from tests.processes import Serve, Worker, clean_env, free_port
from tests.signed_requests import activity, encoded

PEOPLE = 12
SHORT_LEASE_SECONDS = "4"


@contextlib.contextmanager
def remote_stub() -> Iterator[MicroblogServer]:
    """A Mastodon-shaped server at http://127.0.0.1:PORT (the subprocesses resolve no *.test)."""
    stub = MicroblogServer("mona")
    with serve(stub.app()) as port:
        stub.origin = f"http://127.0.0.1:{port}"
        yield stub


@contextlib.contextmanager
def processes(*started: Serve | Worker) -> Iterator[None]:
    """Kill whatever the test left running, pass or fail."""
    try:
        yield
    finally:
        for process in started:
            if process.process.poll() is None:
                process.kill()


async def eventually(
    check: Callable[[], Awaitable[bool]], what: str, logs: list[Serve | Worker], timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            output = "\n".join(process.output() for process in logs)
            raise AssertionError(f"timed out waiting until {what}:\n{output}")
        await asyncio.sleep(0.05)


def env_for(dsn: str) -> dict[str, str]:
    return clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_ALLOW_PRIVATE_ADDRESSES="true")


async def post_signed(base: str, node_url: str, body: bytes, stub: MicroblogServer) -> int:
    sender = stub.sender
    headers = sign_request("POST", f"{base}/inbox", body, sender.key_id, sender.private_key)
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.post(
            f"{node_url}/inbox",
            content=body,
            headers={**headers, "Content-Type": "application/activity+json"},
        )
    return response.status_code


async def test_two_web_and_two_worker_processes_handle_everything_exactly_once(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{free_port()}"  # the node's public URL, as behind a proxy
    config = make_config(base)
    async with fresh_database(pg_cluster) as dsn:
        pool = await create_pool(dsn, min_size=1, max_size=2)
        try:
            with remote_stub() as stub:
                # Given a node with PEOPLE users, whose keys the remote stub knows
                names = [f"p{n}" for n in range(PEOPLE)]
                for name in names:
                    actor = await accounts.create_user(pool, config, name, "long enough")
                    stub.known_keys[actor.public_key_id] = actor.public_key_pem
                # And two web-only processes on its database
                webs = [
                    Serve(
                        tmp_path / f"web{n}", "--base-url", base, "--no-workers", env=env_for(dsn)
                    )
                    for n in range(2)
                ]
                with processes(*webs):
                    for web in webs:
                        await asyncio.to_thread(web.wait_ready)
                    # When the remote user follows each of them, every Follow sent to BOTH
                    follows = [
                        activity(stub.sender, "Follow", object=f"{base}/u/{name}") for name in names
                    ]
                    statuses = await asyncio.gather(
                        *(
                            post_signed(base, web.base, encoded(follow), stub)
                            for follow in follows
                            for web in webs
                        )
                    )
                    assert statuses == [202] * (2 * PEOPLE)
                    # Then each is queued once, and web-only processes handle none of them
                    await asyncio.sleep(1.5)  # three of a worker's idle polls, had one run
                    async with pool.acquire() as conn:
                        queued = await conn.fetch(
                            "SELECT activity_id, state FROM inbound_activities"
                        )
                        assert await conn.fetchval("SELECT count(*) FROM deliveries") == 0
                    assert sorted(row["activity_id"] for row in queued) == sorted(
                        follow["id"] for follow in follows
                    )
                    assert {row["state"] for row in queued} <= {"unverified", "pending"}

                    # When two worker processes start
                    workers = [
                        Worker(tmp_path, "--base-url", base, env=env_for(dsn)) for _ in range(2)
                    ]
                    with processes(*workers):
                        for worker in workers:
                            await asyncio.to_thread(worker.wait_started)

                        async def all_handled() -> bool:
                            async with pool.acquire() as conn:
                                pending = await conn.fetchval(
                                    "SELECT count(*) FROM inbound_activities WHERE state <> 'done'"
                                )
                                undelivered = await conn.fetchval(
                                    "SELECT count(*) FROM deliveries WHERE state <> 'done'"
                                )
                                delivered = await conn.fetchval("SELECT count(*) FROM deliveries")
                            return pending == 0 and undelivered == 0 and delivered == PEOPLE

                        await eventually(all_handled, "everything is handled", [*webs, *workers])
                        # Then SIGTERM stops each worker cleanly
                        for worker in workers:
                            assert await asyncio.to_thread(worker.stop) == 0, worker.output()
                            assert "stopping after the current batch" in worker.output()
                    for web in webs:
                        assert await asyncio.to_thread(web.stop) == 0, web.output()
                # And every person has the follower, once
                async with pool.acquire() as conn:
                    followers = await conn.fetch(
                        """
                        SELECT a.username, count(*) AS n FROM follows f
                        JOIN actors a ON a.id = f.followed_id
                        WHERE f.state = 'accepted' GROUP BY a.username
                        """
                    )
                    sent = {
                        row["uri"]
                        for row in await conn.fetch(
                            "SELECT o.uri FROM outbound_activities o"
                            " JOIN deliveries d ON d.activity_id = o.id"
                        )
                    }
                assert {row["username"]: row["n"] for row in followers} == dict.fromkeys(names, 1)
                # And the remote inbox received each Accept exactly once, verified
                received = Counter(str(item["id"]) for item in stub.received)
                assert set(received) == sent
                assert set(received.values()) == {1}
                accepted = sorted(str(item["object"]["id"]) for item in stub.received)
                assert accepted == sorted(follow["id"] for follow in follows)
        finally:
            await pool.close()


class StalledInbox:
    """Inboxes that hold every POST until `release()`; they count what reaches them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._released = threading.Event()
        self.posts: Counter[str] = Counter()

    def release(self) -> None:
        self._released.set()

    async def inbox(self, request: Request) -> Response:
        with self._lock:
            self.posts[request.url.path] += 1
        while not self._released.is_set():
            await asyncio.sleep(0.02)
        return Response(status_code=202)

    def seen(self) -> int:
        with self._lock:
            return sum(self.posts.values())

    def snapshot(self) -> Counter[str]:
        with self._lock:
            return Counter(self.posts)


async def test_a_worker_killed_mid_batch_loses_nothing(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    base = f"http://127.0.0.1:{free_port()}"
    config = make_config(base)
    # As many as one claim takes of one host (all these inboxes are on 127.0.0.1)
    inboxes = DELIVERY_CLAIM_PER_HOST
    stalled = StalledInbox()
    app = Starlette(routes=[Route("/inbox/{n}", stalled.inbox, methods=["POST"])])
    async with fresh_database(pg_cluster) as dsn:
        pool = await create_pool(dsn, min_size=1, max_size=2)
        try:
            with serve(app) as port:
                # Given one activity queued for 8 inboxes on a server that stalls every POST
                ana = await accounts.create_user(pool, config, "ana", "long enough")
                paths = [f"/inbox/{n}" for n in range(inboxes)]
                async with pool.acquire() as conn:
                    await conn.execute("INSERT INTO node (base_url) VALUES ($1)", base)
                    await outbox.publish(
                        conn,
                        config,
                        ana,
                        {"type": "Note", "content": "hello"},
                        [f"http://127.0.0.1:{port}{path}" for path in paths],
                    )
                # When a worker (with a short lease) is killed -9 while it holds them
                lease = ("--lease-seconds", SHORT_LEASE_SECONDS)
                first = Worker(tmp_path, "--delivery", *lease, env=env_for(dsn))
                with processes(first):
                    await asyncio.to_thread(first.wait_started)

                    async def in_flight() -> bool:
                        return stalled.seen() == inboxes

                    await eventually(in_flight, "every POST is in flight", [first])
                    first.kill()
                    # Then the rows it held are still there, claimed once and not done: they
                    # wait out its lease
                    async with pool.acquire() as conn:
                        held = await conn.fetch("SELECT state, attempts FROM deliveries")
                    assert [(r["state"], r["attempts"]) for r in held] == [("pending", 1)] * inboxes
                    # And when the inboxes answer again, a second worker delivers every one
                    # once the lease has run out
                    stalled.release()
                    second = Worker(tmp_path, "--delivery", *lease, env=env_for(dsn))
                    with processes(second):

                        async def all_done() -> bool:
                            async with pool.acquire() as conn:
                                rows = await conn.fetch("SELECT state, attempts FROM deliveries")
                            return [(r["state"], r["attempts"]) for r in rows] == [
                                ("done", 2)
                            ] * inboxes

                        await eventually(all_done, "every delivery is done", [first, second])
                        assert await asyncio.to_thread(second.stop) == 0, second.output()
                # Every inbox got the activity: once from the dead worker (never answered),
                # once from the second
                assert stalled.snapshot() == Counter(dict.fromkeys(paths, 2))
        finally:
            await pool.close()
