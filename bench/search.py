"""Full-text search over posts: what five realistic searches cost a node with a million posts
(bench/search_seed.py: bench/api_seed.py's node, then posts made by SQL in a durable embedded
PostgreSQL), and what a search for people and communities costs.

    this process: --concurrency asyncpg connections, each running fedcop's own search
    (store/post_search.py: the languages in use, then the statement, planned for its words) as
    the reader, a member of members-only communities, for one query after another, for
    --duration seconds per query; then requests/s, p50 and p99 of each

It measures the database's part of a search (what the web page and GET /api/v2/search ask
for), not HTTP. Before the load, each query's plan (EXPLAIN ANALYZE, BUFFERS) goes to stderr
and into the result, with a warning for a sequential scan over posts.

Seeding a million posts takes a while on a small machine: with --keep DIR the cluster stays in
DIR after the run, and a later run with the same DIR measures it again without seeding.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import api_seed
import asyncpg
import search_seed
from common import DATABASE, DURABLE_SETTINGS, Cleanup, durable_postgres, emit, log, phase, temp_dir

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.db.migrate import apply_migrations
from fedcop.store import account_directory, post_search

BASE_URL = "http://bench.test"


@dataclass(frozen=True)
class Query:
    name: str
    words: str
    filters: post_search.Filters


def queries(node: dict[str, Any]) -> list[Query]:
    """The five searches, for the node described by `node` (from seeding)."""
    month_ago = dt.datetime.fromisoformat(node["now"]) - dt.timedelta(days=30)
    return [
        Query("common word", "metadata", post_search.Filters()),
        Query("rare word", search_seed._made_up(15_000), post_search.Filters()),
        Query("phrase", '"data dictionaries"', post_search.Filters()),
        Query("word with an exclusion", "repository -downtime", post_search.Filters()),
        Query(
            "community and date",
            "provenance",
            post_search.Filters(community_id=node["busy_community"], since=month_ago),
        ),
    ]


async def seed(dsn: str, shape: api_seed.Shape, total: int) -> dict[str, Any]:
    with phase("building the base node's rows"):
        builder = await asyncio.to_thread(api_seed.build, shape, BASE_URL)
    conn = await asyncpg.connect(dsn)
    try:
        with phase("COPY the base node"):
            seeded = await api_seed.write(conn, builder)
        counts = await search_seed.add_posts(conn, total, shape.days, BASE_URL)
        busy = await conn.fetchval(
            """SELECT community_id FROM posts WHERE published > now() - interval '30 days'
               GROUP BY 1 ORDER BY count(*) DESC OFFSET 1 LIMIT 1"""
        )
    finally:
        await conn.close()
    return {
        "reader_id": seeded.reader_id,
        "busy_community": busy,
        "now": dt.datetime.now(dt.UTC).isoformat(),
        "counts": counts,
    }


async def _plan(conn: asyncpg.Connection, query: Query, reader: int, limit: int) -> list[str]:
    """The plans of the statements fedcop's search runs for `query`: the recent window's, and
    the whole node's when the window has too few matches (store/post_search.py)."""
    configs = await post_search.configs_in_use(conn)
    plan: list[str] = []
    for window in post_search.windows_for(query.words):
        args: list[Any] = [query.words, reader, post_search.CANDIDATES, limit, 0]
        sql = post_search.search_sql(configs, post_search.within(query.filters, window), args)
        async with conn.transaction():
            await conn.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
            considered = await conn.fetch(sql, *args)
        plan.append(f"-- statement for posts stored {f'within {window}' if window else 'ever'}")
        plan += [row[0] for row in rows]
        if considered and considered[0]["considered"] >= post_search.CANDIDATES:
            break
    return plan


async def explain(dsn: str, node: dict[str, Any], limit: int) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    plans: dict[str, Any] = {}
    try:
        for query in queries(node):
            await _plan(conn, query, node["reader_id"], limit)  # warm the cache first
            plan = await _plan(conn, query, node["reader_id"], limit)
            log(f"-- plan of {query.name}: {query.words!r}")
            for line in plan:
                log(line)
            scans = [line for line in plan if "Seq Scan on posts" in line]
            if scans:
                log(f"WARNING: sequential scan over posts for {query.words!r}")
            matches = await conn.fetchval(
                "SELECT count(*) FROM posts p JOIN unnest($2::regconfig[]) c"
                " ON p.search_config = c WHERE p.search_vector @@ websearch_to_tsquery(c, $1)",
                query.words,
                list(post_search.CONFIGS),
            )
            plans[query.name] = {
                "plan": plan, "seq_scan_on_posts": bool(scans), "matches": matches,
            }  # fmt: skip
        words = "maria ok"
        people = await conn.fetch(
            "EXPLAIN (ANALYZE, BUFFERS) SELECT a.id FROM actors a WHERE"
            " fedcop_actor_search_vector(a.username, a.display_name, a.summary)"
            " @@ to_tsquery('simple', $1)",
            account_directory.prefix_query(words),
        )
        plans["people"] = {"plan": [row[0] for row in people]}
        for line in plans["people"]["plan"]:
            log(line)
    finally:
        await conn.close()
    return plans


def _figures(latencies: list[float], duration: float) -> dict[str, Any]:
    latencies.sort()
    return {
        "requests_per_s": round(len(latencies) / duration, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
        "p99_ms": round(latencies[max(0, int(len(latencies) * 0.99) - 1)] * 1000, 2),
        "requests": len(latencies),
    }


async def load(dsn: str, node: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    pool = await asyncpg.create_pool(dsn, min_size=args.concurrency, max_size=args.concurrency)
    results: dict[str, Any] = {}
    reader = node["reader_id"]
    try:
        runs: list[tuple[str, Any]] = [
            (
                query.name,
                lambda conn, query=query: post_search.search(
                    conn,
                    query.words,
                    viewer_id=reader,
                    filters=query.filters,
                    limit=args.limit,
                ),
            )
            for query in queries(node)
        ]
        runs.append(
            (
                "people",
                lambda conn: account_directory.matching_words(conn, "maria ok", limit=args.limit),
            )
        )
        for name, run in runs:
            latencies: list[float] = []

            async def one_connection(
                until: float, run: Any = run, latencies: list[float] = latencies
            ) -> None:
                async with pool.acquire() as conn:
                    while time.monotonic() < until:
                        started = time.monotonic()
                        await run(conn)
                        if started >= until - args.duration:
                            latencies.append(time.monotonic() - started)

            until = time.monotonic() + args.warmup + args.duration
            await asyncio.gather(*(one_connection(until) for _ in range(args.concurrency)))
            results[name] = _figures(latencies, args.duration)
            log(f"{name}: {results[name]}")
    finally:
        await pool.close()
    return results


def _kept_cluster(directory: Path) -> tuple[EmbeddedPostgres, str]:
    """The kept cluster, running, with any migration added since it was seeded applied."""
    cluster = EmbeddedPostgres(directory / "pg", settings=DURABLE_SETTINGS)
    cluster.ensure_running()

    async def migrate() -> None:
        conn = await asyncpg.connect(cluster.dsn(DATABASE))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    with phase("migrations since the seed"):
        asyncio.run(migrate())
    return cluster, cluster.dsn(DATABASE)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each clock")
    parser.add_argument("--concurrency", type=int, default=4, help="database connections")
    parser.add_argument("--limit", type=int, default=20, help="results per search")
    parser.add_argument("--posts", type=int, default=1_000_000, help="posts on the node")
    parser.add_argument("--base-posts", type=int, default=50_000, help="posts of api_seed's node")
    parser.add_argument("--days", type=int, default=365, help="the posts' time span")
    parser.add_argument("--keep", type=Path, help="keep (or reuse) the seeded cluster here")
    args = parser.parse_args()
    shape = api_seed.Shape(posts=args.base_posts, days=args.days)
    with Cleanup() as cleanup:
        marker = args.keep / "seeded.json" if args.keep else None
        if marker is not None and marker.exists():
            cluster, dsn = _kept_cluster(args.keep)
            cleanup.callback(cluster.stop)
            node = json.loads(marker.read_text())
            log(f"reusing the node seeded in {args.keep}: {node['counts']}")
        else:
            root = args.keep if args.keep else temp_dir(cleanup, "fedcop-bench-search-")
            root.mkdir(parents=True, exist_ok=True)
            _cluster, dsn = durable_postgres(cleanup, root)
            started = time.monotonic()
            node = asyncio.run(seed(dsn, shape, args.posts))
            node["seconds"] = round(time.monotonic() - started)
            log(f"seeded in {node['seconds']} s: {node['counts']}")
            if marker is not None:
                marker.write_text(json.dumps(node))
        plans = asyncio.run(explain(dsn, node, args.limit))
        figures = asyncio.run(load(dsn, node, args))
    emit(
        {
            "posts": node["counts"]["posts"],
            "node": node["counts"],
            "concurrency": args.concurrency,
            "candidates": post_search.CANDIDATES,
            "queries": {
                query.name: {"words": query.words, **figures[query.name],
                             "matches": plans[query.name]["matches"],
                             "seq_scan_on_posts": plans[query.name]["seq_scan_on_posts"],
                             "plan": plans[query.name]["plan"]}
                for query in queries(node)
            },
            "people": {**figures["people"], "plan": plans["people"]["plan"]},
        }
    )  # fmt: skip


if __name__ == "__main__":
    main()
