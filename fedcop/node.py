"""The node's database, whichever it is: FEDCOP_DATABASE_URL, or the embedded cluster.

    database = NodeDatabase(config, role="serve")
    with database as dsn:                               # embedded: start (or reuse), migrate,
        config = database.config                        # the base URL recorded on first start
        ...                                             # leave: stop it if this process owns it

`serve` always owns the embedded cluster. An admin command owns it only when no `serve` is
running on the same data directory (see fedcop.db.datadir_lock). A `worker` never owns it: it
joins the cluster of the `serve` running on the same data directory, and is refused when there
is none (a worker holding the cluster would keep `serve` from starting). Processes on other
machines share a database through FEDCOP_DATABASE_URL instead.
"""

from __future__ import annotations

import asyncio
import fcntl
import time
from types import TracebackType
from typing import Literal

import asyncpg

from fedcop.config import Config, ConfigError, replace
from fedcop.db.datadir_lock import DataDirLock, Role
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.db.migrate import apply_migrations
from fedcop.store import node as node_store

EMBEDDED_DATABASE = "fedcop"
# What a process does with the data directory's cluster: owns it (serve), borrows it or owns it
# for a moment (admin), or borrows it only (worker).
NodeRole = Role | Literal["worker"]


class NoServeRunning(ConfigError):
    """`fedcop worker` on an embedded database found no `serve` to share it with."""


def serve_is_running(lock: DataDirLock) -> bool:
    """Whether a `serve` holds the data directory's lock right now (not merely named in it: a
    killed serve leaves its name behind, but the kernel drops its flock)."""
    if not lock.holder().startswith("serve") or not lock.path.exists():
        return False
    with lock.path.open("r") as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(probe, fcntl.LOCK_UN)
        return False


class NodeDatabase:
    def __init__(
        self,
        config: Config,
        role: NodeRole,
        *,
        settings: dict[str, str] | None = None,
        prepare: bool = True,
    ) -> None:
        """`prepare=False` hands over the database as it is: no migrations, no base URL recorded
        (`fedcop admin restore` wants it empty)."""
        self.prepare = prepare
        self.config = config
        self.role = role
        self.embedded: EmbeddedPostgres | None = None
        self.owns_cluster = False
        self.applied: list[str] = []
        self._lock = DataDirLock(config.data_dir)
        self._settings = settings

    def __enter__(self) -> str:
        try:
            dsn = self._open()
            if not self.prepare:
                return dsn
            # A worker adopts the node's base URL; it never records a default one.
            worker_without_url = self.role == "worker" and not self.config.base_url_given
            if worker_without_url and asyncio.run(_recorded_base_url(dsn)) is None:
                raise NoServeRunning(
                    "this database holds no node yet: start `fedcop serve` first (it "
                    "records the node's base URL), or give the worker --base-url"
                )
            self.applied = asyncio.run(_migrate(dsn))
            recorded = asyncio.run(_record_base_url(dsn, self.config.base_url))
            self.config = reconcile_base_url(self.config, recorded, strict=self.role == "serve")
            return dsn
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _open(self) -> str:
        if self.config.database_url:
            return self.config.database_url
        self.embedded = EmbeddedPostgres(self.config.data_dir, settings=self._settings)
        if self.role == "worker":
            if not serve_is_running(self._lock):
                raise NoServeRunning(
                    f"no `fedcop serve` is running on {self.config.data_dir}: a worker shares the "
                    "embedded database of a running serve (start `fedcop serve --no-workers` "
                    "first), or set FEDCOP_DATABASE_URL to a PostgreSQL server every process shares"
                )
            if self.embedded.running_postmaster() is None:
                raise NoServeRunning(
                    f"the embedded database in {self.config.data_dir} is not running yet: "
                    "wait until `fedcop serve` answers, then start the worker"
                )
            return self.embedded.dsn(EMBEDDED_DATABASE)
        if self.role == "serve":
            self._lock.acquire_for_serve()
            self.owns_cluster = True
        else:
            while not self._lock.try_acquire("admin"):
                if self._lock.holder().startswith("serve"):
                    break  # use serve's cluster, leave it running
                time.sleep(0.2)  # another admin command: wait for it
            else:
                self.owns_cluster = True
        self.embedded.ensure_running()
        asyncio.run(_create_database(self.embedded.dsn(), EMBEDDED_DATABASE))
        return self.embedded.dsn(EMBEDDED_DATABASE)

    def serve_running(self) -> bool:
        """Whether a `serve` holds this data directory (the embedded cluster is its)."""
        return serve_is_running(self._lock)

    def close(self) -> None:
        try:
            if self.embedded is not None and self.owns_cluster:
                self.embedded.stop()
        finally:
            self._lock.release()


async def _create_database(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _migrate(dsn: str) -> list[str]:
    conn = await asyncpg.connect(dsn)
    try:
        return await apply_migrations(conn)
    finally:
        await conn.close()


def reconcile_base_url(config: Config, recorded: str, *, strict: bool) -> Config:
    """The configuration with the base URL this node's ids were minted on.

    An admin command given no base URL adopts the recorded one. Anything else that disagrees
    with it is refused: every id already published (and followed by other servers) would break.
    """
    if recorded == config.base_url:
        return config
    if not config.base_url_given and not strict:
        return replace(config, base_url=recorded)
    raise ConfigError(
        f"this node's database was set up for {recorded}, not {config.base_url}: ids published "
        f"on the network cannot change, so run with --base-url {recorded} (or FEDCOP_BASE_URL), "
        "or use another --data-dir / database for a new node"
    )


async def _record_base_url(dsn: str, base_url: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        return await node_store.record_base_url(conn, base_url)
    finally:
        await conn.close()


async def _recorded_base_url(dsn: str) -> str | None:
    conn = await asyncpg.connect(dsn)
    try:
        if not await conn.fetchval("SELECT to_regclass('public.node') IS NOT NULL"):
            return None
        return await node_store.recorded_base_url(conn)
    finally:
        await conn.close()
