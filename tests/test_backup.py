"""`fedcop admin backup` / `restore`: back up, wipe, restore; the node is the same node.

    alpha (ana, followed by bo on beta) --backup--> FILE --restore--> a new, empty database
    restored alpha, same base URL: serves ana with the same key; its deliveries verify on beta
    with the key beta cached before the backup (no refetch)

The embedded flow does the same with data directories and `fedcop serve` processes.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, profiles
from fedcop.store import users as user_store
from tests.conftest import fast_tmp_root, fresh_database
from tests.live_node import LiveNode, live_node
from tests.processes import (
    Serve,
    clean_env,
    free_port,
    kill_process,
    postmaster_pid,
    process_alive,
    run_fedcop,
)

AP = {"Accept": "application/activity+json"}


def node_at(dsn: str, base: str, port: int) -> contextlib.AbstractAsyncContextManager[LiveNode]:
    """A node on a chosen port and base URL (a restored node keeps its base URL)."""
    return live_node(dsn, port=port, base=base)


def admin(dsn: str, base: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_BASE_URL=base)
    return run_fedcop("admin", *args, env=env)


async def empty_database(cluster: EmbeddedPostgres, name: str) -> str:
    conn = await asyncpg.connect(cluster.dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return cluster.dsn(name)


async def test_backup_wipe_restore_keeps_actors_keys_and_followers(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://alpha.test:{port}"
    backup_file = tmp_path / "alpha.fedcop-backup"
    restored_dsn = await empty_database(pg_cluster, f"restored_{port}")
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(beta_dsn, "beta") as beta,
    ):
        # Given alpha, with ana followed by bo on beta (beta caches ana's key)
        async with node_at(alpha_dsn, base, port) as alpha:
            await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
            await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
            ana_uri = f"{base}/u/ana"
            await follows.follow_remote(
                beta.pool, beta.config, beta.app.state.network, "bo", ana_uri
            )
            for _ in range(3):
                await beta.drain()
                await alpha.drain()
            key_before = (await alpha.get("/u/ana", headers=AP)).json()["publicKey"]
            # When the operator backs it up
            made = admin(alpha_dsn, base, "backup", str(backup_file))
            assert made.returncode == 0, made.stderr
            assert "private key" in made.stdout
        # Then the file is private, with a manifest
        assert backup_file.stat().st_mode & 0o077 == 0
        with tarfile.open(backup_file) as tar:
            assert sorted(tar.getnames()) == ["database.dump", "manifest.json"]
            manifest_file = tar.extractfile("manifest.json")
            assert manifest_file is not None
            manifest = json.loads(manifest_file.read())
        assert manifest["base_url"] == base
        assert manifest["migration_version"] >= 11
        # And it is not restored over a database that has a node, nor for another base URL
        refused = admin(alpha_dsn, base, "restore", str(backup_file))
        assert refused.returncode == 1 and "not empty" in refused.stderr
        refused = admin(restored_dsn, "https://other.example", "restore", str(backup_file))
        assert refused.returncode == 1 and f"--base-url {base}" in refused.stderr
        async with pool_of(restored_dsn) as conn:
            assert (
                await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
                == 0
            )
        # When it is restored into an empty database (the old one wiped)
        restored = admin(restored_dsn, base, "restore", str(backup_file))
        assert restored.returncode == 0, restored.stderr
        assert f"restored {base}" in restored.stdout
        async with node_at(restored_dsn, base, port) as alpha:
            # Then the restored node serves ana with the same key
            key_after = (await alpha.get("/u/ana", headers=AP)).json()["publicKey"]
            assert key_after == key_before
            # And what ana does now reaches bo's server and verifies with the key it cached
            # before the backup
            async with alpha.pool.acquire() as conn:
                ana = await user_store.find_by_name(conn, "ana")
            assert ana is not None
            await profiles.update(
                alpha.pool,
                alpha.config,
                ana,
                display_name="Ana R.",
                bio_html="",
                organisation="",
                sector="",
                job_role="",
                expertise="",
            )
            await alpha.drain()
            async with alpha.pool.acquire() as conn:
                last = await conn.fetchrow(
                    "SELECT state, last_status FROM deliveries ORDER BY id DESC LIMIT 1"
                )
            assert (last["state"], last["last_status"]) == ("done", 202)
            await beta.drain()
            async with beta.pool.acquire() as conn:
                shown = await conn.fetchval(
                    "SELECT display_name FROM actors WHERE uri = $1", ana_uri
                )
            assert shown == "Ana R."
        # And --force restores over a database that is not empty
        forced = admin(alpha_dsn, base, "restore", "--force", str(backup_file))
        assert forced.returncode == 0, forced.stderr
    async with pool_of(pg_cluster.dsn()) as conn:
        await conn.execute(f'DROP DATABASE "restored_{port}" WITH (FORCE)')


@contextlib.asynccontextmanager
async def pool_of(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


@pytest.fixture
def root() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="fedcop-backup-", dir=fast_tmp_root()))
    yield path
    for data_dir in path.iterdir():
        pid = postmaster_pid(data_dir)
        if pid and process_alive(pid):
            kill_process(pid)
    shutil.rmtree(path, ignore_errors=True)


def test_embedded_backup_into_a_new_data_dir(root: Path) -> None:
    first_dir, second_dir = root / "first", root / "second"
    backup_file = root / "node.fedcop-backup"
    # Given a node on an embedded database, with a user
    first = Serve(first_dir)
    first.wait_ready()
    base = f"http://localhost:{first.port}"
    made = run_fedcop(
        "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(first_dir)
    )
    assert made.returncode == 0, made.stderr
    key = first.get("/u/ana", headers=AP).json()["publicKey"]["publicKeyPem"]
    # When it is backed up while serve runs, and restored into a new data directory
    backed = run_fedcop("admin", "backup", str(backup_file), "--data-dir", str(first_dir))
    assert backed.returncode == 0, backed.stderr
    assert first.stop() == 0
    restored = run_fedcop("admin", "restore", str(backup_file), "--data-dir", str(second_dir))
    assert restored.returncode == 0, restored.stderr
    assert postmaster_pid(second_dir) is None  # the restore stopped the database it started
    again = run_fedcop("admin", "restore", str(backup_file), "--data-dir", str(second_dir))
    assert again.returncode == 1 and "not empty" in again.stderr
    # Then serve on the new data directory is the same node
    second = Serve(second_dir, "--base-url", base)
    second.wait_ready()
    actor = second.get("/u/ana", headers=AP).json()
    assert actor["id"] == f"{base}/u/ana"
    assert actor["publicKey"]["publicKeyPem"] == key
    assert second.stop() == 0
