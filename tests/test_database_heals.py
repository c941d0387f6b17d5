"""`fedcop serve` heals when its embedded PostgreSQL dies: real processes, a real kill -9.

The serve processes run this checkout's code (PYTHONPATH is the repository these tests live in),
whatever fedcop is installed in the environment.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import httpx
import orjson
import pytest

from fedcop.db.embedded import UNSAFE_FAST_SETTINGS, EmbeddedPostgres
from fedcop.db.supervisor import ClusterSupervisor
from federation.signatures import sign_request
from tests.conftest import fast_tmp_root
from tests.processes import (
    Serve,
    clean_env,
    kill_process,
    postmaster_pid,
    process_alive,
    run_fedcop,
    wait_until,
)
from tests.signed_requests import activity, stranger

REPOSITORY = Path(__file__).resolve().parents[1]
AP = {"Accept": "application/activity+json"}
HTML = {"Accept": "text/html"}
# Fast, yet every acknowledged commit survives a kill -9 of the server (synchronous_commit on).
KILLABLE_FAST_SETTINGS = {**UNSAFE_FAST_SETTINGS, "synchronous_commit": "on"}


def this_checkout() -> dict[str, str]:
    # PYTHONSAFEPATH: the working directory is not put before PYTHONPATH by `python -m`.
    return clean_env(PYTHONPATH=str(REPOSITORY), PYTHONSAFEPATH="1")


@pytest.fixture
def data_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="fedcop-heal-", dir=fast_tmp_root()))
    yield root / "data"
    pid = postmaster_pid(root / "data")
    if pid and process_alive(pid):  # never leave a cluster behind, even when a test fails
        kill_process(pid)
    shutil.rmtree(root, ignore_errors=True)


def _admin(data_dir: Path, *args: str) -> str:
    done = run_fedcop("admin", *args, "--data-dir", str(data_dir), env=this_checkout())
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


class Traffic:
    """Requests through every door of a running serve, as browsers, apps and servers send them."""

    def __init__(self, serve: Serve, token: str) -> None:
        self.serve = serve
        self.domain = f"localhost:{serve.port}"
        self.token = token
        self.http = httpx.Client(base_url=serve.base, timeout=30)

    def inbox(self) -> httpx.Response:
        sender = stranger("https://beta.example", "bo")
        document = activity(sender, "Follow", object=f"http://{self.domain}/u/ana")
        body = orjson.dumps(document)
        headers = sign_request(
            "POST", f"http://{self.domain}/inbox", body, sender.key_id, sender.private_key
        )
        headers.update({"Host": self.domain, "Content-Type": "application/activity+json"})
        return self.http.post("/inbox", content=body, headers=headers)

    def post(self, text: str) -> httpx.Response:
        return self.http.post(
            "/api/v1/statuses",
            json={"status": text},
            headers={"Authorization": f"Bearer {self.token}"},
        )

    def every_door(self) -> list[tuple[str, httpx.Response]]:
        host = {"Host": self.domain}
        return [
            ("inbox", self.inbox()),
            ("page", self.http.get("/c/garden", headers={**HTML, **host})),
            ("actor", self.http.get("/u/ana", headers={**AP, **host})),
            (
                "webfinger",
                self.http.get(
                    "/.well-known/webfinger",
                    params={"resource": f"acct:ana@{self.domain}"},
                    headers=host,
                ),
            ),
            ("client API", self.post("@garden written while the database is away")),
        ]


@pytest.mark.parametrize(
    "processes", [[], ["--workers", "2"]], ids=["one process", "two server processes"]
)
def test_serve_restarts_its_killed_database_and_answers_503_meanwhile(
    data_dir: Path, processes: list[str]
) -> None:
    # Given a node with a member and a community, serving (with --workers 2, the parent owns
    # the database and the two server processes each have their own pool)
    serve = Serve(data_dir, *processes, env=this_checkout())
    serve.wait_ready()
    serve.wait_started(2 if processes else 1)
    _admin(data_dir, "create-user", "ana", "--password", "pw-123456")
    _admin(data_dir, "create-community", "garden", "--title", "Garden", "--owner", "ana")
    traffic = Traffic(serve, _admin(data_dir, "token", "ana"))
    assert traffic.inbox().status_code == 202
    killed = postmaster_pid(data_dir)
    assert killed and process_alive(killed)

    # When its database is killed (kill -9) under traffic
    kill_process(killed)
    answers: list[tuple[str, httpx.Response]] = []
    while not any(response.status_code == 503 for _, response in answers) and len(answers) < 500:
        answers += traffic.every_door()
    health = traffic.http.get("/healthz")

    # Then every answer is a success or a 503 with Retry-After, never a 500
    statuses = sorted({(door, response.status_code) for door, response in answers})
    assert all(response.status_code in (200, 202, 503) for _, response in answers), statuses
    unavailable = [response for _, response in answers if response.status_code == 503]
    assert unavailable, f"no request saw the outage: {statuses}"
    assert all(response.headers["retry-after"].isdigit() for response in unavailable)
    assert health.status_code in (200, 503)
    if health.status_code == 503:
        assert health.json()["status"] == "unavailable"

    # And the node comes back by itself, on a new postmaster
    assert wait_until(lambda: traffic.http.get("/readyz").status_code == 200, timeout=120), (
        serve.output()
    )
    assert traffic.http.get("/healthz").status_code == 200
    restarted = postmaster_pid(data_dir)
    assert restarted and restarted != killed and process_alive(restarted)
    assert "restarting it" in serve.output()
    # and what is posted now is stored and served
    posted = traffic.post("@garden after the storm")
    assert posted.status_code == 200, posted.text
    shown = traffic.http.get(
        f"/api/v1/statuses/{posted.json()['id']}",
        headers={"Authorization": f"Bearer {traffic.token}"},
    )
    assert shown.status_code == 200 and "after the storm" in shown.json()["content"]
    assert traffic.inbox().status_code == 202
    assert traffic.http.get("/c/garden", headers=HTML).status_code == 200
    traffic.http.close()
    assert serve.stop() == 0


@pytest.mark.parametrize(
    "processes", [[], ["--workers", "2"]], ids=["one process", "two server processes"]
)
def test_serve_gives_up_with_a_sentence_when_its_database_cannot_come_back(
    data_dir: Path, processes: list[str]
) -> None:
    # Given a serving node whose database files are then taken away and its server killed
    serve = Serve(data_dir, *processes, env=this_checkout())
    serve.wait_ready()
    serve.wait_started(2 if processes else 1)
    killed = postmaster_pid(data_dir)
    assert killed
    (data_dir / "postgres").rename(data_dir.parent / "postgres-moved")
    kill_process(killed)
    # Then serve stops by itself with a non-zero exit and says why
    code = serve.process.wait(timeout=120)
    output = serve.output()
    assert code == 1, output
    assert "could not be kept running" in output
    assert "are gone" in output
    shutil.rmtree(data_dir.parent / "postgres-moved", ignore_errors=True)


def test_the_supervisor_gives_up_on_a_database_that_keeps_failing_to_start() -> None:
    # Given a cluster that is killed and cannot start again (its configuration is broken)
    root = Path(tempfile.mkdtemp(prefix="fedcop-heal-", dir=fast_tmp_root()))
    cluster = EmbeddedPostgres(root, settings=UNSAFE_FAST_SETTINGS)
    cluster.ensure_running()
    gave_up = threading.Event()
    try:
        with ClusterSupervisor(
            cluster, on_give_up=lambda message: gave_up.set(), max_restarts=2
        ) as supervisor:
            conf = cluster.pgdata / "postgresql.conf"
            conf.write_text(conf.read_text() + "\nshared_buffers = 'not a size'\n")
            postmaster = cluster.running_postmaster()
            assert postmaster is not None
            kill_process(postmaster.pid)
            # Then it tries a bounded number of times, then gives up and says why
            assert gave_up.wait(timeout=120)
            assert supervisor.failure is not None
            assert "could not be kept running" in supervisor.failure
            assert supervisor.restarts == 0
    finally:
        pid = postmaster_pid(root)
        if pid and process_alive(pid):
            kill_process(pid)
        shutil.rmtree(root, ignore_errors=True)


def test_serve_on_a_database_url_serves_again_when_that_server_comes_back(
    data_dir: Path,
) -> None:
    # Given serve on an external PostgreSQL server (FEDCOP_DATABASE_URL), not fedcop's to manage
    server = EmbeddedPostgres(data_dir.parent / "external", settings=KILLABLE_FAST_SETTINGS)
    server.ensure_running()
    try:
        asyncio.run(_create_database(server.dsn(), "fedcop_external"))
        env = {**this_checkout(), "FEDCOP_DATABASE_URL": server.dsn("fedcop_external")}
        serve = Serve(data_dir, env=env)
        serve.wait_ready()
        done = run_fedcop("admin", "create-user", "ana", "--password", "pw-123456", env=env)
        assert done.returncode == 0, done.stderr
        done = run_fedcop(
            "admin", "create-community", "garden", "--title", "Garden", "--owner", "ana", env=env
        )
        assert done.returncode == 0, done.stderr
        done = run_fedcop("admin", "token", "ana", env=env)
        traffic = Traffic(serve, done.stdout.strip())
        assert traffic.post("@garden before").status_code == 200

        # When that server is shut down: 503 with Retry-After, and serve keeps running
        server.stop()
        answers = traffic.every_door()
        assert [door for door, response in answers if response.status_code != 503] == []
        assert all("retry-after" in response.headers for _, response in answers)
        assert traffic.http.get("/healthz").status_code == 503
        assert serve.process.poll() is None

        # When it is back: the node serves again by itself, and stores what is posted
        server.ensure_running()
        assert wait_until(lambda: traffic.http.get("/readyz").status_code == 200, timeout=120)
        posted = traffic.post("@garden after")
        assert posted.status_code == 200, posted.text
        shown = traffic.http.get(
            f"/api/v1/statuses/{posted.json()['id']}",
            headers={"Authorization": f"Bearer {traffic.token}"},
        )
        assert shown.status_code == 200 and "after" in shown.json()["content"]
        traffic.http.close()
        assert serve.stop() == 0
    finally:
        server.stop()


async def _create_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
