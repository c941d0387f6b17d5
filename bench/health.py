"""The facilitator's view of a large community: what /c/NAME/manage/health costs.

    this process                                 node processes (bench/common.py node)
    ------------                                 ---------------------------------------
    durable PostgreSQL (temp dir, fsync on) <--- fedcop's app on uvicorn (uvloop, httptools),
    seeded in SQL with generate_series:          one SO_REUSEPORT socket on 127.0.0.1
      "bench": --members members (remote, on
      25 hosts, 70% stating an organisation
      and a sector), --posts posts over 3 years
      (a tenth threads, a quarter of those
      questions, most solved; a tenth of the
      threads never answered), --votes votes;
      "other": --other-posts posts by the same
      people (their votes and posts elsewhere)
    the facilitator's session cookie (POST /login)
    --concurrency keep-alive connections ------> GET /c/bench/manage/health (then the members
                                                 CSV), for --duration seconds each
                                        <------ 200 + HTML (CSV)

Activity is skewed as in real communities: over the last 90 days a few hundred members write
most posts, older posts come from everyone, so the members split into active, quiet and lapsed.
The triggers of migration 0038 keep community_activity as the rows go in, as they would on a
node. Before the load, every statement the page sends runs under EXPLAIN (ANALYZE, BUFFERS)
through the store functions themselves (bench/api.py's stand-in connection), as a fresh
connection plans it and as a prepared statement after six executions; their key lines go to
stderr, with a warning for a sequential scan over posts.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import re
import sys
import time
from typing import Any

import asyncpg
import httpx
import uvloop
from api import Explaining, Stats, execution_ms, key_lines, read_response, seq_scans, summary
from common import (
    CPU_COUNT,
    Cleanup,
    await_node_processes,
    bench_config,
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
from fedcop.services import accounts
from fedcop.services.health import activity, periods
from fedcop.store.health import taking_part, trends
from fedcop.store.people import spread

NODE_HOST = "node.test"
FACILITATOR, PASSWORD = "facilitator", "bench password 1"
SECTORS = [
    "Libraries", "Higher education", "Health", "Government", "Museums", "Research institutes",
    "Publishing", "Non-profit",
]  # fmt: skip


async def _community_posts(
    conn: asyncpg.Connection, community: int, members: int, posts: int, tag: str
) -> None:
    """`posts` posts in `community` over 3 years by members 0..members-1 (table m): a tenth
    threads (a quarter of them questions), the rest replies within days of their thread, none
    to every tenth thread. Over the last 90 days authors are skewed to the first members."""
    threads = max(posts // 10, 1)
    author = (
        "floor({n} * power(random(), CASE WHEN {t} > now() - interval '90 days' "
        "THEN 4 ELSE 1 END))::int"
    )
    await conn.execute(
        f"""
        INSERT INTO posts (uri, community_id, author_id, object_type, title, content, published,
                           is_question)
        SELECT 'https://seed.example/{tag}/t' || s.i, $1, m.id, 'Page', 'Thread ' || s.i,
               '<p>How do you keep thread ' || s.i || ' going?</p>', s.published, s.i % 4 = 0
        FROM (SELECT i, p AS published, {author.format(n=members, t="p")} AS n
              FROM (SELECT i, now() - random() * interval '1095 days' AS p
                    FROM generate_series(1, $2) i) x) s
        JOIN m ON m.n = s.n
        """,
        community,
        threads,
    )
    await conn.execute("DROP TABLE IF EXISTS th")
    await conn.execute(
        """
        CREATE TEMP TABLE th AS SELECT row_number() OVER (ORDER BY id) AS k, id, published
        FROM posts WHERE community_id = $1 AND thread_id IS NULL
        """,
        community,
    )
    await conn.execute("CREATE INDEX ON th (k)")
    await conn.execute(
        f"""
        INSERT INTO posts (uri, community_id, author_id, thread_id, parent_id, object_type,
                           content, published)
        SELECT 'https://seed.example/{tag}/r' || s.j, $1, m.id, th.id, th.id, 'Note',
               '<p>Here is what we do, reply ' || s.j || '.</p>', s.published
        FROM (SELECT x.j, x.k, p AS published, {author.format(n=members, t="p")} AS n
              FROM (SELECT r.j, r.k,
                           least(now(), th.published + power(random(), 3) * interval '10 days')
                           AS p
                    FROM (SELECT j, CASE WHEN k % 10 = 0 THEN k - 1 ELSE k END AS k
                          FROM (SELECT j, 1 + floor(random() * $3)::int AS k
                                FROM generate_series(1, $2) j) r0) r
                    JOIN th ON th.k = r.k) x) s
        JOIN th ON th.k = s.k JOIN m ON m.n = s.n
        """,
        community,
        posts - threads,
        threads,
    )
    # Four questions in five solved, by their first answer.
    await conn.execute(
        """
        UPDATE posts q SET accepted_answer_id = (
            SELECT r.id FROM posts r WHERE r.thread_id = q.id AND r.author_id <> q.author_id
            ORDER BY r.published LIMIT 1)
        WHERE q.community_id = $1 AND q.is_question AND q.thread_id IS NULL AND q.id % 5 <> 0
        """,
        community,
    )


async def seed(dsn: str, base_url: str, args: argparse.Namespace) -> dict[str, Any]:
    config = bench_config(base_url)
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        await accounts.create_user(pool, config, FACILITATOR, PASSWORD)
        for name in ("bench", "other"):
            await accounts.create_community(
                pool, config, name, title=name.title(), owner=FACILITATOR
            )
    finally:
        await pool.close()
    conn = await asyncpg.connect(dsn)
    try:
        ids = {
            name: await conn.fetchval(
                "SELECT id FROM actors WHERE username = $1 AND domain IS NULL", name
            )
            for name in ("bench", "other")
        }
        with phase(f"{args.members} members, their profiles and memberships"):
            await conn.execute(
                """
                INSERT INTO actors (uri, actor_type, username, domain, display_name, inbox_url,
                                    shared_inbox_url, public_key_id, public_key_pem, created_at)
                SELECT 'https://host' || (i % 25) || '.example/users/m' || i, 'Person',
                       'm' || i, 'host' || (i % 25) || '.example', 'Member ' || i,
                       'https://host' || (i % 25) || '.example/users/m' || i || '/inbox',
                       'https://host' || (i % 25) || '.example/inbox',
                       'https://host' || (i % 25) || '.example/users/m' || i || '#main-key',
                       '', now() - interval '3 years'
                FROM generate_series(0, $1 - 1) i
                """,
                args.members,
            )
            await conn.execute(
                """
                CREATE TEMP TABLE m AS SELECT substr(username, 2)::int AS n, id FROM actors
                WHERE uri LIKE 'https://host%.example/users/m%'
                """
            )
            await conn.execute("CREATE INDEX ON m (n)")
            await conn.execute(
                """
                INSERT INTO follows (follower_id, followed_id, follow_uri, state, created_at,
                                     accepted_at)
                SELECT id, $1::bigint, 'https://seed.example/follows/b/' || n, 'accepted', t, t
                FROM (SELECT id, n, now() - random() * interval '1095 days' AS t FROM m) x
                UNION ALL
                SELECT id, $2::bigint, 'https://seed.example/follows/o/' || n, 'accepted', t, t
                FROM (SELECT id, n, now() - random() * interval '1095 days' AS t FROM m
                      WHERE n % 2 = 0) y
                """,
                ids["bench"],
                ids["other"],
            )
            await conn.execute(
                """
                INSERT INTO actor_profiles (actor_id, organisation, sector)
                SELECT id, 'Organisation ' || (n % 40), ($1::text[])[1 + n % 8]
                FROM m WHERE n % 10 < 7
                """,
                SECTORS,
            )
        with phase(f"{args.posts} posts in bench, {args.other_posts} in other"):
            await _community_posts(conn, ids["bench"], args.members, args.posts, "b")
            await _community_posts(conn, ids["other"], args.members, args.other_posts, "o")
        with phase(f"{args.votes} votes"):
            await conn.execute(
                """
                CREATE TEMP TABLE pp AS SELECT row_number() OVER (ORDER BY id) AS k, id, published
                FROM posts WHERE community_id IS NOT NULL
                """
            )
            await conn.execute("CREATE INDEX ON pp (k)")
            total = await conn.fetchval("SELECT count(*) FROM pp")
            await conn.execute(
                """
                INSERT INTO votes (post_id, actor_id, kind, activity_uri, created_at)
                SELECT pp.id, m.id, 'like', 'https://seed.example/votes/' || x.j,
                       least(now(), pp.published + random() * interval '3 days')
                FROM (SELECT j, 1 + floor(random() * $2)::int AS k,
                             floor($3 * power(random(), 2))::int AS n
                      FROM generate_series(1, $1) j) x
                JOIN pp ON pp.k = x.k JOIN m ON m.n = x.n
                ON CONFLICT DO NOTHING
                """,
                args.votes,
                total,
                args.members,
            )
        with phase("VACUUM ANALYZE"):
            await conn.execute("VACUUM ANALYZE")
        counts = {
            table: await conn.fetchval(f"SELECT count(*) FROM {table}")
            for table in ("actors", "follows", "posts", "votes", "community_activity")
        }
        counts["bench_posts"] = await conn.fetchval(
            "SELECT count(*) FROM posts WHERE community_id = $1", ids["bench"]
        )
        counts["bench_members"] = await conn.fetchval(
            "SELECT count(*) FROM follows WHERE followed_id = $1 AND state = 'accepted'",
            ids["bench"],
        )
        return {"community_id": ids["bench"], "counts": counts}
    finally:
        await conn.close()


async def explain(dsn: str, community: int) -> dict[str, Any]:
    """Each statement of the page through its store function, explained."""
    now = dt.datetime.now(dt.UTC)
    since, week = periods.months(now)[0], periods.weeks(now)[0]
    conn = await asyncpg.connect(dsn)
    report: dict[str, Any] = {}
    try:
        for prepared in (False, True):
            mode = "prepared" if prepared else "fresh"
            calls: dict[str, Any] = {
                "members_by_status": lambda c: activity.by_status(c, community, now, 100),
                "taking_part_by_month": lambda c: trends.taking_part_by_month(c, community, since),
                "newcomers_by_month": lambda c: trends.newcomers_by_month(c, community, since),
                "threads_by_week": lambda c: trends.threads_by_week(c, community, week),
                "questions_by_month": lambda c: trends.questions_by_month(c, community, since),
                "unanswered_questions": lambda c: trends.unanswered_questions(
                    c, community, since, 20
                ),
                "organisations_and_sectors_taking_part": lambda c: (
                    taking_part.people_by_organisation_and_sector(c, community, since)
                ),
                "member_spread": lambda c: spread.member_spread(c, community, limit=12),
            }
            for name, call in calls.items():
                explained = Explaining(conn, prepared)
                await call(explained)
                for index, plan in enumerate(explained.plans):
                    label = name if len(explained.plans) == 1 else f"{name}[{index}]"
                    scans = seq_scans(plan)
                    generic = bool(explained.generic and explained.generic[index])
                    log(f"plan {label} ({mode}{' generic' if generic else ''}): "
                        f"{execution_ms(plan):.2f} ms")  # fmt: skip
                    for line in key_lines(plan):
                        print(f"    {line}", file=sys.stderr)
                    for scan in scans:
                        log(f"WARNING: sequential scan over posts in {label} ({mode}): {scan}")
                    report.setdefault(label, {})[mode] = {
                        "execution_ms": execution_ms(plan),
                        "generic_plan": generic,
                        "seq_scans_on_posts": scans,
                        "indexes": sorted(set(re.findall(r"using (\w+)", " ".join(plan)))),
                        "plan": key_lines(plan),
                    }
    finally:
        await conn.close()
    return report


async def connection(port: int, head: bytes, path: str, stats: Stats, deadline: float) -> None:
    """One keep-alive connection asking for `path` until `deadline` (bench/api.py's loop, for
    HTML and CSV answers)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = b"GET " + path.encode() + head
    try:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                writer.write(request)
                status, _headers, body = await read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                stats.connection_errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            stats.latencies.append(time.perf_counter() - started)
            stats.statuses[status] += 1
            stats.depths[1] += 1
            stats.body_bytes += len(body)
            if status != 200:
                stats.sample_other_answers.setdefault(status, body[:300].decode("utf-8", "replace"))
    finally:
        writer.close()


async def drive(port: int, head: bytes, path: str, concurrency: int, seconds: float) -> Stats:
    stats = Stats()
    deadline = time.perf_counter() + seconds
    await asyncio.gather(
        *(connection(port, head, path, stats, deadline) for _ in range(concurrency))
    )
    return stats


def session_cookie(port: int, authority: str) -> str:
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers={"Host": authority}) as http:
        form = http.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert token is not None, form.text
        signed = http.post(
            "/login",
            data={"csrf": token.group(1), "name": FACILITATOR, "password": PASSWORD},
        )
        assert signed.status_code == 303, signed.text
        page = http.get("/c/bench/manage/health")
        assert page.status_code == 200, page.text[:500]
        log(f"the page: {len(page.content):,} bytes")
        return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="measured seconds each")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds before each clock")
    parser.add_argument(
        "--concurrency", type=int, action="append", help="connections (repeatable; 1 and 4)"
    )
    parser.add_argument("--node-procs", type=int, default=2, help="uvicorn processes")
    parser.add_argument("--members", type=int, default=5_000)
    parser.add_argument("--posts", type=int, default=200_000)
    parser.add_argument("--votes", type=int, default=300_000)
    parser.add_argument("--other-posts", type=int, default=50_000)
    parser.add_argument("--no-plans", action="store_true", help="skip the EXPLAIN step")
    args = parser.parse_args()
    concurrencies = args.concurrency or [1, 4]
    load_before = load_average()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-health-")
        cluster, dsn = durable_postgres(cleanup, root)
        port = free_port()
        authority = f"{NODE_HOST}:{port}"
        base_url = f"http://{authority}"
        started = time.monotonic()
        seeded = asyncio.run(seed(dsn, base_url, args))
        seed_seconds = time.monotonic() - started
        log(f"seeded in {seed_seconds:.1f} s: {seeded['counts']}")
        plans = {} if args.no_plans else asyncio.run(explain(dsn, seeded["community_id"]))
        nodes = [
            spawn(
                cleanup, "node", "--dsn", dsn, "--base-url", base_url, "--port", str(port),
                stdout=-1,
            )
            for _ in range(args.node_procs)
        ]  # fmt: skip
        await_node_processes(nodes, port, authority)
        meter = node_cpu_meter(nodes, cluster)
        cookie = session_cookie(port, authority)
        head = (
            f" HTTP/1.1\r\nHost: {authority}\r\nCookie: {cookie}\r\n"
            "Accept: text/html\r\nUser-Agent: fedcop-bench\r\n\r\n"
        ).encode()
        pages = {
            "health_page": "/c/bench/manage/health",
            "members_csv": "/c/bench/manage/health.csv?metric=members",
        }

        async def load() -> dict[str, Any]:
            results: dict[str, Any] = {}
            for name, path in pages.items():
                for concurrency in concurrencies:
                    await drive(port, head, path, concurrency, args.warmup)
                    meter.start()
                    stats = await drive(port, head, path, concurrency, args.duration)
                    figures = summary(stats, meter.stop())
                    results[f"{name}@{concurrency}"] = figures
                    log(
                        f"{name} x{concurrency}: {figures['requests_per_s']:,}/s, p50 "
                        f"{figures['latency_ms']['p50']} ms, p99 {figures['latency_ms']['p99']} "
                        f"ms, errors {figures['errors']}, "
                        f"outside {figures['cpu']['outside_benchmark_core_pct']} %"
                    )
            return results

        with phase(f"load: {concurrencies} connections, {args.duration:g} s each"):
            results = uvloop.run(load())
        result = {
            "benchmark": "health",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "pages": results,
            "plans": plans,
            "seed": {"seconds": round(seed_seconds, 1), **seeded["counts"]},
            "node_processes": args.node_procs,
            "duration_s_each": args.duration,
            "postgres": "fsync=on synchronous_commit=on (durable)",
            "cpu_count": CPU_COUNT,
            "load_average_before": load_before,
            "python": sys.version.split()[0],
        }
    emit(result)


if __name__ == "__main__":
    main()
