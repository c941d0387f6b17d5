"""Inbox throughput: signed Create(Note) activities a running node accepts per second, durably.

    this process                                  node processes (bench/common.py node)
    ------------                                  ---------------------------------------
    durable PostgreSQL (temp dir, fsync on) <---- fedcop's app on uvicorn (uvloop, httptools),
    remote senders seeded in `actors`             one SO_REUSEPORT socket on 127.0.0.1,
    N requests pre-signed (process pool)          inbox worker off unless --inbox-worker
    --concurrency keep-alive connections  ------> POST /inbox  -> verify, queue, group commit
    (raw asyncio sockets, no client library)      <------ 202 once the row is committed

Every request is a distinct ~3 KB Create(Note), signed draft-cavage (rsa-sha256) by one of the
seeded senders, whose keys the node finds in its database (then in memory). Signing happens
before the clock starts: it stands for the remote servers' work, not ours. Only 202 answers whose
body says "accepted" (key known, signature verified, row committed) count; the queue's row count
is checked against them at the end.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import multiprocessing
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any, cast

import asyncpg
import uvloop
from common import (
    CPU_COUNT,
    Cleanup,
    await_node_processes,
    body_of,
    content_length,
    create_note,
    durable_postgres,
    emit,
    free_port,
    load_average,
    log,
    node_cpu_meter,
    phase,
    spawn,
    temp_dir,
    verify_rates,
)

from fedcop.store import actors as actor_store
from federation.keys import generate_key_pair, load_private_key
from federation.signatures import sign_request

NODE_HOST = "node.test"


@dataclass(frozen=True)
class Sender:
    actor: str
    key_id: str
    private_pem: str
    public_pem: str


def make_senders(count: int) -> list[Sender]:
    senders = []
    for index in range(count):
        keys = generate_key_pair()
        actor = f"http://sender{index}.test/users/member{index}"
        senders.append(Sender(actor, f"{actor}#main-key", keys.private_pem, keys.public_pem))
    return senders


async def seed_senders(dsn: str, senders: list[Sender]) -> None:
    """The remote actors as if fetched earlier: the node finds their keys without a fetch."""
    conn = await asyncpg.connect(dsn)
    try:
        for sender in senders:
            host = sender.actor.split("/")[2]
            await actor_store.upsert_remote(
                conn,
                actor_store.RemoteActorFields(
                    uri=sender.actor,
                    actor_type="Person",
                    username=sender.actor.rsplit("/", 1)[1],
                    domain=host,
                    display_name="A member",
                    summary="",
                    inbox_url=f"{sender.actor}/inbox",
                    shared_inbox_url=f"http://{host}/inbox",
                    outbox_url=f"{sender.actor}/outbox",
                    followers_url=f"{sender.actor}/followers",
                    public_key_id=sender.key_id,
                    public_key_pem=sender.public_pem,
                ),
            )
    finally:
        await conn.close()


# --- pre-signed requests (in a process pool: the remote servers' work) ----------------------

_signing: dict[str, Any] = {}


def _init_signing(senders: list[Sender], authority: str) -> None:
    _signing["senders"] = [(sender, load_private_key(sender.private_pem)) for sender in senders]
    _signing["authority"] = authority


def _signed_requests(numbers: range) -> list[bytes]:
    senders = _signing["senders"]
    authority = _signing["authority"]
    audience = f"http://{authority}/c/stewards"
    out = []
    for number in numbers:
        sender, private_key = senders[number % len(senders)]
        body = body_of(create_note(sender.actor, number, audience))
        headers = sign_request(
            "POST", f"http://{authority}/inbox", body, sender.key_id, private_key
        )
        head = (
            "POST /inbox HTTP/1.1\r\n"
            + "".join(f"{name}: {value}\r\n" for name, value in headers.items())
            + "Content-Type: application/activity+json\r\n"
            + "User-Agent: fedcop-bench\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n"
        )
        out.append(head.encode("latin-1") + body)
    return out


def presign(senders: list[Sender], authority: str, count: int) -> list[bytes]:
    chunk = 500
    ranges = [range(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    with multiprocessing.get_context("fork").Pool(
        CPU_COUNT, initializer=_init_signing, initargs=(senders, authority)
    ) as pool:
        return [request for part in pool.map(_signed_requests, ranges) for request in part]


# --- the load generator: raw HTTP/1.1 over keep-alive connections ---------------------------


@dataclass
class Run:
    requests: list[bytes]
    deadline: float
    next_index: int = 0
    statuses: collections.Counter[int] = field(default_factory=collections.Counter)
    accepted: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    first_sent: float = 0.0
    last_answer: float = 0.0
    sample_answers: dict[int, bytes] = field(default_factory=dict)

    def take(self) -> bytes | None:
        if self.next_index >= len(self.requests) or time.perf_counter() >= self.deadline:
            return None
        request = self.requests[self.next_index]
        self.next_index += 1
        return request

    def record(self, status: int, body: bytes, latency: float) -> None:
        self.statuses[status] += 1
        self.latencies.append(latency)
        self.last_answer = time.perf_counter()
        if status == 202 and b'"accepted"' in body:
            self.accepted += 1
        elif status not in self.sample_answers:
            self.sample_answers[status] = body[:300]


class LoadConnection(asyncio.Protocol):
    def __init__(self, run: Run, done: asyncio.Future[None]) -> None:
        self.run = run
        self.done = done
        self.buffer = b""
        self.sent_at: float | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.send_next()

    def send_next(self) -> None:
        assert self.transport is not None
        request = self.run.take()
        if request is None:
            self.sent_at = None
            self.transport.close()
            return
        self.sent_at = time.perf_counter()
        if not self.run.first_sent:
            self.run.first_sent = self.sent_at
        self.transport.write(request)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end]
        length = content_length(head)
        if len(self.buffer) < end + 4 + length:
            return
        status = int(head[9:12])
        body = self.buffer[end + 4 : end + 4 + length]
        self.buffer = self.buffer[end + 4 + length :]
        assert self.sent_at is not None
        self.run.record(status, body, time.perf_counter() - self.sent_at)
        self.send_next()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.sent_at is not None:  # closed with a request unanswered
            self.run.errors += 1
        if not self.done.done():
            self.done.set_result(None)


async def drive(port: int, run: Run, concurrency: int) -> None:
    loop = asyncio.get_running_loop()
    futures = []
    for _ in range(concurrency):
        done: asyncio.Future[None] = loop.create_future()
        futures.append(done)
        await loop.create_connection(
            lambda done=done: LoadConnection(run, done),  # type: ignore[misc]
            "127.0.0.1",
            port,
        )
    remaining = max(run.deadline - time.perf_counter(), 0) + 30
    await asyncio.wait_for(asyncio.gather(*futures), remaining)


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(fraction * len(ordered)), len(ordered) - 1)]


async def queue_counts(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT state, count(*) AS n FROM inbound_activities GROUP BY 1")
        return {row["state"]: row["n"] for row in rows}
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=45_000, help="measured requests (max)")
    parser.add_argument("--warmup", type=int, default=3_000, help="requests before the clock")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (max)")
    parser.add_argument("--concurrency", type=int, default=64, help="connections")
    parser.add_argument("--node-procs", type=int, default=2, help="uvicorn processes")
    # 48,000 requests from 64 actors: 750 each, under the inbox's quota of waiting activities per
    # actor (fedcop.inbox.fairness); from 4 actors most would be answered 429, as a flood is.
    parser.add_argument("--senders", type=int, default=64, help="remote actors signing")
    parser.add_argument(
        "--inbox-worker", action="store_true", help="also run the inbox worker in each node"
    )
    args = parser.parse_args()
    load_before = load_average()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-inbox-")
        cluster, dsn = durable_postgres(cleanup, root)
        port = free_port()
        authority = f"{NODE_HOST}:{port}"

        with phase("verify rate on one core (federation.signatures.verify_signature)"):
            senders = make_senders(args.senders)
            sample = body_of(create_note(senders[0].actor, 0, f"http://{authority}/c/x"))
            verify_full, verify_raw = verify_rates(load_private_key(senders[0].private_pem), sample)
        log(f"verify: {verify_full.best:,.0f}/s (raw RSA {verify_raw.best:,.0f}/s)")

        asyncio.run(seed_senders(dsn, senders))
        total = args.warmup + args.requests
        with phase(f"pre-signing {total:,} requests of ~{len(sample):,} bytes"):
            requests = presign(senders, authority, total)

        nodes = [
            spawn(
                cleanup,
                "node",
                "--dsn",
                dsn,
                "--base-url",
                f"http://{authority}",
                "--port",
                str(port),
                *(["--workers"] if args.inbox_worker else []),
                stdout=-1,
            )
            for _ in range(args.node_procs)
        ]
        await_node_processes(nodes, port, authority)
        meter = node_cpu_meter(nodes, cluster)

        async def load() -> tuple[Run, Run, dict[str, Any]]:
            warm = Run(requests[: args.warmup], time.perf_counter() + 60)
            await drive(port, warm, args.concurrency)
            if warm.accepted == 0:
                return warm, warm, {}
            measured = Run(requests[args.warmup :], time.perf_counter() + args.duration)
            meter.start()
            await drive(port, measured, args.concurrency)
            return warm, measured, meter.stop()

        with phase(f"load: {args.concurrency} connections"):
            warm, run, cpu = uvloop.run(load())
        if warm.accepted == 0:
            log(f"nothing accepted during warm-up: {dict(warm.statuses)} {warm.sample_answers}")
            raise SystemExit(1)

        counts = asyncio.run(queue_counts(dsn))
        elapsed = max(run.last_answer - run.first_sent, 1e-9)
        answered = sum(run.statuses.values())
        committed = counts.get("pending", 0) + counts.get("unverified", 0)
        result = {
            "benchmark": "inbox",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "accepted_per_s": round(run.accepted / elapsed, 1),
            "verify_per_s_single_core": round(verify_full.best),
            "rsa_verify_raw_per_s_single_core": round(verify_raw.best),
            "verify_share_of_2_cores_at_this_rate": round(
                run.accepted / elapsed / (verify_full.best * CPU_COUNT), 3
            ),
            # CPU per request barely changes when other work shares the machine; the rate does.
            "node_cpu_us_per_accepted": round(1e6 * cpu["cpu_s"]["node"] / max(run.accepted, 1)),
            "requests": answered,
            "accepted": run.accepted,
            "other_answers": {
                str(status): n for status, n in run.statuses.items() if status != 202
            },
            "sample_other_answers": {
                str(status): body.decode("utf-8", "replace")
                for status, body in run.sample_answers.items()
            },
            "connection_errors": run.errors,
            "duration_s": round(elapsed, 2),
            "latency_ms": {
                "p50": round(1000 * percentile(run.latencies, 0.5), 1),
                "p90": round(1000 * percentile(run.latencies, 0.9), 1),
                "p99": round(1000 * percentile(run.latencies, 0.99), 1),
                "mean": round(1000 * statistics.fmean(run.latencies), 1),
            },
            "concurrency": args.concurrency,
            "node_processes": args.node_procs,
            "inbox_worker": "on" if args.inbox_worker else "off",
            "body_bytes": len(sample),
            "queue_rows": counts,
            "rows_match_accepted": committed == warm.accepted + run.accepted,
            "postgres": "fsync=on synchronous_commit=on (durable)",
            "cpu_count": CPU_COUNT,
            "cpu": cpu,
            "load_average_before": load_before,
            "python": sys.version.split()[0],
        }
        log(
            f"accepted {run.accepted:,} in {elapsed:.1f} s = {result['accepted_per_s']:,}/s; "
            f"cpu {cpu.get('core_pct')}"
        )
    emit(result)


if __name__ == "__main__":
    main()
