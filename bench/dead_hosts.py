"""Healthy deliveries while followers sit on dead hosts: how late does the healthy one arrive?

    this process
    ------------
    durable PostgreSQL (temp dir), fedcop's app lifespan (pool, Network; the default 10 s
    delivery deadline), user `herald`, DeliveryWorker.run_forever() as `fedcop serve` runs it
      round r, every --interval s: publish one Note to
        F dead inboxes  http://dead-H.test:PORT/users/uN/inbox  (H host names, one server that
                        accepts connections and never answers)
        1 healthy inbox http://healthy.test:PORT/inbox          (answers 202 at once)
      delay(r) = from the call to publish until the healthy inbox has round r's POST

Two phases in one run: `normal` (no dead followers), then `dead` (F of them, spread over H
hosts). Printed: each phase's median and worst healthy delay, and the dead phase's worst delay
over the normal median (the figure that should stay within 5 s). The circuit breaker's default
period (1 min) is longer than a short run: the figures show isolation by deadlines, per-host
claims and slots alone; a longer --rounds run shows the breaker suspending the dead hosts too.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from typing import Any

import orjson
from aiohttp import web
from common import (
    Cleanup,
    bench_config,
    durable_postgres,
    emit,
    free_port,
    log,
    loopback_resolver,
    temp_dir,
)

from fedcop.app import create_app
from fedcop.services import accounts, outbox


class HealthyInbox:
    """Answers 202 at once and notes when each round's POST arrived."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}

    async def inbox(self, request: web.Request) -> web.Response:
        document = orjson.loads(await request.read())
        self.arrived.setdefault(str(document.get("content")), time.monotonic())
        return web.Response(status=202)


async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Accept, read, never answer (until the client gives up)."""
    while await reader.read(65536):
        pass
    writer.close()


async def run_phase(
    app: Any,
    herald: Any,
    healthy: HealthyInbox,
    healthy_url: str,
    dead_urls: list[str],
    *,
    name: str,
    rounds: int,
    interval: float,
    timeout: float,
) -> list[float]:
    config = app.state.network.config
    delays: list[float] = []
    for r in range(rounds):
        label = f"{name} round {r}"
        published = time.monotonic()
        async with app.state.pool.acquire() as conn:
            await outbox.publish(
                conn, config, herald, {"type": "Note", "content": label}, [*dead_urls, healthy_url]
            )
        give_up = published + timeout
        while label not in healthy.arrived and time.monotonic() < give_up:
            await asyncio.sleep(0.01)
        delay = healthy.arrived.get(label, give_up) - published
        delays.append(delay)
        if label not in healthy.arrived:
            async with app.state.pool.acquire() as conn:
                rows = await conn.fetch(
                    "SELECT host, state, attempts, next_attempt_at - now() AS due_in, last_error"
                    " FROM deliveries WHERE host = 'healthy.test'"
                )
            log(f"not arrived: {[dict(row) for row in rows]}")
        log(f"{label}: healthy delivery after {delay:.2f} s")
        await asyncio.sleep(max(0.0, published + interval - time.monotonic()))
    return delays


async def measure(dsn: str, args: argparse.Namespace) -> dict[str, Any]:
    config = bench_config("http://herald.test")
    healthy = HealthyInbox()
    web_app = web.Application()
    web_app.router.add_post("/inbox", healthy.inbox)
    runner = web.AppRunner(web_app, access_log=None)
    await runner.setup()
    healthy_port, dead_port = free_port(), free_port()
    await web.TCPSite(runner, "127.0.0.1", healthy_port).start()
    dead_server = await asyncio.start_server(hang, "127.0.0.1", dead_port, backlog=4096)
    healthy_url = f"http://healthy.test:{healthy_port}/inbox"
    dead_urls = [
        f"http://dead-{n % args.dead_hosts}.test:{dead_port}/users/u{n}/inbox"
        for n in range(args.dead_followers)
    ]
    app = create_app(config, dsn, run_workers=False, resolver=loopback_resolver)
    try:
        async with app.router.lifespan_context(app):
            herald = await accounts.create_user(app.state.pool, config, "herald", "long enough")
            stop = asyncio.Event()
            worker = asyncio.create_task(app.state.delivery_worker.run_forever(stop))
            try:
                common = {
                    "rounds": args.rounds,
                    "interval": args.interval,
                    "timeout": args.timeout,
                }
                normal = await run_phase(
                    app, herald, healthy, healthy_url, [], name="normal", **common
                )
                dead = await run_phase(
                    app, herald, healthy, healthy_url, dead_urls, name="dead", **common
                )
                async with app.state.pool.acquire() as conn:
                    suspended = await conn.fetchval(
                        "SELECT count(*) FROM hosts WHERE suspended_until > now()"
                    )
            finally:
                stop.set()
                log("stopping the worker (deliveries under way finish first)")
                await worker
    finally:
        dead_server.close()
        await runner.cleanup()
    normal_median = statistics.median(normal)
    return {
        "benchmark": "dead_hosts",
        "dead_followers": args.dead_followers,
        "dead_hosts": args.dead_hosts,
        "rounds": args.rounds,
        "interval_s": args.interval,
        "delivery_deadline_s": config.delivery_deadline_seconds,
        "healthy_delay_normal_median_s": round(normal_median, 3),
        "healthy_delay_normal_max_s": round(max(normal), 3),
        "healthy_delay_dead_median_s": round(statistics.median(dead), 3),
        "healthy_delay_dead_max_s": round(max(dead), 3),
        "worst_delay_over_normal_s": round(max(dead) - normal_median, 3),
        "hosts_suspended_at_end": int(suspended),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dead-followers", type=int, default=1000, help="inboxes on dead hosts")
    parser.add_argument("--dead-hosts", type=int, default=10, help="dead host names")
    parser.add_argument("--rounds", type=int, default=10, help="posts per phase")
    parser.add_argument("--interval", type=float, default=2.0, help="seconds between posts")
    parser.add_argument("--timeout", type=float, default=60.0, help="longest wait per round")
    args = parser.parse_args()
    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-dead-hosts-")
        _cluster, dsn = durable_postgres(cleanup, root)
        emit(asyncio.run(measure(dsn, args)))


if __name__ == "__main__":
    main()
