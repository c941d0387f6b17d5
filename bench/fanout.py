"""Outbound fan-out: one activity signed and delivered to N distinct inboxes, per second.

    this process                         delivery worker processes (bench/common.py deliver)
    ------------                         -------------------------------------------------
    durable PostgreSQL (temp dir)  <---- fedcop's app lifespan (pool, Network), then
    user `herald` (RSA key)              DeliveryWorker.run_once() in a loop:
    services.outbox.publish(Create,        claim 200 due rows -> sign each (RSA-2048,
      N inboxes) -> N delivery rows          draft-cavage) -> POST (DeliveryClient: one
    wait until no row is pending             aiohttp session, keep-alive per host)
                                           -> record the outcome
                                               |
                 sink processes <--------------+  http://inbox-H.test:PORT/users/mI/inbox
                 (bench/common.py sink)            H host names, all 127.0.0.1 (resolver),
                 answer 202, verify 1 in 50        spread over S sink processes (ports)

Each round publishes one Create(Note) (~3 KB) to the same N inboxes; a round is timed from the
call to publish (enqueueing is part of the path) until the last row has left 'pending'. Every
delivery is really signed by fedcop; the sinks verify a sample of signatures with the herald's
public key and the counts of requests and distinct inboxes are checked against N.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import statistics
import sys
import time
from typing import Any

import aiohttp
import asyncpg
from common import (
    CPU_COUNT,
    Cleanup,
    CpuMeter,
    children_of,
    create_note,
    durable_postgres,
    emit,
    free_port,
    load_average,
    log,
    phase,
    postmaster_pid,
    sign_rates,
    spawn,
    temp_dir,
    wait_for_port,
)

from fedcop.config import Config
from fedcop.db.pool import create_pool
from fedcop.services import accounts, outbox
from fedcop.store import actors as actor_store
from fedcop.store.actors import Actor
from federation.keys import load_private_key

ORIGIN = "http://origin.test"


def inbox_urls(count: int, hosts: int, ports: list[int]) -> list[str]:
    """`count` distinct inboxes on `hosts` host names, the hosts spread over the sink ports."""
    return [
        f"http://inbox-{i % hosts}.test:{ports[(i % hosts) % len(ports)]}/users/m{i}/inbox"
        for i in range(count)
    ]


async def create_herald(dsn: str, config: Config) -> tuple[Actor, str]:
    """The local user who publishes, and its private key PEM."""
    pool = await create_pool(dsn, min_size=1, max_size=2)
    try:
        actor = await accounts.create_user(pool, config, "herald", "benchmark only")
        async with pool.acquire() as conn:
            _, private_pem = await actor_store.local_private_key(conn, actor.id)
        return actor, private_pem
    finally:
        await pool.close()


async def rounds(
    dsn: str, config: Config, actor: Actor, inboxes: list[str], count: int, timeout: float
) -> list[dict[str, Any]]:
    pool = await create_pool(dsn, min_size=1, max_size=2)
    results = []
    try:
        async with pool.acquire() as conn:
            for number in range(count):
                note = create_note(actor.uri, number, f"{config.base_url}/c/stewards")
                retries = 0
                while True:
                    started = time.perf_counter()
                    try:
                        document = await outbox.publish(
                            conn,
                            config,
                            actor,
                            {"type": "Create", "object": note["object"], "to": note["to"]},
                            inboxes,
                        )
                        break
                    except asyncpg.UniqueViolationError as error:
                        # fedcop_next_id() is (milliseconds << 16 | 16 random bits): thousands
                        # of rows inserted in one statement collide now and then. The
                        # transaction rolled back; publish again (and say so in the result).
                        retries += 1
                        log(f"publish failed on an id collision, trying again: {error}")
                        if retries > 50:
                            raise
                enqueued = time.perf_counter()
                activity_id = await conn.fetchval(
                    "SELECT id FROM outbound_activities WHERE uri = $1", document["id"]
                )
                counts: dict[str, int] = {}
                while time.perf_counter() - started < timeout:
                    rows = await conn.fetch(
                        "SELECT state, count(*) AS n FROM deliveries WHERE activity_id = $1 "
                        "GROUP BY state",
                        activity_id,
                    )
                    counts = {row["state"]: row["n"] for row in rows}
                    if counts.get("pending", 0) == 0:
                        break
                    await asyncio.sleep(0.01)
                finished = time.perf_counter()
                elapsed = finished - started
                results.append(
                    {
                        "deliveries_per_s": round(len(inboxes) / elapsed, 1),
                        "seconds": round(elapsed, 2),
                        "enqueue_s": round(enqueued - started, 3),
                        "publish_retries_after_id_collision": retries,
                        "states": counts,
                    }
                )
                log(
                    f"round {number + 1}: {len(inboxes):,} deliveries in {elapsed:.2f} s "
                    f"(enqueue {enqueued - started:.2f} s) = {len(inboxes) / elapsed:,.0f}/s "
                    f"{counts}"
                )
    finally:
        await pool.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inboxes", type=int, default=4000, help="distinct inboxes (N)")
    parser.add_argument("--hosts", type=int, default=100, help="distinct host names")
    parser.add_argument("--sinks", type=int, default=4, help="sink processes (ports)")
    parser.add_argument("--workers", type=int, default=2, help="delivery worker processes")
    parser.add_argument("--rounds", type=int, default=3, help="activities, one per round")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per round (max)")
    args = parser.parse_args()
    load_before = load_average()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-fanout-")
        cluster, dsn = durable_postgres(cleanup, root)
        config = Config(base_url=ORIGIN, allow_private_addresses=True, data_dir=root)
        actor, private_pem = asyncio.run(create_herald(dsn, config))
        public_key_file = root / "herald.pem"
        public_key_file.write_text(actor.public_key_pem)

        with phase("sign rate on one core (federation.signatures.sign_request)"):
            sample = json.dumps(create_note(actor.uri, 0, ORIGIN)).encode()
            sign_full, sign_raw = sign_rates(load_private_key(private_pem), sample)
        log(f"sign: {sign_full.best:,.0f}/s (raw RSA {sign_raw.best:,.0f}/s)")

        ports = [free_port() for _ in range(args.sinks)]
        sinks = [
            spawn(
                cleanup,
                "sink",
                "--port",
                str(port),
                "--public-key",
                str(public_key_file),
                stdout=-1,
            )
            for port in ports
        ]
        for port in ports:
            wait_for_port(port, sinks)
        workers = [
            spawn(cleanup, "deliver", "--dsn", dsn, "--base-url", ORIGIN, stdout=-1)
            for _ in range(args.workers)
        ]
        for worker in workers:
            assert worker.stdout is not None
            if worker.stdout.readline().strip() != b"ready":
                raise SystemExit("a delivery worker did not start: see the messages above")
        log(
            f"{args.sinks} sinks, {args.hosts} host names, {args.workers} delivery worker "
            f"process(es); {args.rounds} round(s) of {args.inboxes:,} inboxes"
        )

        inboxes = inbox_urls(args.inboxes, args.hosts, ports)
        postmaster = postmaster_pid(cluster) or -1
        meter = CpuMeter(
            {
                "delivery_workers": lambda: [worker.pid for worker in workers],
                "sinks": lambda: [sink.pid for sink in sinks],
                "postgres": lambda: [postmaster, *children_of(postmaster)],
            }
        )
        meter.start()
        results = asyncio.run(rounds(dsn, config, actor, inboxes, args.rounds, args.timeout))
        cpu = meter.stop()

        sink_reports = []
        for sink in sinks:
            sink.terminate()
            output, _ = sink.communicate(timeout=30)
            sink_reports.append(json.loads(output.decode().strip().splitlines()[-1]))

        rates = [entry["deliveries_per_s"] for entry in results]
        median = statistics.median(rates)
        received = sum(report["requests"] for report in sink_reports)
        result = {
            "benchmark": "fanout",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "deliveries_per_s": median,
            "sign_per_s_single_core": round(sign_full.best),
            "ratio_to_sign_limit": round(median / (sign_full.best * CPU_COUNT), 3),
            "rsa_sign_raw_per_s_single_core": round(sign_raw.best),
            # CPU per delivery barely changes when other work shares the machine; the rate does.
            "worker_cpu_us_per_delivery": round(
                1e6 * cpu["cpu_s"]["delivery_workers"] / max(args.inboxes * args.rounds, 1)
            ),
            "rounds": results,
            "inboxes": args.inboxes,
            "hosts": args.hosts,
            "sink_processes": args.sinks,
            "delivery_worker_processes": args.workers,
            "delivered_total": received,
            "expected_total": args.inboxes * args.rounds,
            "distinct_inboxes_reached": sum(report["inboxes"] for report in sink_reports),
            "signatures_verified_by_sinks": sum(report["verified"] for report in sink_reports),
            "bad_signatures": sum(report["bad_signature_count"] for report in sink_reports),
            "bad_signature_samples": [
                sample for report in sink_reports for sample in report["bad_signatures"]
            ][:3],
            "postgres": "fsync=on synchronous_commit=on (durable)",
            "http_client": f"aiohttp {aiohttp.__version__}",
            "cpu_count": CPU_COUNT,
            "cpu": cpu,
            "load_average_before": load_before,
            "python": sys.version.split()[0],
        }
        log(f"median {median:,.0f} deliveries/s; cpu {cpu['core_pct']}")
    emit(result)


if __name__ == "__main__":
    main()
