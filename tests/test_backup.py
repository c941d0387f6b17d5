"""`fedcop admin backup` / `restore`: back up, wipe, restore; the node is the same node.

    alpha (ana, followed by bo on beta) --backup--> FILE --restore--> a new, empty database
    restored alpha, same base URL: serves ana with the same key; its deliveries verify on beta
    with the key beta cached before the backup (no refetch)

The embedded flow does the same with data directories and `fedcop serve` processes.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from fedcop.db.backup import BackupError, read_manifest
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.media.settings import media_environment
from fedcop.services import accounts, follows, profiles
from fedcop.services.media import receive_upload
from fedcop.store import users as user_store
from fedcop.store.media import Media
from tests.conftest import TEMPLATE, fast_tmp_root, fresh_database, make_config, running_app
from tests.live_node import LiveNode, live_node
from tests.media import samples
from tests.processes import (
    Serve,
    clean_env,
    free_port,
    kill_process,
    postmaster_pid,
    process_alive,
    run_fedcop,
)
from tests.s3_server import S3Server

AP = {"Accept": "application/activity+json"}


def node_at(dsn: str, base: str, port: int) -> contextlib.AbstractAsyncContextManager[LiveNode]:
    """A node on a chosen port and base URL (a restored node keeps its base URL)."""
    return live_node(dsn, port=port, base=base)


def admin(
    dsn: str, base: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`fedcop admin ARGS` for the node at `dsn`. Its data directory (where uploaded files live)
    is a new, empty one unless `env` names one: never whatever ./fedcop-data holds."""
    with tempfile.TemporaryDirectory(prefix="fedcop-admin-") as empty:
        given = {"FEDCOP_DATA_DIR": empty, **(env or {})}
        variables = clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_BASE_URL=base, **given)
        return run_fedcop("admin", *args, env=variables)


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


# -- uploaded files --------------------------------------------------------------------------


def archive_names(backup_file: Path) -> list[str]:
    with tarfile.open(backup_file) as tar:
        return sorted(tar.getnames())


def archive_manifest(backup_file: Path) -> dict[str, Any]:
    with tarfile.open(backup_file) as tar:
        member = tar.extractfile("manifest.json")
        assert member is not None
        return dict(json.loads(member.read()))


async def node_database(pg_cluster: EmbeddedPostgres, base: str, name: str) -> str:
    """A new database `name` holding a node at `base` (as `fedcop serve` leaves it)."""
    async with pool_of(pg_cluster.dsn()) as conn:
        await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    dsn = pg_cluster.dsn(name)
    async with running_app(make_config(base), dsn, run_workers=False):
        pass
    return dsn


async def test_backup_holds_the_files_on_disk_and_restore_puts_them_back(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    base = "https://files.example"
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    backup_file = tmp_path / "node.fedcop-backup"
    suffix = free_port()
    dsn = await node_database(pg_cluster, base, f"files_{suffix}")
    restored_dsn = await empty_database(pg_cluster, f"files_restored_{suffix}")
    # Given a node where ana uploaded a document and a picture (kept in its data directory)
    document = b"%PDF-1.7\n" + os.urandom(300_000)
    async with running_app(make_config(base, data_dir=first_dir), dsn, run_workers=False) as app:
        ana = await accounts.create_user(app.state.pool, app.state.config, "ana", "long enough")
        uploads = [
            await receive_upload(
                app.state.pool,
                app.state.config,
                app.state.media_storage,
                ana.id,
                samples.chunks(data),
                name,
            )
            for data, name in ((document, "checklist.pdf"), (samples.png(), "board.png"))
        ]
        served_before = {media.token: (await get_file(app, media)).content for media in uploads}
    stored = sorted(
        path.relative_to(first_dir / "media").as_posix()
        for path in (first_dir / "media").rglob("*")
        if path.is_file()
    )
    # When the operator backs it up
    made = admin(dsn, base, "backup", str(backup_file), env={"FEDCOP_DATA_DIR": str(first_dir)})
    assert made.returncode == 0, made.stderr
    # Then the backup holds the files, and says so
    assert f"with {len(stored)} uploaded file(s)" in made.stdout
    assert archive_names(backup_file) == sorted(
        ["database.dump", "manifest.json", *(f"media/{key}" for key in stored)]
    )
    media = archive_manifest(backup_file)["media"]
    assert (media["storage"], media["included"], media["files"]) == ("disk", True, len(stored))
    # And once restored into a new database and data directory, the node serves the same files
    restored = admin(
        restored_dsn, base, "restore", str(backup_file), env={"FEDCOP_DATA_DIR": str(second_dir)}
    )
    assert restored.returncode == 0, restored.stderr
    assert f"restored {len(stored)} uploaded file(s) into {second_dir / 'media'}" in restored.stdout
    second = make_config(base, data_dir=second_dir)
    async with running_app(second, restored_dsn, run_workers=False) as app:
        for media in uploads:
            answer = await get_file(app, media)
            assert answer.status_code == 200
            assert answer.content == served_before[media.token]
    assert served_before[uploads[0].token] == document
    async with pool_of(pg_cluster.dsn()) as conn:
        for name in (f"files_{suffix}", f"files_restored_{suffix}"):
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


async def get_file(app: Any, media: Media) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=app.state.config.base_url) as http:
        return await http.get(f"/media/{media.token}/{media.file_name}")


async def test_with_object_storage_the_backup_says_the_bucket_is_backed_up_separately(
    pg_cluster: EmbeddedPostgres, s3_server: S3Server, tmp_path: Path
) -> None:
    base = "https://bucket.example"
    backup_file = tmp_path / "node.fedcop-backup"
    suffix = free_port()
    dsn = await node_database(pg_cluster, base, f"bucket_{suffix}")
    restored_dsn = await empty_database(pg_cluster, f"bucket_restored_{suffix}")
    bucket = await s3_server.new_bucket()
    settings = s3_server.settings(bucket)
    # Given a node keeping its files in a bucket (and a stray file in its data directory)
    (tmp_path / "data" / "media").mkdir(parents=True)
    (tmp_path / "data" / "media" / "stray").write_bytes(b"left from before")
    env = {"FEDCOP_DATA_DIR": str(tmp_path / "data"), **media_environment(settings)}
    # When the operator backs it up
    made = admin(dsn, base, "backup", str(backup_file), env=env)
    assert made.returncode == 0, made.stderr
    # Then the output and the manifest say the bucket is not in it, and which bucket it is
    warning = f"NOT in this backup: they live in bucket {bucket!r} at {s3_server.endpoint}"
    assert warning in made.stdout and "back that bucket up separately" in made.stdout
    assert archive_names(backup_file) == ["database.dump", "manifest.json"]
    media = archive_manifest(backup_file)["media"]
    assert media["included"] is False
    assert (media["storage"], media["bucket"], media["endpoint"]) == (
        "s3",
        bucket,
        s3_server.endpoint,
    )
    assert warning in media["note"]
    # And restoring it says the bucket is to be restored separately
    restored = admin(restored_dsn, base, "restore", str(backup_file), env=env)
    assert restored.returncode == 0, restored.stderr
    assert "restore that bucket separately" in restored.stdout
    async with pool_of(pg_cluster.dsn()) as conn:
        for name in (f"bucket_{suffix}", f"bucket_restored_{suffix}"):
            await conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def test_a_backup_whose_files_would_land_outside_the_directory_is_refused(
    tmp_path: Path,
) -> None:
    hostile = tmp_path / "hostile.fedcop-backup"
    with tarfile.open(hostile, "w") as tar:
        for name, data in (
            ("manifest.json", json.dumps({"format": "fedcop-backup/1"}).encode()),
            ("database.dump", b"not read"),
            ("media/../../escaped", b"owned"),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError) as refused:
        read_manifest(hostile)
    assert "media/../../escaped" in str(refused.value)
    assert "nothing was restored" in str(refused.value)
