"""What both benchmarks share: a durable Postgres, child processes, keys, notes, CPU accounting.

    with Cleanup() as cleanup:                  # Ctrl-C / SIGTERM unwind through here
        dsn = durable_postgres(cleanup)          # temp dir, fsync on, migrations applied
        proc = spawn(cleanup, "node", ...)       # `python bench/common.py node ...`, stopped
        ...                                      #   (SIGTERM, then SIGKILL) on the way out

Run as a script, this file is also the child processes the benchmarks start:

    python bench/common.py node --dsn DSN --base-url URL --port P      # fedcop on uvicorn
    python bench/common.py sink --port P [--public-key FILE]             # an inbox that says 202
    python bench/common.py deliver --dsn DSN --base-url URL --hosts ...  # a delivery worker

Each child exits by itself when its parent goes away, so a killed benchmark leaves no server.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, cast

import asyncpg
import orjson
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.db.migrate import apply_migrations
from fedcop.observability.logs import setup_logging
from federation.keys import load_public_key
from federation.signatures import parse_signature, sign_request, verify_signature

HERE = Path(__file__).resolve()
CPU_COUNT = os.cpu_count() or 1
DATABASE = "fedcop"
# PostgreSQL as `fedcop serve` runs it: every commit reaches the disk before it is acknowledged.
# (The test suite's fsync=off settings would make the inbox figure meaningless.)
DURABLE_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "shared_buffers": "512MB",
    "max_connections": "100",
}
_STARTED = time.monotonic()


def log(message: str) -> None:
    """Progress goes to stderr; stdout carries only the final JSON line."""
    print(f"[{time.monotonic() - _STARTED:6.1f}s] {message}", file=sys.stderr, flush=True)


def emit(result: dict[str, Any]) -> None:
    print(json.dumps(result, sort_keys=False), flush=True)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    log(f"{name} ...")
    started = time.monotonic()
    yield
    log(f"{name}: {time.monotonic() - started:.1f} s")


# --- cleanup ---------------------------------------------------------------------------------


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


class Cleanup(contextlib.ExitStack):
    """An ExitStack that SIGTERM and SIGHUP unwind too (as Ctrl-C does), so every registered
    stop runs: child processes first (last registered), then the database, then the temp dir."""

    def __enter__(self) -> Cleanup:
        # Also when started in the background by a shell, which ignores SIGINT for its jobs.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        signal.signal(signal.SIGHUP, _interrupt)
        super().__enter__()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        # A second Ctrl-C while stopping must not leave the rest running.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            return bool(super().__exit__(kind, error, tb))
        finally:
            signal.signal(signal.SIGINT, previous)


def temp_dir(cleanup: Cleanup, prefix: str) -> Path:
    # On the real disk (not /dev/shm): the durable settings must cost what they cost.
    path = Path(tempfile.mkdtemp(prefix=prefix))
    cleanup.callback(shutil.rmtree, path, True)
    return path


def durable_postgres(cleanup: Cleanup, root: Path) -> tuple[EmbeddedPostgres, str]:
    """An embedded cluster in `root` with durable settings, database `fedcop` migrated."""
    cluster = EmbeddedPostgres(root / "pg", settings=DURABLE_SETTINGS)
    cleanup.callback(cluster.stop)  # registered first: stop() is a no-op if it never started
    log("starting PostgreSQL (fsync on, synchronous_commit on)")
    cluster.ensure_running()

    async def prepare() -> None:
        admin = await asyncpg.connect(cluster.dsn())
        try:
            await admin.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await admin.close()
        conn = await asyncpg.connect(cluster.dsn(DATABASE))
        try:
            await apply_migrations(conn)
        finally:
            await conn.close()

    asyncio.run(prepare())
    return cluster, cluster.dsn(DATABASE)


def postmaster_pid(cluster: EmbeddedPostgres) -> int | None:
    running = cluster.running_postmaster()
    return running.pid if running else None


# --- child processes -------------------------------------------------------------------------


def spawn(
    cleanup: Cleanup, role: str, *args: str, stdout: int | None = None
) -> subprocess.Popen[bytes]:
    """Start `python bench/common.py ROLE ARGS...`; it is stopped when `cleanup` unwinds."""
    process = subprocess.Popen(
        [sys.executable, str(HERE), role, *args],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        # Its own session: a Ctrl-C in the terminal reaches only us, and we stop it in order.
        start_new_session=True,
    )
    cleanup.callback(stop_process, process)
    return process


def stop_process(process: subprocess.Popen[bytes], timeout: float = 15.0) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, processes: list[subprocess.Popen[bytes]], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a child process exited early (code {process.returncode})")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout:g} s")


def reuse_port_socket(port: int) -> socket.socket:
    """A listening socket several processes can share: the kernel spreads connections."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    return sock  # uvicorn (asyncio) calls listen() once the app has started


async def exit_with_parent(stop: Callable[[], None]) -> None:
    """Call `stop` once the process that started us is gone (it was killed without cleanup)."""
    parent = os.getppid()
    while os.getppid() == parent:
        await asyncio.sleep(0.5)
    stop()


# --- resolver: every *.test name is this machine ---------------------------------------------


async def loopback_resolver(host: str, port: int) -> list[str]:
    if host.endswith(".test"):
        return ["127.0.0.1"]
    raise OSError(f"the benchmark only talks to *.test names on loopback, not {host}")


# --- keys, notes and signatures --------------------------------------------------------------

_PARAGRAPH = (
    "<p>Notes from this week's practice circle: we compared how three teams keep their data "
    "dictionaries current, and agreed to try a shared template for one quarter. The template "
    "has a field for provenance, a field for the steward, and a review date. "
    '<a href="https://wiki.example.org/dictionaries" rel="nofollow noopener" target="_blank">'
    "The draft is on the wiki</a>; comments before Friday, please.</p>"
)


def create_note(actor: str, number: int, audience: str) -> dict[str, Any]:
    """A Mastodon-shaped Create(Note) of about 3 KB, unique by `number`."""
    status = f"{actor}/statuses/{110_000_000_000_000_000 + number}"
    published = "2026-11-21T08:00:00Z"
    return {
        "@context": [
            "https://www.w3.org/ns/activitystreams",
            {
                "ostatus": "http://ostatus.org#",
                "atomUri": "ostatus:atomUri",
                "inReplyToAtomUri": "ostatus:inReplyToAtomUri",
                "conversation": "ostatus:conversation",
                "sensitive": "as:sensitive",
                "toot": "http://joinmastodon.org/ns#",
                "votersCount": "toot:votersCount",
                "Hashtag": "as:Hashtag",
            },
        ],
        "id": f"{status}/activity",
        "type": "Create",
        "actor": actor,
        "published": published,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [f"{actor}/followers", audience],
        "object": {
            "id": status,
            "type": "Note",
            "summary": None,
            "inReplyTo": None,
            "published": published,
            "url": status.replace("/users/", "/@").replace("/statuses/", "/"),
            "attributedTo": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "cc": [f"{actor}/followers", audience],
            "sensitive": False,
            "atomUri": status,
            "inReplyToAtomUri": None,
            "conversation": f"tag:{actor.split('/')[2]},2026-11-21:objectId={number}:"
            "objectType=Conversation",
            "content": _PARAGRAPH * 2,
            "contentMap": {"en": _PARAGRAPH},
            "attachment": [],
            "tag": [
                {"type": "Mention", "href": audience, "name": "@stewards@node.test"},
                {
                    "type": "Hashtag",
                    "href": f"{actor.split('/users/')[0]}/tags/datastewardship",
                    "name": "#datastewardship",
                },
            ],
            "replies": {
                "id": f"{status}/replies",
                "type": "Collection",
                "first": {
                    "type": "CollectionPage",
                    "next": f"{status}/replies?only_other_accounts=true&page=true",
                    "partOf": f"{status}/replies",
                    "items": [],
                },
            },
        },
    }


def body_of(document: dict[str, Any]) -> bytes:
    return orjson.dumps(document)


@dataclass
class Rate:
    """Operations per second over repeated short windows: the best window is reported, since
    other work on a shared machine can only slow a window down."""

    windows: list[float] = field(default_factory=list)

    @property
    def best(self) -> float:
        return max(self.windows)

    @property
    def median(self) -> float:
        return statistics.median(self.windows)


def per_second(operation: Callable[[], object], *, window: float = 0.6, windows: int = 4) -> Rate:
    """Run `operation` repeatedly on this thread (one core) for a few windows."""
    rate = Rate()
    operation()
    for _ in range(windows):
        count = 0
        started = time.perf_counter()
        while (elapsed := time.perf_counter() - started) < window:
            for _ in range(20):
                operation()
            count += 20
        rate.windows.append(count / elapsed)
    return rate


def verify_rates(private_key: rsa.RSAPrivateKey, body: bytes) -> tuple[Rate, Rate]:
    """(RSA-2048 verifies/s through federation.signatures.verify_signature, raw verifies/s)."""
    headers = sign_request("POST", "http://node.test/inbox", body, "http://s.test/k", private_key)
    lowered = {name.lower(): value for name, value in headers.items()}
    parsed = parse_signature("POST", "/inbox", lowered, scheme="http")
    public_key = private_key.public_key()
    signing_string = parsed.signing_strings[0]  # type: ignore[union-attr]
    full = per_second(lambda: verify_signature(parsed, public_key, body))
    raw = per_second(
        lambda: public_key.verify(
            parsed.signature, signing_string, padding.PKCS1v15(), hashes.SHA256()
        )
    )
    return full, raw


def sign_rates(private_key: rsa.RSAPrivateKey, body: bytes) -> tuple[Rate, Rate]:
    """(RSA-2048 signatures/s through federation.signatures.sign_request, raw signs/s)."""
    url = "http://inbox-1.test:8080/users/u1/inbox"
    signing_string = b"(request-target): post /users/u1/inbox\nhost: inbox-1.test\n" + b"d" * 120
    full = per_second(
        lambda: sign_request("POST", url, body, "http://o.test/u/a#main-key", private_key)
    )
    raw = per_second(
        lambda: private_key.sign(signing_string, padding.PKCS1v15(), hashes.SHA256()), window=0.5
    )
    return full, raw


# --- CPU accounting --------------------------------------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by one process; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])
    return (total - idle) / _TICK, total / _TICK


class CpuMeter:
    """CPU used by named groups of processes between start() and stop(), and by the machine."""

    def __init__(self, groups: dict[str, Callable[[], list[int]]]) -> None:
        self.groups = groups
        self._pids: dict[str, list[int]] = {}
        self._before: dict[int, float] = {}
        self._machine: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0

    def start(self) -> None:
        self._pids = {name: find() for name, find in self.groups.items()}
        self._before = {pid: process_cpu(pid) for pids in self._pids.values() for pid in pids}
        self._machine = machine_cpu()
        self._started = time.monotonic()

    def stop(self) -> dict[str, Any]:
        """Each group's CPU as a percentage of one core, the machine's busy share, and what
        processes outside the benchmark (other work on a shared machine) took."""
        wall = time.monotonic() - self._started
        busy, total = machine_cpu()
        machine_busy = busy - self._machine[0]
        for name, find in self.groups.items():  # processes started meanwhile count whole
            self._pids[name] = sorted(set(self._pids[name]) | set(find()))
        per_group = {
            name: sum(process_cpu(pid) - self._before.get(pid, 0.0) for pid in pids)
            for name, pids in self._pids.items()
        }
        ours = sum(per_group.values())
        return {
            "wall_s": round(wall, 2),
            "machine_busy_pct_of_all_cores": round(
                100 * machine_busy / max(total - self._machine[1], 1e-9), 1
            ),
            "core_pct": {name: round(100 * used / wall, 1) for name, used in per_group.items()},
            "cpu_s": {name: round(used, 3) for name, used in per_group.items()},
            "outside_benchmark_core_pct": round(100 * max(machine_busy - ours, 0.0) / wall, 1),
        }


def load_average() -> list[float]:
    return [round(value, 2) for value in os.getloadavg()]


# --- children: sink ------------------------------------------------------------------------


class SinkStats:
    def __init__(self, public_key_pem: str | None, verify_every: int) -> None:
        self.public_key = load_public_key(public_key_pem) if public_key_pem else None
        self.verify_every = verify_every
        self.requests = 0
        self.inboxes: set[str] = set()
        self.hosts: set[str] = set()
        self.verified = 0
        self.bad_signatures: list[str] = []

    def check(self, head: bytes, body: bytes) -> None:
        self.requests += 1
        lines = head.decode("latin-1").split("\r\n")
        _, target, _ = lines[0].split(" ", 2)
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        self.inboxes.add(headers.get("host", "") + target)
        self.hosts.add(headers.get("host", ""))
        if self.public_key is not None and self.requests % self.verify_every == 1:
            try:
                parsed = parse_signature("POST", target, headers, scheme="http")
                verify_signature(parsed, self.public_key, body)
                self.verified += 1
            except Exception as error:  # reported, never fatal: the figure must still print
                self.bad_signatures.append(str(error)[:200])


class SinkProtocol(asyncio.Protocol):
    """HTTP/1.1 keep-alive; answers every request 202 with an empty body."""

    ANSWER = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"

    def __init__(self, stats: SinkStats) -> None:
        self.stats = stats
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end]
            length = content_length(head)
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            self.stats.check(head, body)
            assert self.transport is not None
            self.transport.write(self.ANSWER)


def content_length(head: bytes) -> int:
    """The Content-Length of an HTTP/1.1 message head (status or request line and headers)."""
    lowered = head.lower()
    at = lowered.find(b"\r\ncontent-length:")
    if at < 0:
        return 0
    end = lowered.find(b"\r\n", at + 2)
    return int(lowered[at + 17 : end if end >= 0 else None])


async def run_sink(port: int, public_key_file: str | None, verify_every: int) -> None:
    pem = Path(public_key_file).read_text() if public_key_file else None
    stats = SinkStats(pem, verify_every)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    server = await loop.create_server(
        lambda: SinkProtocol(stats), "127.0.0.1", port, backlog=2048, reuse_address=True
    )
    watchdog = asyncio.create_task(exit_with_parent(stop.set))
    await stop.wait()
    watchdog.cancel()
    server.close()
    print(
        json.dumps(
            {
                "requests": stats.requests,
                "inboxes": len(stats.inboxes),
                "hosts": len(stats.hosts),
                "verified": stats.verified,
                "bad_signatures": stats.bad_signatures[:5],
                "bad_signature_count": len(stats.bad_signatures),
            }
        ),
        flush=True,
    )


# --- children: node ------------------------------------------------------------------------


def bench_config(base_url: str) -> Config:
    """A node's configuration as `FEDCOP_LOG_LEVEL=warning fedcop serve` would have it, logging
    set up the same way: the INFO access line every request writes (and the workers' INFO
    lines) would otherwise be part of the figures, which are meant to measure fedcop's work."""
    config = Config(base_url=base_url, allow_private_addresses=True, log_level="warning")
    setup_logging(config.log_level, config.log_format)
    return config


def run_node(dsn: str, base_url: str, port: int, workers: bool) -> None:
    """fedcop's app on uvicorn (uvloop, httptools) on a shared SO_REUSEPORT socket."""
    import uvicorn

    from fedcop.app import create_app

    config = bench_config(base_url)
    app = create_app(config, dsn, run_workers=workers, resolver=loopback_resolver)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            access_log=False,
            server_header=False,
            date_header=False,
            log_config=None,  # as `fedcop serve`: logging is fedcop's (bench_config)
            log_level=config.log_level,
            backlog=2048,
        )
    )
    sock = reuse_port_socket(port)

    async def serve() -> None:
        def stop() -> None:
            server.should_exit = True

        async def announce() -> None:
            while not server.started:
                await asyncio.sleep(0.02)
            print("ready", flush=True)

        watchdog = asyncio.create_task(exit_with_parent(stop))
        ready = asyncio.create_task(announce())
        try:
            await server.serve(sockets=[sock])
        finally:
            watchdog.cancel()
            ready.cancel()

    import uvloop

    uvloop.run(serve())


# --- children: delivery worker ---------------------------------------------------------------


def run_deliverer(dsn: str, base_url: str) -> None:
    """fedcop's DeliveryWorker.run_once() in a loop, inside the app's lifespan (pool, network),
    until SIGTERM. Idle passes sleep 5 ms so a new batch is picked up at once."""
    import uvloop

    from fedcop.app import create_app

    async def work() -> None:
        config = bench_config(base_url)
        app = create_app(config, dsn, run_workers=False, resolver=loopback_resolver)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.add_signal_handler(signal.SIGINT, stop.set)
        watchdog = asyncio.create_task(exit_with_parent(stop.set))
        async with app.router.lifespan_context(app):
            worker = app.state.delivery_worker
            print("ready", flush=True)
            while not stop.is_set():
                if await worker.run_once() == 0:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stop.wait(), 0.005)
        watchdog.cancel()

    uvloop.run(work())


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    roles = parser.add_subparsers(dest="role", required=True)
    node = roles.add_parser("node")
    node.add_argument("--dsn", required=True)
    node.add_argument("--base-url", required=True)
    node.add_argument("--port", type=int, required=True)
    node.add_argument("--workers", action="store_true")
    sink = roles.add_parser("sink")
    sink.add_argument("--port", type=int, required=True)
    sink.add_argument("--public-key")
    sink.add_argument("--verify-every", type=int, default=50)
    deliver = roles.add_parser("deliver")
    deliver.add_argument("--dsn", required=True)
    deliver.add_argument("--base-url", required=True)
    args = parser.parse_args()
    if args.role == "node":
        run_node(args.dsn, args.base_url, args.port, args.workers)
    elif args.role == "sink":
        import uvloop

        uvloop.run(run_sink(args.port, args.public_key, args.verify_every))
    else:
        run_deliverer(args.dsn, args.base_url)


if __name__ == "__main__":
    _main()


def await_node_processes(nodes: list[subprocess.Popen[bytes]], port: int, authority: str) -> None:
    """Wait for every node process's "ready" line."""
    for node in nodes:
        assert node.stdout is not None
        if node.stdout.readline().strip() != b"ready":
            raise SystemExit("a node process did not start: see the messages above")
    log(f"{len(nodes)} node process(es) on 127.0.0.1:{port} as {authority}")


def node_cpu_meter(nodes: list[subprocess.Popen[bytes]], cluster: EmbeddedPostgres) -> CpuMeter:
    """CPU of the node processes, of PostgreSQL, and of this (load-generating) process."""
    postmaster = postmaster_pid(cluster) or -1
    return CpuMeter(
        {
            "node": lambda: [node.pid for node in nodes],
            "postgres": lambda: [postmaster, *children_of(postmaster)],
            "load_generator": lambda: [os.getpid()],
        }
    )
