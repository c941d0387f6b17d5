"""`fedcop serve` and the admin commands as real processes on a real data directory."""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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

AP = {"Accept": "application/activity+json"}


@pytest.fixture
def data_dir() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="fedcop-serve-", dir=fast_tmp_root()))
    yield root / "data"
    pid = postmaster_pid(root / "data")
    if pid and process_alive(pid):  # never leave a cluster behind, even when a test fails
        kill_process(pid)
    # Nor its files: the data directories live in RAM (/dev/shm) and are ~50 MB each.
    shutil.rmtree(root, ignore_errors=True)


def test_serve_starts_from_an_empty_data_dir_and_stops_cleanly(data_dir: Path) -> None:
    # Given an empty data directory
    assert not data_dir.exists()
    # When serve starts
    node = Serve(data_dir)
    node.wait_ready()
    # Then it answers WebFinger for a community an admin creates while it runs
    base = f"http://localhost:{node.port}"
    assert (
        run_fedcop(
            "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
        ).returncode
        == 0
    )
    made = run_fedcop(
        "admin",
        "create-community",
        "stewards",
        "--title",
        "Data Stewards",
        "--owner",
        "ana",
        "--data-dir",
        str(data_dir),
    )
    assert made.returncode == 0, made.stderr
    response = node.get(
        "/.well-known/webfinger", params={"resource": f"acct:stewards@localhost:{node.port}"}
    )
    assert response.status_code == 200
    assert response.json()["links"][0]["href"] == f"{base}/c/stewards"
    actor = node.get("/c/stewards", headers=AP).json()
    assert actor["id"] == f"{base}/c/stewards"
    assert actor["type"] == "Group"
    # And the admin command left serve's database running
    pid = postmaster_pid(data_dir)
    assert pid and process_alive(pid)
    # When it gets SIGTERM it exits cleanly and stops its database
    assert node.stop(signal.SIGTERM) == 0
    assert wait_until(lambda: not process_alive(pid))
    assert not (data_dir / "postgres" / "postmaster.pid").exists()


def test_restart_on_the_same_data_dir_keeps_everything(data_dir: Path) -> None:
    first = Serve(data_dir)
    first.wait_ready()
    run_fedcop(
        "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
    )
    key_before = first.get("/u/ana", headers=AP).json()["publicKey"]["publicKeyPem"]
    instance_before = first.get("/actor", headers=AP).json()["publicKey"]["publicKeyPem"]
    assert first.stop(signal.SIGINT) == 0

    second = Serve(data_dir, "--base-url", f"http://localhost:{first.port}")
    second.wait_ready()
    assert second.get("/u/ana", headers=AP).json()["publicKey"]["publicKeyPem"] == key_before
    assert second.get("/actor", headers=AP).json()["publicKey"]["publicKeyPem"] == instance_before
    assert second.stop() == 0


def test_recovers_after_serve_is_killed(data_dir: Path) -> None:
    # Given a serve killed without a chance to clean up (its database keeps running)
    first = Serve(data_dir)
    first.wait_ready()
    run_fedcop(
        "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
    )
    first.kill()
    orphan = postmaster_pid(data_dir)
    assert orphan and process_alive(orphan)
    # When serve starts again
    second = Serve(data_dir, "--base-url", f"http://localhost:{first.port}")
    second.wait_ready()
    # Then the data is there and the new serve owns (and on exit stops) the database
    assert second.get("/u/ana", headers=AP).status_code == 200
    assert second.stop() == 0
    assert wait_until(lambda: not process_alive(orphan))


def test_recovers_after_the_database_is_killed_and_its_pid_reused(data_dir: Path) -> None:
    # Given a data dir whose postmaster died and whose lock file names a live, unrelated process
    first = Serve(data_dir)
    first.wait_ready()
    base_url = f"http://localhost:{first.port}"
    run_fedcop(
        "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
    )
    first.kill()
    postmaster = postmaster_pid(data_dir)
    assert postmaster
    kill_process(postmaster)
    assert wait_until(lambda: not process_alive(postmaster))
    bystander = subprocess.Popen(["sleep", "300"])
    try:
        lock = data_dir / "postgres" / "postmaster.pid"
        lines = lock.read_text().splitlines()
        lines[0] = str(bystander.pid)
        lock.write_text("\n".join(lines) + "\n")
        # When serve starts
        second = Serve(data_dir, "--base-url", base_url)
        second.wait_ready()
        # Then it started a fresh postmaster after crash recovery, and left the bystander alone
        assert second.get("/u/ana", headers=AP).status_code == 200
        assert postmaster_pid(data_dir) not in (None, bystander.pid)
        assert bystander.poll() is None
        assert second.stop() == 0
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_second_serve_on_the_same_data_dir_is_refused(data_dir: Path) -> None:
    first = Serve(data_dir)
    first.wait_ready()
    second = Serve(data_dir, "--base-url", f"http://localhost:{first.port}")
    assert second.process.wait(timeout=30) == 1
    assert "another fedcop process" in second.output()
    assert "--data-dir" in second.output()
    assert first.get("/.well-known/nodeinfo").status_code == 200
    assert first.stop() == 0


def test_base_url_cannot_change_once_ids_are_published(data_dir: Path) -> None:
    first = Serve(data_dir)
    first.wait_ready()
    assert first.stop() == 0
    moved = Serve(data_dir, "--base-url", "https://elsewhere.example")
    assert moved.process.wait(timeout=60) == 1
    output = moved.output()
    assert f"set up for http://localhost:{first.port}" in output
    assert f"--base-url http://localhost:{first.port}" in output
    assert postmaster_pid(data_dir) is None  # it stopped the database it had started


def test_admin_commands_work_without_serve_and_stop_their_database(data_dir: Path) -> None:
    args = ("--data-dir", str(data_dir))
    created = run_fedcop("admin", "create-user", "ana", "--password", "pw-123456", "--admin", *args)
    assert created.returncode == 0, created.stderr
    assert "created admin user @ana@localhost:8080" in created.stdout
    community = run_fedcop(
        "admin", "create-community", "stewards", "--title", "Data Stewards", "--owner", "ana", *args
    )
    assert community.returncode == 0, community.stderr
    listing = run_fedcop("admin", "list", *args)
    assert listing.returncode == 0
    assert "@ana@localhost:8080  (admin)" in listing.stdout
    assert "@stewards@localhost:8080  'Data Stewards'  facilitators: @ana" in listing.stdout
    assert postmaster_pid(data_dir) is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("admin", "create-user", "Bad Name", "--password", "pw-123456"), "lowercase letters"),
        (("admin", "create-user", "ana", "--password", "short"), "at least 8 characters"),
        (
            ("admin", "create-community", "c1", "--title", "T", "--owner", "ghost"),
            "create it first",
        ),
        (("admin", "create-community", "c1", "--title", " ", "--owner", "ana"), "title"),
        (("admin", "create-user", "ana", "--password", "pw-123456"), "already taken"),
        (("admin", "create-community", "ana", "--title", "T", "--owner", "ana"), "already taken"),
    ],
)
def test_admin_errors_are_sentences_with_a_nonzero_exit(
    data_dir: Path, args: tuple[str, ...], message: str
) -> None:
    run_fedcop(
        "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
    )
    result = run_fedcop(*args, "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    listing = run_fedcop("admin", "list", "--data-dir", str(data_dir)).stdout
    assert listing.splitlines() == ["user       @ana@localhost:8080"]  # nothing else was made


def test_migrate_applies_migrations_and_is_repeatable(data_dir: Path) -> None:
    first = run_fedcop("migrate", "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    assert "up to date" in first.stdout
    assert run_fedcop("migrate", "--data-dir", str(data_dir)).returncode == 0
    assert postmaster_pid(data_dir) is None


def test_database_url_uses_that_server_and_starts_nothing(
    data_dir: Path, pg_cluster: object
) -> None:
    from fedcop.db.embedded import EmbeddedPostgres

    assert isinstance(pg_cluster, EmbeddedPostgres)
    env = clean_env(FEDCOP_DATABASE_URL=pg_cluster.dsn("postgres_for_url_test"))
    import asyncio

    import asyncpg

    async def make() -> None:
        conn = await asyncpg.connect(pg_cluster.dsn())
        await conn.execute('DROP DATABASE IF EXISTS "postgres_for_url_test" WITH (FORCE)')
        await conn.execute('CREATE DATABASE "postgres_for_url_test"')
        await conn.close()

    asyncio.run(make())
    node = Serve(data_dir, env=env)
    node.wait_ready()
    assert not (data_dir / "postgres").exists()
    assert node.get("/actor", headers=AP).json()["type"] == "Application"
    assert node.stop() == 0


def test_unreachable_database_url_is_a_sentence(data_dir: Path) -> None:
    env = clean_env(FEDCOP_DATABASE_URL="postgresql://nobody@127.0.0.1:1/none")
    result = run_fedcop("migrate", "--data-dir", str(data_dir), env=env)
    assert result.returncode == 1
    assert "FEDCOP_DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr


def test_data_dir_from_another_postgres_major_version_is_refused(data_dir: Path) -> None:
    (data_dir / "postgres").mkdir(parents=True)
    (data_dir / "postgres" / "PG_VERSION").write_text("9\n")
    result = run_fedcop("migrate", "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert "made by PostgreSQL 9" in result.stderr
    assert "PG_BINDIR" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FEDCOP_BASE_URL", "ftp://x", "not an http(s) URL"),
        ("FEDCOP_BASE_URL", "https://x.example/sub", "root of its domain"),
        ("FEDCOP_PORT", "http", "not a port number"),
        ("FEDCOP_ALLOW_PRIVATE_ADDRESSES", "maybe", "not a yes/no value"),
    ],
)
def test_bad_settings_are_refused_before_anything_starts(
    data_dir: Path, variable: str, value: str, message: str
) -> None:
    result = run_fedcop("serve", "--data-dir", str(data_dir), env=clean_env(**{variable: value}))
    assert result.returncode == 1
    assert message in result.stderr
    assert not data_dir.exists()


def test_serve_help_documents_every_setting() -> None:
    result = run_fedcop("serve", "--help")
    assert result.returncode == 0
    for word in (
        "--base-url",
        "--host",
        "--port",
        "--data-dir",
        "--allow-private-addresses",
        "FEDCOP_BASE_URL",
        "FEDCOP_DATA_DIR",
        "FEDCOP_DATABASE_URL",
        "FEDCOP_ALLOW_PRIVATE_ADDRESSES",
        "--authorized-fetch",
        "FEDCOP_AUTHORIZED_FETCH",
    ):
        assert word in result.stdout


def test_console_script_is_installed() -> None:
    import shutil
    import sys

    script = Path(sys.executable).parent / "fedcop"
    assert script.exists() or shutil.which("fedcop"), "the `fedcop` command is not installed"


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def test_serve_with_several_worker_processes(data_dir: Path) -> None:
    # Given serve started with two server processes
    node = Serve(data_dir, "--workers", "2")
    node.wait_ready()
    run_fedcop(
        "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
    )
    # Then both answer on the one port, sharing one database
    for _ in range(6):
        assert node.get("/u/ana", headers=AP).json()["preferredUsername"] == "ana"
    postgres = postmaster_pid(data_dir)
    servers = [pid for pid in _children(node.process.pid) if b"spawn_main" in _cmdline(pid)]
    assert len([pid for pid in servers if process_alive(pid)]) == 2
    # When it gets SIGTERM, every process stops, and so does the database
    assert node.stop(signal.SIGTERM) == 0
    assert wait_until(lambda: not any(process_alive(pid) for pid in servers))
    assert postgres is not None and wait_until(lambda: not process_alive(postgres))


def test_a_bad_number_of_workers_is_refused(data_dir: Path) -> None:
    result = run_fedcop("serve", "--workers", "0", "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert "number of processes" in result.stderr
