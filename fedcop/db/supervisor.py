"""Keep the embedded PostgreSQL running for as long as `fedcop serve` runs.

    with ClusterSupervisor(cluster, on_give_up=...):       # a thread in the process owning it
        every CHECK_SECONDS: is the cluster's postmaster alive?
          no -> log an error, restart it (crash recovery replays the WAL: nothing committed is
                lost); a failed try waits 1, 2, 4 ... MAX_BACKOFF_SECONDS before the next
          more than MAX_RESTARTS restarts within RESTART_WINDOW_SECONDS (a cluster that cannot
          start, or dies again each time) -> give up: on_give_up(message), and serve stops with
          that message and a non-zero exit, for the service manager to act on

A thread rather than a task: with `serve --workers N` the parent, which owns the cluster, runs
no event loop, and pg_ctl blocks. While the database is away the web processes answer 503 with
Retry-After (fedcop.routes.unavailable) and the queue workers wait (fedcop.workers.loop).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from types import TracebackType

from fedcop.db.embedded import EmbeddedPostgres, EmbeddedPostgresError

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
FIRST_BACKOFF_SECONDS = 1.0
MAX_BACKOFF_SECONDS = 30.0
MAX_RESTARTS = 8
RESTART_WINDOW_SECONDS = 600.0


class ClusterSupervisor:
    def __init__(
        self,
        cluster: EmbeddedPostgres,
        *,
        on_give_up: Callable[[str], None],
        max_restarts: int = MAX_RESTARTS,
        window_seconds: float = RESTART_WINDOW_SECONDS,
    ) -> None:
        self.cluster = cluster
        self.on_give_up = on_give_up
        self.max_restarts = max_restarts
        self.window_seconds = window_seconds
        self.failure: str | None = None  # why it gave up, once it has
        self.restarts = 0  # successful restarts so far
        self._stop = threading.Event()
        self._tries: collections.deque[float] = collections.deque()
        self._thread = threading.Thread(
            target=self._watch, name="fedcop-db-supervisor", daemon=True
        )

    def __enter__(self) -> ClusterSupervisor:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop watching (before the cluster is stopped on purpose, or it would be restarted)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(CHECK_SECONDS):
            if self.cluster.running_postmaster() is not None:
                continue
            log.error(
                "the embedded PostgreSQL in %s has stopped (see %s): restarting it; requests "
                "are answered 503 meanwhile",
                self.cluster.data_dir,
                self.cluster.log_file,
            )
            if not self._bring_back():
                return

    def _bring_back(self) -> bool:
        """Restart the cluster, retrying with backoff; False once it has given up."""
        backoff = FIRST_BACKOFF_SECONDS
        while not self._stop.is_set():
            now = time.monotonic()
            self._tries.append(now)
            while self._tries and self._tries[0] < now - self.window_seconds:
                self._tries.popleft()
            if len(self._tries) > self.max_restarts:
                self._give_up(
                    f"{len(self._tries) - 1} restarts within {self.window_seconds:.0f} s did "
                    "not keep it running"
                )
                return False
            try:
                self.cluster.restart()
            except EmbeddedPostgresError as error:
                if "are gone" in str(error):
                    self._give_up(str(error))
                    return False
                log.error(
                    "could not restart the embedded PostgreSQL: %s; trying again in %.0f s",
                    error,
                    backoff,
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
                continue
            self.restarts += 1
            log.warning("the embedded PostgreSQL in %s is running again", self.cluster.data_dir)
            return True
        return True

    def _give_up(self, why: str) -> None:
        self.failure = (
            f"the embedded PostgreSQL in {self.cluster.data_dir} stopped and could not be kept "
            f"running ({why}); see {self.cluster.log_file}. fedcop serve stops: fix the cause "
            "(disk full? memory? files damaged?) and start it again"
        )
        log.critical("%s", self.failure)
        self.on_give_up(self.failure)
