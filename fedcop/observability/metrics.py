"""Prometheus metrics: counters kept by each process, gauges read from the database per scrape.

    counted where it happens            read at scrape time (fedcop.store.operations)
    fedcop_http_requests_total          fedcop_queue_depth{queue}
    fedcop_http_request_duration_seconds fedcop_queue_oldest_age_seconds{queue}
    fedcop_inbox_requests_total         fedcop_hosts{state}  (failing / unavailable / blocked)
    fedcop_signature_failures_total     fedcop_host_failure_days{host}  (the 20 worst only)
    fedcop_deliveries_total
    fedcop_delivery_second_knocks_total
    fedcop_host_suspensions_total       fedcop_media_stored_bytes, fedcop_media_files
                                        (fedcop.store.media.lifecycle: per-account sums)

Labels are bounded: routes are path templates (`/c/{name}/inbox`, never the raw path), reasons
and outcomes are fixed words, hosts appear only in the top-20 gauge.

Several server processes (`fedcop serve --workers N`) use prometheus_client's multiprocess mode:
`fedcop serve` points PROMETHEUS_MULTIPROC_DIR at a fresh directory before the processes start
(see `multiprocess_directory`), each writes its counters there, and any process answering a
scrape sums them all. The variable must be set before prometheus_client is imported, which is
why the processes get it from their parent.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from fedcop.store.media.lifecycle import StorageTotals
from fedcop.store.operations import HostHealth, QueueStats

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"

HTTP_REQUESTS = Counter(
    "fedcop_http_requests",
    "HTTP requests answered, by method, route template and status.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "fedcop_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
INBOX_REQUESTS = Counter(
    "fedcop_inbox_requests",
    "Inbox POSTs by outcome (accepted / rejected) and reason.",
    ["outcome", "reason"],
)
SIGNATURE_FAILURES = Counter(
    "fedcop_signature_failures",
    "HTTP signatures that failed verification: at the inbox, or in the inbox worker after the "
    "key was fetched.",
    ["stage"],
)
DELIVERIES = Counter(
    "fedcop_deliveries",
    "Delivery attempts by outcome: done, retry (pending again), given_up.",
    ["outcome"],
)
# Bounded labels: two schemes, two answers.
DELIVERY_SECOND_KNOCKS = Counter(
    "fedcop_delivery_second_knocks",
    "Deliveries signed again with the other scheme after a 401, by that scheme "
    "(draft-cavage, rfc9421) and whether it was accepted (yes, no).",
    ["scheme", "accepted"],
)

HOST_SUSPENSIONS = Counter(
    "fedcop_host_suspensions",
    "Times a host that kept failing was suspended by the delivery circuit breaker (its "
    "deliveries postponed).",
)

_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    return method if method in _HTTP_METHODS else "other"


def _multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_VARIABLE) or None


@contextlib.contextmanager
def multiprocess_directory(parent: Path | None = None) -> Iterator[None]:
    """For `serve --workers N`: a fresh directory for the processes' metric files, removed on
    exit. An operator's own PROMETHEUS_MULTIPROC_DIR is used as it is and left in place."""
    if _multiprocess_dir() is not None:
        yield
        return
    directory = tempfile.mkdtemp(prefix="fedcop-metrics-", dir=parent)
    os.environ[MULTIPROC_VARIABLE] = directory
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)


class _Snapshot(Collector):
    """Gauges read from the database for this scrape."""

    def __init__(
        self,
        queues: Iterable[QueueStats],
        hosts: HostHealth,
        storage: StorageTotals | None = None,
    ) -> None:
        self.queues = list(queues)
        self.hosts = hosts
        self.storage = storage

    def collect(self) -> Iterable[Metric]:
        depth = GaugeMetricFamily(
            "fedcop_queue_depth",
            "Rows waiting in a queue (not yet done or given up).",
            labels=["queue"],
        )
        age = GaugeMetricFamily(
            "fedcop_queue_oldest_age_seconds",
            "Age of the oldest waiting row in a queue (0 when empty).",
            labels=["queue"],
        )
        for queue in self.queues:
            depth.add_metric([queue.name], queue.depth)
            age.add_metric([queue.name], queue.oldest_age_seconds)
        hosts = GaugeMetricFamily(
            "fedcop_hosts", "Other servers by delivery state.", labels=["state"]
        )
        hosts.add_metric(["failing"], self.hosts.failing)
        hosts.add_metric(["unavailable"], self.hosts.unavailable)
        hosts.add_metric(["blocked"], self.hosts.blocked)
        worst = GaugeMetricFamily(
            "fedcop_host_failure_days",
            "Distinct days with failed deliveries since the last success, for the worst hosts.",
            labels=["host"],
        )
        for host, days in self.hosts.worst:
            worst.add_metric([host], days)
        return [depth, age, hosts, worst, *self._storage()]

    def _storage(self) -> list[Metric]:
        if self.storage is None:
            return []
        stored = GaugeMetricFamily(
            "fedcop_media_stored_bytes",
            "Bytes of files members uploaded, kept in the media storage (files and thumbnails).",
        )
        stored.add_metric([], self.storage.bytes)
        files = GaugeMetricFamily("fedcop_media_files", "Files members uploaded, kept here.")
        files.add_metric([], self.storage.files)
        return [stored, files]


def render(
    queues: Iterable[QueueStats], hosts: HostHealth, storage: StorageTotals | None = None
) -> bytes:
    """The whole scrape: this process's (or all processes') counters, then the database's gauges."""
    directory = _multiprocess_dir()
    if directory is not None:
        counted = CollectorRegistry()
        multiprocess.MultiProcessCollector(counted, path=directory)  # type: ignore[no-untyped-call]
    else:
        counted = REGISTRY
    snapshot = CollectorRegistry(auto_describe=False)
    snapshot.register(_Snapshot(queues, hosts, storage))
    return generate_latest(counted) + generate_latest(snapshot)
