"""Shared fixtures: one real PostgreSQL cluster per test run, a fresh database per test.

    session:  EmbeddedPostgres on tmpfs (fsync off) -> database fedcop_template, migrated once
    per test: CREATE DATABASE test_N TEMPLATE fedcop_template  (~20 ms), dropped afterwards

Nothing here mocks the database: every test talks to a real server.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import os
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from fedcop.app import create_app
from fedcop.config import Config
from fedcop.db.embedded import UNSAFE_FAST_SETTINGS, EmbeddedPostgres
from fedcop.db.migrate import apply_migrations
from fedcop.db.pool import create_pool

TEMPLATE = "fedcop_template"
_counter = itertools.count()


def fast_tmp_root() -> str | None:
    """tmpfs when there is one: creating a database there takes ~20 ms instead of ~200."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[EmbeddedPostgres]:
    root = Path(tempfile.mkdtemp(prefix="fedcop-test-pg-", dir=fast_tmp_root()))
    cluster = EmbeddedPostgres(root, settings=UNSAFE_FAST_SETTINGS)
    cluster.ensure_running()

    async def make_template() -> None:
        conn = await asyncpg.connect(cluster.dsn())
        try:
            await conn.execute(f'CREATE DATABASE "{TEMPLATE}"')
        finally:
            await conn.close()
        conn = await asyncpg.connect(cluster.dsn(TEMPLATE))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    asyncio.run(make_template())
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def fresh_database(cluster: EmbeddedPostgres) -> AsyncIterator[str]:
    """A new database cloned from the migrated template; its DSN."""
    name = f"test_{os.getpid()}_{next(_counter)}"
    admin = await asyncpg.connect(cluster.dsn())
    try:
        await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    finally:
        await admin.close()
    try:
        yield cluster.dsn(name)
    finally:
        admin = await asyncpg.connect(cluster.dsn())
        try:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        finally:
            await admin.close()


@pytest.fixture
async def dsn(pg_cluster: EmbeddedPostgres) -> AsyncIterator[str]:
    async with fresh_database(pg_cluster) as value:
        yield value


@pytest.fixture
async def pool(dsn: str) -> AsyncIterator[Any]:
    db_pool = await create_pool(dsn, min_size=1, max_size=4)
    try:
        yield db_pool
    finally:
        await db_pool.close()


# The data directory of configs made here (uploaded files, the media proxy's cache): one for
# the test process, outside the repository, removed when the process ends.
_TEST_DATA_DIR = Path(tempfile.mkdtemp(prefix="fedcop-test-data-"))
atexit.register(shutil.rmtree, _TEST_DATA_DIR, True)


def make_config(base_url: str = "https://alpha.test", **overrides: Any) -> Config:
    settings: dict[str, Any] = {
        "base_url": base_url,
        "allow_private_addresses": True,
        "data_dir": _TEST_DATA_DIR,
    }
    settings.update(overrides)
    return Config(**settings)


@pytest.fixture
def config() -> Config:
    return make_config()


@contextlib.asynccontextmanager
async def running_app(config: Config, dsn: str, *, run_workers: bool = True) -> AsyncIterator[Any]:
    """The real app with its lifespan run (pool opened, instance actor made). A test that drains
    the queues itself with `run_once()` passes `run_workers=False`: background workers would
    race it for the rows."""
    app = create_app(config, dsn, run_workers=run_workers)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def app(config: Config, dsn: str) -> AsyncIterator[Any]:
    async with running_app(config, dsn) as application:
        yield application


@pytest.fixture
async def client(app: Any, config: Config) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        yield http


@pytest.fixture(scope="session")
def s3_server() -> Iterator[Any]:
    """A real S3-protocol server (moto's, tests/s3_server.py: an S3Server), one per session;
    each test makes its own bucket with `new_bucket()`."""
    from tests.s3_server import running_s3_server  # the S3 client loads only when needed

    with running_s3_server() as server:
        yield server
