"""The database goes away under a running app and comes back: 503 with Retry-After on every
door meanwhile (never 500), then the same app's pool serves again by itself.

The cluster here is the app's own (not the session-wide one): it is killed with kill -9 as a
crashed server would be, then started again, as an external database server would come back.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from fedcop.db.embedded import UNSAFE_FAST_SETTINGS, EmbeddedPostgres, EmbeddedPostgresError
from fedcop.db.migrate import apply_migrations
from fedcop.db.outage import database_unavailable
from fedcop.db.pool import create_pool
from fedcop.services import accounts, oauth
from fedcop.workers import inbox as inbox_worker
from fedcop.workers.loop import run_batches
from federation.signatures import sign_request
from tests.conftest import fast_tmp_root, make_config, running_app
from tests.processes import process_alive, wait_until
from tests.signed_requests import activity, stranger

DATABASE = "fedcop"
AP = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}
# Fast, but a commit is acknowledged only once its WAL is with the kernel, so it survives the
# kill -9 of the server (not of the machine): synchronous_commit=off would lose the last ones.
KILLABLE_FAST_SETTINGS = {**UNSAFE_FAST_SETTINGS, "synchronous_commit": "on"}


@pytest.fixture
def own_cluster() -> Iterator[EmbeddedPostgres]:
    root = Path(tempfile.mkdtemp(prefix="fedcop-outage-", dir=fast_tmp_root()))
    cluster = EmbeddedPostgres(root, settings=KILLABLE_FAST_SETTINGS)
    cluster.ensure_running()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


async def _migrated(cluster: EmbeddedPostgres) -> str:
    conn = await asyncpg.connect(cluster.dsn())
    try:
        await conn.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await conn.close()
    conn = await asyncpg.connect(cluster.dsn(DATABASE))
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    return cluster.dsn(DATABASE)


def _kill_database(cluster: EmbeddedPostgres) -> None:
    postmaster = cluster.running_postmaster()
    assert postmaster is not None
    os.kill(postmaster.pid, signal.SIGKILL)
    assert wait_until(lambda: not process_alive(postmaster.pid))


def _start_again(cluster: EmbeddedPostgres) -> None:
    # The killed server's backends notice within moments and exit; until then its shared
    # memory is in use and a new postmaster refuses to start.
    for _ in range(100):
        try:
            cluster.ensure_running()
            return
        except EmbeddedPostgresError:
            continue
    cluster.ensure_running()


@pytest.fixture
async def node(own_cluster: EmbeddedPostgres) -> AsyncIterator[Any]:
    dsn = await _migrated(own_cluster)
    async with running_app(make_config(), dsn) as app:
        yield app


async def _doors(http: httpx.AsyncClient, token: str) -> dict[str, httpx.Response]:
    """One request through every kind of door the node has."""
    sender = stranger("https://beta.test", "bo")
    document = activity(sender, "Follow", object="https://alpha.test/u/ana")
    body = orjson.dumps(document)
    signed = sign_request(
        "POST", "https://alpha.test/inbox", body, sender.key_id, sender.private_key
    )
    bearer = {"Authorization": f"Bearer {token}"}
    return {
        "home page": await http.get("/", headers=HTML),
        "profile page": await http.get("/u/ana", headers=HTML),
        "community page": await http.get("/c/garden", headers=HTML),
        "actor document": await http.get("/u/ana", headers=AP),
        "webfinger": await http.get(
            "/.well-known/webfinger", params={"resource": "acct:ana@alpha.test"}
        ),
        "client API timeline": await http.get("/api/v1/timelines/home", headers=bearer),
        "client API post": await http.post(
            "/api/v1/statuses", headers=bearer, json={"status": "@garden hello again"}
        ),
        "inbox": await http.post(
            "/inbox",
            content=body,
            headers={**signed, "Content-Type": "application/activity+json"},
        ),
        "shared inbox of a community": await http.post(
            "/c/garden/inbox",
            content=body,
            headers={**signed, "Content-Type": "application/activity+json"},
        ),
    }


@pytest.mark.parametrize("how", ["killed", "shut down"])
async def test_every_door_answers_503_while_the_database_is_down_and_recovers(
    node: Any, own_cluster: EmbeddedPostgres, how: str
) -> None:
    config = node.state.config
    await accounts.create_user(node.state.pool, config, "ana", "correct horse battery")
    await accounts.create_community(node.state.pool, config, "garden", title="Garden", owner="ana")
    token = await oauth.admin_token(node.state.pool, "ana", "read write follow push")
    transport = httpx.ASGITransport(app=node)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        # Given a node that serves every door
        before = await _doors(http, token)
        for door in ("home page", "profile page", "actor document", "webfinger"):
            assert before[door].status_code == 200, (door, before[door].text)
        assert (await http.get("/healthz")).status_code == 200

        # When its database server dies (kill -9), or is shut down by its operator
        if how == "killed":
            _kill_database(own_cluster)
        else:
            own_cluster.stop()

        # Then every door says "come back shortly", never 500
        during = await _doors(http, token)
        for door, response in during.items():
            assert response.status_code == 503, (door, response.status_code, response.text)
            assert response.headers["retry-after"].isdigit(), door
        assert "text/html" in during["home page"].headers["content-type"]
        assert "<h1>Back shortly</h1>" in during["home page"].text
        assert "database" in during["inbox"].json()["error"]
        # in the reader's language, which needs no database to choose
        french = await http.get("/", headers={**HTML, "Accept-Language": "fr"})
        assert french.status_code == 503 and "<html lang=fr>" in french.text
        assert "<h1>De retour très vite</h1>" in french.text
        # and /healthz says the node cannot serve, as /readyz does
        health = await http.get("/healthz")
        assert health.status_code == 503
        assert health.json()["status"] == "unavailable"
        assert "retry-after" in health.headers
        not_ready = await http.get("/readyz")
        assert not_ready.status_code == 503
        assert not_ready.json()["checks"]["database"].startswith("unreachable")
        assert "retry-after" in not_ready.headers

        # When the database server comes back
        _start_again(own_cluster)

        # Then the same app serves again, without a restart: its pool dropped the dead
        # connections and made new ones
        assert (await http.get("/healthz")).status_code == 200
        after = await _doors(http, token)
        for door in ("home page", "profile page", "community page", "actor document"):
            assert after[door].status_code == 200, (door, after[door].text)
        assert after["client API post"].status_code == 200, after["client API post"].text
        assert after["inbox"].status_code == 202, after["inbox"].text
        posted = after["client API post"].json()["id"]
        async with node.state.pool.acquire() as conn:
            stored = await conn.fetchval("SELECT count(*) FROM posts WHERE id = $1", int(posted))
        assert stored == 1
        # and its queue workers lived through it and tick again
        for _ in range(200):
            ready = await http.get("/readyz")
            if ready.status_code == 200:
                break
            await asyncio.sleep(0.05)
        assert ready.status_code == 200, ready.text


async def test_a_worker_loop_waits_out_an_outage_and_resumes(
    own_cluster: EmbeddedPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a queue worker's loop running against the database
    pool = await create_pool(await _migrated(own_cluster), min_size=1, max_size=2)
    passes: list[str] = []
    stop = asyncio.Event()

    async def run_once() -> int:
        try:
            async with pool.acquire() as conn:
                await conn.fetchval("SELECT 1")
        except Exception as error:
            passes.append(type(error).__name__)
            raise
        passes.append("ok")
        if any(name != "ok" for name in passes):
            stop.set()  # it worked again after failing: the test has seen enough
        return 0

    loop = asyncio.create_task(run_batches(run_once, "test worker", stop))
    try:
        for _ in range(200):
            if passes:
                break
            await asyncio.sleep(0.05)
        # When the database dies for a while (two passes fail), then comes back
        _kill_database(own_cluster)
        for _ in range(400):
            if len([name for name in passes if name != "ok"]) >= 2:
                break
            await asyncio.sleep(0.05)
        assert not loop.done()
        _start_again(own_cluster)
        # Then the loop, still alive, resumes on its own
        await asyncio.wait_for(loop, timeout=120)
    finally:
        stop.set()
        await pool.close()
    assert passes[0] == "ok" and passes[-1] == "ok"
    assert len([name for name in passes if name != "ok"]) >= 2
    messages = [record.getMessage() for record in caplog.records]
    assert any("database is unavailable" in message for message in messages)
    assert any("the database is back, resuming" in message for message in messages)


async def test_only_errors_of_an_absent_database_count_as_an_outage(
    own_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    async def error_of(work: Any) -> BaseException:
        try:
            await work
        except Exception as error:  # the error is what is under test
            return error
        raise AssertionError("no error")

    admin = await asyncpg.connect(own_cluster.dsn())
    try:
        await admin.execute("CREATE ROLE crowded LOGIN CONNECTION LIMIT 0")
        # A server with no slot left for us: an outage (503, try again)
        full = await error_of(asyncpg.connect(own_cluster.dsn().replace("postgres@", "crowded@")))
        assert isinstance(full, asyncpg.TooManyConnectionsError)
        assert database_unavailable(full)
        # A query the server refuses, and an error of fedcop's own files: bugs, not outages
        bad_query = await error_of(admin.execute("SELEC 1"))
        assert not database_unavailable(bad_query)
        # The inbox worker retries a row the outage interrupted like one whose peer was down
        # (backoff, a delivery's worth of tries); a bug gets a handler's few quick retries.
        assert not inbox_worker._is_passing(bad_query)
        await admin.execute("SET statement_timeout = 10")
        cancelled = await error_of(admin.execute("SELECT pg_sleep(5)"))
        assert isinstance(cancelled, asyncpg.QueryCanceledError)
        assert not database_unavailable(cancelled)
        assert not database_unavailable(
            await error_of(asyncio.to_thread((tmp_path / "absent").read_text))
        )
    finally:
        await admin.close()
    # A server that is not there
    _kill_database(own_cluster)
    refused = await error_of(asyncpg.connect(own_cluster.dsn(), timeout=10))
    assert isinstance(refused, OSError)
    assert database_unavailable(refused)
    assert inbox_worker._is_passing(refused)
