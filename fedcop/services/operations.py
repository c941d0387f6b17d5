"""Is this node ready to serve, and what do its queues and peers look like (for /metrics)?

database_problem(pool) -> None, or why the database cannot serve (what /healthz reports)
readiness(pool, workers) -> Readiness(checks={"database", "migrations", "workers"}, ready)
  database    answers a query within DATABASE_TIMEOUT
  migrations  every migration this code ships is recorded in schema_migrations
              (rows this code does not know are reported, not refused: a newer release
               migrated first during a rolling upgrade, and migrations only add)
  workers     each queue worker loop of this process has ticked within WORKER_STALE_AFTER
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from fedcop.db.migrate import discover
from fedcop.store import operations as operations_store
from fedcop.store.operations import HostHealth, QueueStats

log = logging.getLogger(__name__)

DATABASE_TIMEOUT = 5.0
# A worker loop ticks before every batch and after every row or delivery it finishes, each of
# which is bounded by network timeouts well under this.
WORKER_STALE_AFTER = 120.0


class Worker(Protocol):
    heartbeat: float  # time.monotonic() of its last tick


@dataclass(frozen=True)
class RunningWorker:
    name: str
    worker: Worker
    task: asyncio.Task[None]


@dataclass
class Readiness:
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ready(self) -> bool:
        return not self.problems


async def database_problem(pool: Any) -> str | None:
    """None when the database answers a query within DATABASE_TIMEOUT; else what is wrong, in
    words fit for anyone (the error's own text, which names hosts and users, goes to the log)."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), pool.acquire() as conn:
            await operations_store.ping(conn)
    except Exception as error:  # any failure to reach it is the answer, not a crash
        log.warning("health: the database cannot be reached: %s: %s", type(error).__name__, error)
        return "the database cannot be reached"
    return None


async def readiness(pool: Any, workers: Sequence[RunningWorker]) -> Readiness:
    result = Readiness()
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT), pool.acquire() as conn:
            applied = await operations_store.applied_migrations(conn)
    except Exception as error:  # any failure to reach it is the answer, not a crash
        # The error's text names the database's host, port and user: for the log only, since
        # anyone who reaches /readyz reads this answer.
        log.warning(
            "readiness: the database cannot be reached: %s: %s", type(error).__name__, error
        )
        result.checks["database"] = f"unreachable: {type(error).__name__}"
        result.problems.append("the database cannot be reached")
        result.checks["migrations"] = "unknown"
    else:
        result.checks["database"] = "ok"
        known = {m.version: f"{m.version:04d}_{m.name}" for m in discover()}
        missing = [known[v] for v in sorted(known) if v not in applied]
        unknown = sorted(applied - known.keys())
        if missing:
            result.checks["migrations"] = "behind: not applied: " + ", ".join(missing)
            result.problems.append("database migrations are behind: run `fedcop migrate`")
        elif unknown:
            newer = ", ".join(f"{v:04d}" for v in unknown)
            result.checks["migrations"] = f"ok (the database also has newer ones: {newer})"
        else:
            result.checks["migrations"] = "ok"
    result.checks["workers"] = _workers_check(workers, result)
    return result


def _workers_check(workers: Sequence[RunningWorker], result: Readiness) -> str:
    if not workers:
        return "none in this process"
    now = time.monotonic()
    states = []
    for running in workers:
        if running.task.done():
            states.append(f"{running.name}: stopped")
            result.problems.append(f"the {running.name} worker has stopped")
        elif now - running.worker.heartbeat > WORKER_STALE_AFTER:
            quiet = int(now - running.worker.heartbeat)
            states.append(f"{running.name}: no tick for {quiet} s")
            result.problems.append(f"the {running.name} worker is stuck")
    return "; ".join(states) if states else "ok"


async def scrape_gauges(pool: Any) -> tuple[list[QueueStats], HostHealth]:
    async with pool.acquire() as conn:
        return await operations_store.queue_stats(conn), await operations_store.host_health(conn)
