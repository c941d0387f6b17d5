"""Client API reads: what a Mastodon app's reading costs a node with a realistic amount of data.

    this process                                 node processes (bench/common.py node)
    ------------                                 ---------------------------------------
    durable PostgreSQL (temp dir, fsync on) <--- fedcop's app on uvicorn (uvloop, httptools),
    seeded by COPY (bench/api_seed.py)           one SO_REUSEPORT socket on 127.0.0.1,
    a bearer token for the reader                workers off (reads only)
    --concurrency keep-alive connections ------> GET /api/v1/timelines/home ... one endpoint
    (asyncio streams, HTTP/1.1)                  at a time, for --duration seconds each
                                        <------ 200 + JSON (+ Link header)

Before the load, the queries behind the home timeline (first and fourth page), the
notifications, the status facts and account counts every status list shows, the public local
timeline, a thread's replies and the hashtag search are run under EXPLAIN (ANALYZE, BUFFERS)
through the store functions themselves (a connection stand-in explains each statement they
send): once as a fresh connection plans them, once as a prepared statement after six executions
(asyncpg prepares and caches every statement, and PostgreSQL may then keep a generic plan).
Their key lines go to stderr, with a warning for any sequential scan over posts or
notifications.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import itertools
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import api_seed
import asyncpg
import orjson
import uvloop
from common import (
    CPU_COUNT,
    Cleanup,
    await_node_processes,
    durable_postgres,
    emit,
    free_port,
    load_average,
    log,
    node_cpu_meter,
    phase,
    spawn,
    temp_dir,
)

from fedcop.db.pool import create_pool
from fedcop.services.oauth import admin_token
from fedcop.store import account_facts, notifications, status_facts, tag_search, timelines

NODE_HOST = "node.test"

# --- the endpoints ---------------------------------------------------------------------------


@dataclass
class Endpoint:
    """A stream of requests for one connection: `first` starts it; `then` gives the next path
    from the last answer (the paged timeline follows its Link header)."""

    name: str
    paths: Callable[[], str]
    pages: int = 1

    def then(self, depth: int, status: int, link: str | None) -> tuple[str, int]:
        if depth < self.pages and status == 200 and link:
            found = re.search(r"<([^>]+)>;\s*rel=\"next\"", link)
            if found:
                parts = urlsplit(found.group(1))
                return f"{parts.path}?{parts.query}", depth + 1
        return self.paths(), 1


def endpoints(seeded: api_seed.Seeded, pages: int) -> list[Endpoint]:
    prefixes = itertools.cycle(seeded.search_prefixes)
    return [
        Endpoint("home", lambda: "/api/v1/timelines/home?limit=20"),
        Endpoint("home_paged", lambda: "/api/v1/timelines/home?limit=20", pages=pages),
        Endpoint("public_local", lambda: "/api/v1/timelines/public?local=true&limit=20"),
        Endpoint("notifications", lambda: "/api/v1/notifications"),
        Endpoint("context", lambda: f"/api/v1/statuses/{seeded.big_thread_id}/context"),
        Endpoint(
            "search_accounts",
            lambda: f"/api/v2/search?q={quote(next(prefixes))}&type=accounts&resolve=false",
        ),
        Endpoint("search", lambda: f"/api/v2/search?q={quote(next(prefixes))}&resolve=false"),
    ]


# --- the load generator: HTTP/1.1 keep-alive over asyncio streams ---------------------------


@dataclass
class Stats:
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    latencies: list[float] = field(default_factory=list)
    connection_errors: int = 0
    body_bytes: int = 0
    items: list[int] = field(default_factory=list)
    sample_other_answers: dict[int, str] = field(default_factory=dict)
    depths: collections.Counter[int] = field(default_factory=collections.Counter)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


async def read_response(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0][9:12])
    headers = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        return status, headers, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return status, headers, body
            body += chunk[:-2]
    return status, headers, b""


def _count_items(body: bytes) -> int:
    document = orjson.loads(body)
    if isinstance(document, list):
        return len(document)
    if isinstance(document, dict):  # context, search
        return sum(len(v) for v in document.values() if isinstance(v, list))
    return 0


async def connection(
    port: int, head: bytes, endpoint: Endpoint, stats: Stats, deadline: float
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    path, depth = endpoint.paths(), 1
    try:
        while time.perf_counter() < deadline:
            request = b"GET " + path.encode() + head
            started = time.perf_counter()
            try:
                writer.write(request)
                status, headers, body = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                stats.connection_errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                path, depth = endpoint.paths(), 1
                continue
            stats.latencies.append(time.perf_counter() - started)
            stats.statuses[status] += 1
            stats.depths[depth] += 1
            stats.body_bytes += len(body)
            if status != 200:
                stats.sample_other_answers.setdefault(status, body[:300].decode("utf-8", "replace"))
            elif stats.statuses[200] % 25 == 1:  # a sample: parsing is the client's work
                stats.items.append(_count_items(body))
            path, depth = endpoint.then(depth, status, headers.get("link"))
    finally:
        writer.close()


async def drive(
    port: int, head: bytes, endpoint: Endpoint, concurrency: int, seconds: float
) -> Stats:
    stats = Stats()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(connection(port, head, endpoint, stats, deadline) for _ in range(concurrency))
    )
    return stats


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


def summary(stats: Stats, cpu: dict[str, Any]) -> dict[str, Any]:
    wall = cpu["wall_s"]
    ok = stats.statuses.get(200, 0)
    answered = max(stats.requests, 1)
    return {
        "requests_per_s": round(ok / wall, 1),
        "latency_ms": {
            "p50": round(1000 * percentile(stats.latencies, 0.5), 1),
            "p90": round(1000 * percentile(stats.latencies, 0.9), 1),
            "p99": round(1000 * percentile(stats.latencies, 0.99), 1),
        },
        "node_cpu_us_per_request": round(1e6 * cpu["cpu_s"]["node"] / answered),
        "postgres_cpu_us_per_request": round(1e6 * cpu["cpu_s"]["postgres"] / answered),
        "requests": stats.requests,
        "errors": stats.requests - ok + stats.connection_errors,
        "non_200": {str(status): n for status, n in stats.statuses.items() if status != 200},
        "connection_errors": stats.connection_errors,
        "sample_non_200": {
            str(status): body for status, body in stats.sample_other_answers.items()
        },
        "mean_response_bytes": round(stats.body_bytes / answered),
        "mean_items_sampled": round(statistics.fmean(stats.items), 1) if stats.items else 0,
        "requests_by_page": {str(depth): n for depth, n in sorted(stats.depths.items())},
        "cpu": cpu,
    }


# --- query plans -----------------------------------------------------------------------------


class Explaining:
    """Stands in for an asyncpg connection in a store function: every statement it is given is
    first run under EXPLAIN (ANALYZE, BUFFERS), then for real (the function gets its rows).

    `prepared`: the statement is PREPAREd, EXECUTEd six times with the same values, then
    explained through EXECUTE: after five executions PostgreSQL keeps a generic plan (one for
    any values) if it does not look costlier than the custom ones, and asyncpg prepares and
    caches every statement a node sends, so this is the plan a busy node runs. Otherwise the
    plan is made for the values given (what a fresh connection gets)."""

    def __init__(self, conn: asyncpg.Connection, prepared: bool) -> None:
        self.conn = conn
        self.prepared = prepared
        self.plans: list[list[str]] = []
        self.generic: list[bool] = []

    async def _explain(self, sql: str, args: tuple[Any, ...]) -> None:
        options = "EXPLAIN (ANALYZE, BUFFERS)"
        if not self.prepared:
            rows = await self.conn.fetch(f"{options} {sql}", *args)
            self.plans.append([row[0] for row in rows])
            return
        await self.conn.execute(f"PREPARE bench_q AS {sql}")
        try:
            types = await self.conn.fetchval(
                "SELECT parameter_types::text[] FROM pg_prepared_statements WHERE name = 'bench_q'"
            )
            params = ", ".join(
                f"{_literal(value)}::{kind}" for value, kind in zip(args, types, strict=True)
            )
            call = f"EXECUTE bench_q({params})" if args else "EXECUTE bench_q"
            for _ in range(6):
                await self.conn.execute(call)
            rows = await self.conn.fetch(f"{options} {call}")
            generic = await self.conn.fetchval(
                "SELECT generic_plans > 0 FROM pg_prepared_statements WHERE name = 'bench_q'"
            )
        finally:
            await self.conn.execute("DEALLOCATE bench_q")
        self.plans.append([row[0] for row in rows])
        self.generic.append(bool(generic))

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        await self._explain(sql, args)
        return list(await self.conn.fetch(sql, *args))

    async def fetchrow(self, sql: str, *args: Any) -> Any:
        await self._explain(sql, args)
        return await self.conn.fetchrow(sql, *args)

    async def fetchval(self, sql: str, *args: Any) -> Any:
        await self._explain(sql, args)
        return await self.conn.fetchval(sql, *args)


def _literal(value: Any) -> str:
    """A SQL literal for EXECUTE (which takes no bind parameters): ids, texts, their arrays."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list | tuple):
        items = ",".join(
            "NULL" if item is None else '"' + str(item).replace('"', '\\"') + '"' for item in value
        )
        return "'{" + items.replace("'", "''") + "}'"
    return "'" + str(value).replace("'", "''") + "'"


_KEY_LINE = re.compile(
    r"(Scan|Join|Loop|Limit|Sort|Aggregate|Append|Unique|Execution Time|Recursive)"
)
_HOT_TABLES = ("posts", "notifications")


def key_lines(plan: list[str]) -> list[str]:
    """The plan's nodes (scans with their index, joins, limits) and its execution time."""
    kept = []
    for line in plan:
        text = line.rstrip()
        if _KEY_LINE.search(text) and "Buffers" not in text:
            kept.append(re.sub(r"\(cost=[^)]*\) ", "", text))
    return kept


def seq_scans(plan: list[str]) -> list[str]:
    found = []
    for line in plan:
        scanned = re.search(r"Seq Scan on (\w+)", line)
        if scanned and scanned.group(1) in _HOT_TABLES:
            found.append(re.sub(r"\s+", " ", line.strip()))
    return found


def execution_ms(plan: list[str]) -> float:
    for line in plan:
        if "Execution Time" in line:
            return float(line.split(":")[1].split()[0])
    return 0.0


async def explain_plans(dsn: str, seeded: api_seed.Seeded) -> dict[str, Any]:
    conn = await asyncpg.connect(dsn)
    reader = seeded.reader_id
    report: dict[str, Any] = {}
    try:
        for prepared in (False, True):
            mode = "prepared" if prepared else "fresh"
            first = Explaining(conn, prepared)
            page = await timelines.home(first, reader, timelines.Window(None, None, 20))
            deep = Explaining(conn, prepared)
            older = page[-1].id if page else None
            for _ in range(3):  # the fourth page, as a client scrolling down asks for it
                found = await timelines.home(deep, reader, timelines.Window(older, None, 20))
                older = found[-1].id if found else older
                deep.plans = deep.plans[-1:]
            facts = Explaining(conn, prepared)
            await status_facts.facts_of(facts, [entry.post.id for entry in page], reader)
            authors = await status_facts.actors_by_ids(
                conn, [entry.post.author_id for entry in page]
            )
            counts = Explaining(conn, prepared)
            await account_facts.counts_of(counts, list(authors))
            notes = Explaining(conn, prepared)
            await notifications.page(
                notes, reader, kinds=None, excluded=[], from_id=None, before=None, after=None,
                limit=40, oldest_first=False,
            )  # fmt: skip
            local = Explaining(conn, prepared)
            await timelines.public(local, reader, timelines.Window(None, None, 20), local=True)
            thread = await timelines.visible_post(conn, seeded.big_thread_id, reader)
            below = Explaining(conn, prepared)
            if thread is not None:
                await timelines.descendants(below, thread, reader)
            tags = Explaining(conn, prepared)
            await tag_search.tags_starting_with(tags, seeded.search_prefixes[0], limit=20)
            for name, explained in (
                ("home_first_page", first),
                ("home_fourth_page", deep),
                ("status_facts", facts),
                ("account_counts", counts),
                ("notifications", notes),
                ("public_local", local),
                ("context_descendants", below),
                ("hashtag_search", tags),
            ):
                if not explained.plans:
                    continue
                plan = explained.plans[-1]
                lines = key_lines(plan)
                scans = seq_scans(plan)
                generic = bool(explained.generic and explained.generic[-1])
                plan_kind = " generic plan" if generic else ""
                log(f"plan {name} ({mode}{plan_kind}): {execution_ms(plan):.2f} ms")
                for line in lines:
                    print(f"    {line}", file=sys.stderr)
                for scan in scans:
                    log(f"WARNING: sequential scan on the hot path in {name} ({mode}): {scan}")
                report.setdefault(name, {})[mode] = {
                    "execution_ms": execution_ms(plan),
                    "generic_plan": generic,
                    "seq_scans_on_posts_or_notifications": scans,
                    "indexes": sorted(set(re.findall(r"using (\w+)", " ".join(plan)))),
                }
    finally:
        await conn.close()
    return report


# --- the run ---------------------------------------------------------------------------------


async def seed(dsn: str, shape: api_seed.Shape, base_url: str) -> tuple[api_seed.Seeded, str]:
    with phase("building rows"):
        builder = await asyncio.to_thread(api_seed.build, shape, base_url)
    conn = await asyncpg.connect(dsn)
    try:
        with phase("COPY into PostgreSQL, VACUUM ANALYZE"):
            seeded = await api_seed.write(conn, builder)
    finally:
        await conn.close()
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        token = await admin_token(pool, api_seed.READER, "read")
    finally:
        await pool.close()
    return seeded, token


async def drop_indexes(dsn: str, names: list[str]) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        for name in names:
            log(f"dropping index {name}")
            await conn.execute(f'DROP INDEX "{name}"')
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=8.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=1.5, help="seconds before each clock")
    parser.add_argument("--concurrency", type=int, default=32, help="connections")
    parser.add_argument("--node-procs", type=int, default=2, help="uvicorn processes")
    parser.add_argument("--pages", type=int, default=5, help="home_paged: pages per chain")
    parser.add_argument("--only", help="comma-separated endpoint names to drive")
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAIN step")
    parser.add_argument(
        "--drop-index",
        action="append",
        default=[],
        metavar="NAME",
        help="drop this index after seeding (to measure what it is worth); repeatable",
    )
    defaults = api_seed.Shape()
    parser.add_argument("--communities", type=int, default=defaults.communities)
    parser.add_argument("--people", type=int, default=defaults.people)
    parser.add_argument("--posts", type=int, default=defaults.posts)
    parser.add_argument("--days", type=int, default=defaults.days, help="posts span this")
    parser.add_argument("--notifications", type=int, default=defaults.reader_notifications,
                        help="the reader's notifications (at least)")  # fmt: skip
    parser.add_argument("--big-thread", type=int, default=defaults.big_thread,
                        help="posts in the thread whose context is read")  # fmt: skip
    parser.add_argument("--seed", type=int, default=defaults.seed)
    args = parser.parse_args()
    shape = api_seed.Shape(
        communities=args.communities,
        people=args.people,
        posts=args.posts,
        days=args.days,
        reader_notifications=args.notifications,
        big_thread=args.big_thread,
        seed=args.seed,
    )
    load_before = load_average()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-api-")
        cluster, dsn = durable_postgres(cleanup, root)
        port = free_port()
        authority = f"{NODE_HOST}:{port}"
        base_url = f"http://{authority}"
        started = time.monotonic()
        seeded, token = asyncio.run(seed(dsn, shape, base_url))
        if args.drop_index:
            asyncio.run(drop_indexes(dsn, args.drop_index))
        seed_seconds = time.monotonic() - started
        log(f"seeded in {seed_seconds:.1f} s: {seeded.counts}")
        plans = {} if args.no_plans else asyncio.run(explain_plans(dsn, seeded))

        nodes = [
            spawn(
                cleanup, "node", "--dsn", dsn, "--base-url", base_url, "--port", str(port),
                stdout=-1,
            )
            for _ in range(args.node_procs)
        ]  # fmt: skip
        await_node_processes(nodes, port, authority)
        meter = node_cpu_meter(nodes, cluster)
        head = (
            f" HTTP/1.1\r\nHost: {authority}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\nUser-Agent: fedcop-bench\r\n\r\n"
        ).encode()
        chosen = endpoints(seeded, args.pages)
        if args.only:
            wanted = set(args.only.split(","))
            chosen = [endpoint for endpoint in chosen if endpoint.name in wanted]

        async def load() -> dict[str, Any]:
            results = {}
            for endpoint in chosen:
                await drive(port, head, endpoint, args.concurrency, args.warmup)
                meter.start()
                stats = await drive(port, head, endpoint, args.concurrency, args.duration)
                results[endpoint.name] = summary(stats, meter.stop())
                figures = results[endpoint.name]
                log(
                    f"{endpoint.name}: {figures['requests_per_s']:,}/s, p50 "
                    f"{figures['latency_ms']['p50']} ms, p99 {figures['latency_ms']['p99']} ms, "
                    f"node {figures['node_cpu_us_per_request']:,} µs/req, postgres "
                    f"{figures['postgres_cpu_us_per_request']:,} µs/req, "
                    f"errors {figures['errors']}, items~{figures['mean_items_sampled']}, "
                    f"outside {figures['cpu']['outside_benchmark_core_pct']} %"
                )
            return results

        with phase(f"load: {args.concurrency} connections, {args.duration:g} s per endpoint"):
            results = uvloop.run(load())

        result = {
            "benchmark": "api",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "endpoints": results,
            "plans": plans,
            "seed": {"seconds": round(seed_seconds, 1), **seeded.counts},
            "big_thread_replies": seeded.big_thread_replies,
            "concurrency": args.concurrency,
            "node_processes": args.node_procs,
            "dropped_indexes": args.drop_index,
            "duration_s_each": args.duration,
            "postgres": "fsync=on synchronous_commit=on (durable)",
            "cpu_count": CPU_COUNT,
            "load_average_before": load_before,
            "python": sys.version.split()[0],
        }
    emit(result)


if __name__ == "__main__":
    main()
