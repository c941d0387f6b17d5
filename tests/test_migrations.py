"""Migrations replay from an empty database, are recorded, and run once even when raced."""

from __future__ import annotations

import asyncio

import asyncpg

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.db.migrate import apply_migrations, discover
from tests.conftest import fresh_database


async def _empty_database(cluster: EmbeddedPostgres, name: str) -> str:
    conn = await asyncpg.connect(cluster.dsn())
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return cluster.dsn(name)


async def test_all_migrations_replay_from_an_empty_database(pg_cluster: EmbeddedPostgres) -> None:
    # Given an empty database
    dsn = await _empty_database(pg_cluster, "replay_empty")
    conn = await asyncpg.connect(dsn)
    try:
        # When every migration is applied
        applied = await apply_migrations(conn)
        # Then each file ran once, in order, and is recorded
        expected = [f"{m.version:04d}_{m.name}" for m in discover()]
        assert applied == expected
        rows = await conn.fetch("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [f"{r['version']:04d}_{r['name']}" for r in rows] == expected
        tables = {
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
        }
        assert {"actors", "users", "communities", "community_facilitators", "node"} <= tables
        # And running again changes nothing
        assert await apply_migrations(conn) == []
    finally:
        await conn.close()


async def test_concurrent_runs_apply_each_migration_once(pg_cluster: EmbeddedPostgres) -> None:
    dsn = await _empty_database(pg_cluster, "replay_race")
    first, second = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        results = await asyncio.gather(apply_migrations(first), apply_migrations(second))
        assert sorted(len(r) for r in results) == [0, len(discover())]
        count = await first.fetchval("SELECT count(*) FROM schema_migrations")
        assert count == len(discover())
    finally:
        await first.close()
        await second.close()


async def test_template_clone_is_fully_migrated(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn:
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("SELECT max(version) FROM schema_migrations") == max(
                m.version for m in discover()
            )
        finally:
            await conn.close()
