"""Full-text search over posts: what five realistic searches cost a node seeded as bench/api.py
seeds one (bench/api_seed.py, COPY into a durable embedded PostgreSQL).

    this process: --concurrency asyncpg connections, each running the search statement of
    store/post_search.py (as the reader, a member of private communities) for one query after
    another, for --duration seconds per query; then requests/s, p50 and p99 of each

It measures the database's part of a search (the statement the web page and GET /api/v2/search
send), not HTTP. Before the load, each query's plan (EXPLAIN ANALYZE, BUFFERS) goes to stderr
and into the result, with a warning for a sequential scan over posts.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import api_seed
import asyncpg
from common import Cleanup, durable_postgres, emit, log, phase, temp_dir

from fedcop.store import post_search

QUERIES = [
    "provenance",
    '"data dictionaries"',
    "repository -downtime",
    "licence mismatches",
    "notebooks reviewers",
]


async def seed(dsn: str, shape: api_seed.Shape) -> api_seed.Seeded:
    with phase("building rows"):
        builder = await asyncio.to_thread(api_seed.build, shape, "http://bench.test")
    conn = await asyncpg.connect(dsn)
    try:
        with phase("COPY into PostgreSQL, VACUUM ANALYZE"):
            return await api_seed.write(conn, builder)
    finally:
        await conn.close()


def _statement(query: str, reader: int, limit: int) -> tuple[str, list[Any]]:
    args: list[Any] = [query, reader, limit, 0]
    return post_search.search_sql(post_search.Filters(), args), args


async def explain(dsn: str, reader: int, limit: int) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    plans: dict[str, Any] = {}
    try:
        for query in QUERIES:
            sql, args = _statement(query, reader, limit)
            rows = await conn.fetch(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", *args)
            plan = [row[0] for row in rows]
            log(f"-- plan of {query!r}")
            for line in plan:
                log(line)
            scans = [line for line in plan if "Seq Scan on posts" in line]
            if scans:
                log(f"WARNING: sequential scan over posts for {query!r}")
            matches = await conn.fetchval(
                "SELECT count(*) FROM posts p JOIN unnest($2::regconfig[]) c"
                " ON p.search_config = c WHERE p.search_vector @@ websearch_to_tsquery(c, $1)",
                query,
                list(post_search.CONFIGS),
            )
            plans[query] = {"plan": plan, "seq_scan_on_posts": bool(scans), "matches": matches}
    finally:
        await conn.close()
    return plans


async def load(dsn: str, reader: int, args: argparse.Namespace) -> dict[str, Any]:
    pool = await asyncpg.create_pool(dsn, min_size=args.concurrency, max_size=args.concurrency)
    results: dict[str, Any] = {}
    try:
        for query in QUERIES:
            latencies: list[float] = []

            async def one_connection(
                until: float, query: str = query, latencies: list[float] = latencies
            ) -> None:
                async with pool.acquire() as conn:
                    while time.monotonic() < until:
                        started = time.monotonic()
                        await post_search.search(
                            conn, query, viewer_id=reader, filters=post_search.Filters(),
                            limit=args.limit,
                        )  # fmt: skip
                        if started >= until - args.duration:
                            latencies.append(time.monotonic() - started)

            until = time.monotonic() + args.warmup + args.duration
            await asyncio.gather(*(one_connection(until) for _ in range(args.concurrency)))
            latencies.sort()
            result = {
                "requests_per_s": round(len(latencies) / args.duration, 1),
                "p50_ms": round(statistics.median(latencies) * 1000, 2),
                "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 2),
                "requests": len(latencies),
            }
            log(f"{query!r}: {result}")
            results[query] = result
    finally:
        await pool.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds before each clock")
    parser.add_argument("--concurrency", type=int, default=4, help="database connections")
    parser.add_argument("--limit", type=int, default=20, help="results per search")
    defaults = api_seed.Shape()
    parser.add_argument("--posts", type=int, default=defaults.posts)
    parser.add_argument("--people", type=int, default=defaults.people)
    parser.add_argument("--communities", type=int, default=defaults.communities)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args()
    shape = api_seed.Shape(
        communities=args.communities, people=args.people, posts=args.posts, seed=args.seed
    )
    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-search-")
        _cluster, dsn = durable_postgres(cleanup, root)
        started = time.monotonic()
        seeded = asyncio.run(seed(dsn, shape))
        log(f"seeded in {time.monotonic() - started:.1f} s: {seeded.counts}")
        plans = asyncio.run(explain(dsn, seeded.reader_id, args.limit))
        figures = asyncio.run(load(dsn, seeded.reader_id, args))
    emit(
        {
            "posts": seeded.counts.get("posts", args.posts),
            "concurrency": args.concurrency,
            "queries": {
                query: {**figures[query], "matches": plans[query]["matches"],
                        "seq_scan_on_posts": plans[query]["seq_scan_on_posts"]}
                for query in QUERIES
            },
        }
    )  # fmt: skip


if __name__ == "__main__":
    main()
