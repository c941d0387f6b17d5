"""Hostile senders at the inbox: how long a refusal takes, and how long others wait in a flood.

    this process                                   a node (bench/common.py node --workers)
    ------------                                   ----------------------------------------
    durable PostgreSQL (temp dir, fsync on) <----- fedcop on uvicorn, inbox worker running
    two remote senders seeded in `actors`,
    a community `stewards` on the node
    1. hostile documents, signed, one at a time --> POST /inbox -> 400/413 (time to refuse)
    2. FLOOD pre-signed Creates from one sender, as fast as the node takes them (raw keep-alive
       connections, as bench/inbox.py) --> 202 or 429 Retry-After
       then one Create from the other sender   --> 202; time until the worker has handled it

Each hostile document is sent ROUNDS times; the slowest answer is reported. The goal: no
refusal slower than 1 s, and the other sender's activity handled within seconds of a flood.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import time
import uuid
from typing import Any

import asyncpg
import httpx
from common import (
    CPU_COUNT,
    Cleanup,
    await_node_processes,
    bench_config,
    body_of,
    durable_postgres,
    emit,
    free_port,
    log,
    phase,
    spawn,
    temp_dir,
)
from inbox import NODE_HOST, Run, Sender, drive, make_senders, presign, seed_senders

from fedcop.services import accounts
from federation.keys import load_private_key
from federation.signatures import sign_request

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def create(sender: Sender, audience: str, **note_fields: Any) -> dict[str, Any]:
    origin = sender.actor.rsplit("/users/", 1)[0]
    note = {
        "id": f"{origin}/notes/{uuid.uuid4().hex}",
        "type": "Note",
        "attributedTo": sender.actor,
        "content": "<p>a post</p>",
        "to": [PUBLIC],
        "cc": [audience],
        "audience": audience,
        **note_fields,
    }
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{origin}/activities/{uuid.uuid4().hex}",
        "type": "Create",
        "actor": sender.actor,
        "to": [PUBLIC],
        "cc": [audience],
        "object": note,
    }


def hostile_documents(sender: Sender, audience: str) -> dict[str, bytes]:
    mentions = [
        {"type": "Mention", "href": f"{sender.actor}{index}", "name": f"@m{index}"}
        for index in range(10_000)
    ]
    unknown = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.actor}/activities/{uuid.uuid4().hex}",
        "type": "Unheard",
        "actor": sender.actor,
        "padding": "x" * 600_000,
    }
    return {
        "create_30000_hashtags": body_of(
            create(
                sender,
                audience,
                tag=[{"type": "Hashtag", "name": f"#t{index:x}"} for index in range(30_000)],
            )
        ),
        "create_10000_mentions": body_of(create(sender, audience, tag=mentions)),
        "create_501_hashtags": body_of(
            create(sender, audience, tag=[{"type": "Hashtag", "name": "#a"}] * 501)
        ),
        "create_2000_addressees": body_of(
            create(sender, audience, cc=[f"{sender.actor}/f{index}" for index in range(2000)])
        ),
        "object_with_300_properties": body_of(
            create(sender, audience, **{f"x{index}": index for index in range(300)})
        ),
        "unknown_type_600kb_string": body_of(unknown),
        "nested_arrays_500000_deep": b"[" * 500_000 + b"]" * 500_000,
    }


def signed_headers(sender: Sender, authority: str, body: bytes) -> dict[str, str]:
    headers = sign_request(
        "POST",
        f"http://{authority}/inbox",
        body,
        sender.key_id,
        load_private_key(sender.private_pem),
    )
    return {**headers, "Content-Type": "application/activity+json"}


async def time_refusals(
    port: int, authority: str, sender: Sender, audience: str, rounds: int
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        for name, body in hostile_documents(sender, audience).items():
            slowest, status, reason = 0.0, 0, ""
            for _ in range(rounds):
                headers = signed_headers(sender, authority, body)
                started = time.perf_counter()
                response = await http.post("/inbox", content=body, headers=headers)
                slowest = max(slowest, time.perf_counter() - started)
                status, reason = response.status_code, response.text[:160]
            results[name] = {
                "bytes": len(body),
                "status": status,
                "slowest_ms": round(1000 * slowest, 1),
                "answer": reason,
            }
            log(f"{name}: {status} in at most {1000 * slowest:.1f} ms")
    return results


async def flood(
    dsn: str,
    port: int,
    authority: str,
    other: Sender,
    audience: str,
    requests: list[bytes],
    concurrency: int,
) -> dict[str, Any]:
    """Send the pre-signed flood as fast as the node takes it, then one Create from `other`;
    how long until the inbox worker has handled that one."""
    run = Run(requests, time.perf_counter() + 600)
    started = time.perf_counter()
    await drive(port, run, concurrency)
    flood_seconds = time.perf_counter() - started
    lone = create(other, audience)
    body = body_of(lone)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        response = await http.post(
            "/inbox", content=body, headers=signed_headers(other, authority, body)
        )
    sent_at = time.perf_counter()
    conn = await asyncpg.connect(dsn)
    try:
        flooder_waiting = await conn.fetchval(
            "SELECT count(*) FROM inbound_activities WHERE state IN ('pending', 'unverified')"
        )
        state = None
        while time.perf_counter() - sent_at < 900:
            state = await conn.fetchval(
                "SELECT state FROM inbound_activities WHERE activity_id = $1", lone["id"]
            )
            if state not in ("pending", "unverified"):
                break
            await asyncio.sleep(0.02)
        waited = time.perf_counter() - sent_at
    finally:
        await conn.close()
    log(
        f"flood {dict(run.statuses)} in {flood_seconds:.1f} s, {flooder_waiting} waiting; "
        f"the other's handled in {waited:.2f} s"
    )
    return {
        "flood_requests": len(requests),
        "flood_answers": {str(status): n for status, n in sorted(run.statuses.items())},
        "flood_sample_refusals": {
            str(status): answer.decode("utf-8", "replace")
            for status, answer in run.sample_answers.items()
        },
        "flood_seconds": round(flood_seconds, 2),
        "waiting_when_the_other_arrived": flooder_waiting,
        "other_answer": response.status_code,
        "other_state": state,
        "other_handled_after_s": round(waited, 2),
    }


async def seed_community(dsn: str, base_url: str) -> str:
    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2)
    try:
        config = bench_config(base_url)
        await accounts.create_user(pool, config, "steward", "long enough password")
        await accounts.create_community(pool, config, "stewards", title="S", owner="steward")
    finally:
        await pool.close()
    return f"{base_url}/c/stewards"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="sends of each hostile document")
    parser.add_argument("--flood", type=int, default=20_000, help="Creates from the flooder")
    parser.add_argument("--concurrency", type=int, default=32, help="flood connections")
    args = parser.parse_args()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-hostile-")
        _cluster, dsn = durable_postgres(cleanup, root)
        port = free_port()
        authority = f"{NODE_HOST}:{port}"
        base_url = f"http://{authority}"
        flooder, other = make_senders(2)
        asyncio.run(seed_senders(dsn, [flooder, other]))
        audience = asyncio.run(seed_community(dsn, base_url))
        node = spawn(
            cleanup,
            "node",
            "--dsn",
            dsn,
            "--base-url",
            base_url,
            "--port",
            str(port),
            "--workers",
            stdout=-1,
        )
        await_node_processes([node], port, authority)
        with phase("hostile documents"):
            refusals = asyncio.run(time_refusals(port, authority, flooder, audience, args.rounds))
        with phase(f"pre-signing a flood of {args.flood:,} Creates from one actor"):
            requests = presign([flooder], authority, args.flood)
        with phase("the flood, then one Create from another actor"):
            flooding = asyncio.run(
                flood(dsn, port, authority, other, audience, requests, args.concurrency)
            )
        result = {
            "benchmark": "hostile_inbox",
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "slowest_refusal_ms": max(entry["slowest_ms"] for entry in refusals.values()),
            "refusals": refusals,
            "flood": flooding,
            "postgres": "fsync=on synchronous_commit=on (durable)",
            "cpu_count": CPU_COUNT,
        }
    emit(result)


if __name__ == "__main__":
    main()
