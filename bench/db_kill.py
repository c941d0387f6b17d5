"""kill -9 of the embedded PostgreSQL at random moments under inbox load: what is lost?

    this process                                      fedcop serve (this checkout, durable
    ------------                                      embedded PostgreSQL, --no-workers so the
    N signed Follows, distinct ids, pre-signed        queue keeps every row to count)
    --concurrency threads POST /inbox  --------->     202 once the row is committed
    meanwhile: kill -9 the postmaster, --kills        503 + Retry-After while the database is away
    times, at random moments once it serves again     serve restarts PostgreSQL by itself

Counted per request: acknowledged (202), refused for the outage (503 with Retry-After), and
anything else (500s, other statuses, connection errors). Afterwards, once /readyz says ready:
stored = acknowledged ids found in the queue; lost = acknowledged - stored (the goal is 0); and
whether serve was still the same process (it healed, nobody restarted it).

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from common import Cleanup, emit, free_port, log, stop_process, temp_dir

from fedcop.db.embedded import EmbeddedPostgres
from federation.keys import generate_key_pair, load_private_key
from federation.signatures import sign_request
from federation.vocab import AS_CONTEXT

REPOSITORY = Path(__file__).resolve().parents[1]
SERVE = [sys.executable, "-m", "fedcop.cli", "serve", "--no-workers"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDCOP_")}
    env.update(PYTHONPATH=str(REPOSITORY), PYTHONSAFEPATH="1", FEDCOP_LOG_LEVEL="warning")
    return env


def _fedcop(*args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "fedcop.cli", *args],
        check=True,
        env=_env(),
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def _wait(predicate: Any, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    return False


def _requests(domain: str, count: int) -> list[tuple[str, bytes, dict[str, str]]]:
    """Signed Follows from remote senders this node has not met (accepted, queued unverified)."""
    senders = []
    for number in range(4):
        uri = f"https://sender{number}.example/u/s{number}"
        senders.append((uri, load_private_key(generate_key_pair().private_pem)))
    made = []
    for number in range(count):
        uri, key = senders[number % len(senders)]
        activity_id = f"{uri.rsplit('/u/', 1)[0]}/activities/{number}-{random.getrandbits(48)}"
        document = {
            "@context": AS_CONTEXT,
            "id": activity_id,
            "type": "Follow",
            "actor": uri,
            "object": f"http://{domain}/c/garden",
        }
        body = orjson.dumps(document)
        headers = sign_request("POST", f"http://{domain}/inbox", body, f"{uri}#main-key", key)
        headers.update({"Host": domain, "Content-Type": "application/activity+json"})
        made.append((activity_id, body, headers))
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-db-kill-")
        data_dir = root / "data"
        port = free_port()
        domain = f"localhost:{port}"
        log_path = root / "serve.log"
        serve = subprocess.Popen(
            [*SERVE, "--data-dir", str(data_dir), "--port", str(port)],
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        cluster = EmbeddedPostgres(data_dir)

        def stop_all() -> None:
            stop_process(serve, 60)
            running = cluster.running_postmaster()
            if running is not None:  # never leave a cluster behind
                os.kill(running.pid, signal.SIGKILL)

        cleanup.callback(stop_all)
        base = f"http://127.0.0.1:{port}"
        if not _wait(lambda: httpx.get(base + "/readyz").status_code == 200, 120):
            raise SystemExit(f"serve did not start:\n{log_path.read_text()}")
        _fedcop(
            "admin", "create-user", "ana", "--password", "pw-123456", "--data-dir", str(data_dir)
        )
        _fedcop(
            "admin",
            "create-community",
            "garden",
            "--title",
            "Garden",
            "--owner",
            "ana",
            "--data-dir",
            str(data_dir),
        )
        log(f"signing {args.requests} requests")
        requests = _requests(domain, args.requests)

        acknowledged: list[str] = []
        outcomes: collections.Counter[str] = collections.Counter()
        lock = threading.Lock()
        done = threading.Event()

        def send(item: tuple[str, bytes, dict[str, str]]) -> None:
            activity_id, body, headers = item
            try:
                with httpx.Client(base_url=base, timeout=30) as http:
                    response = http.post("/inbox", content=body, headers=headers)
                outcome = str(response.status_code)
                if response.status_code == 503 and "retry-after" in response.headers:
                    outcome = "503 with Retry-After"
            except httpx.HTTPError as error:
                outcome = f"connection error: {type(error).__name__}"
                response = None
            with lock:
                outcomes[outcome] += 1
                if response is not None and response.status_code == 202:
                    acknowledged.append(activity_id)

        def killer() -> None:
            kills = 0
            while kills < args.kills and not done.wait(random.uniform(0.5, 3.0)):
                running = cluster.running_postmaster()
                if running is None or httpx.get(base + "/readyz").status_code != 200:
                    continue  # still coming back from the last kill: kill a serving node
                os.kill(running.pid, signal.SIGKILL)
                kills += 1
                log(f"kill -9 of the postmaster ({running.pid}), {kills} of {args.kills}")

        log(f"sending, {args.concurrency} at a time, killing the database {args.kills} times")
        started = time.monotonic()
        chaos = threading.Thread(target=killer)
        chaos.start()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(send, requests))
        done.set()
        chaos.join()
        sending_s = time.monotonic() - started
        healed = _wait(lambda: httpx.get(base + "/readyz").status_code == 200, 180)
        recovered_s = time.monotonic() - started - sending_s

        async def stored_ids() -> set[str]:
            conn = await asyncpg.connect(cluster.dsn("fedcop"))
            try:
                rows = await conn.fetch(
                    "SELECT activity_id FROM inbound_activities WHERE activity_id = ANY($1)",
                    acknowledged,
                )
            finally:
                await conn.close()
            return {row["activity_id"] for row in rows}

        stored = asyncio.run(stored_ids()) if healed else set()
        output = log_path.read_text()
        for line in output.splitlines():
            if "PostgreSQL" in line:
                log(f"serve: {line}")
        emit(
            {
                "requests": args.requests,
                "kills": args.kills,
                "concurrency": args.concurrency,
                "acknowledged_202": len(acknowledged),
                "stored_of_acknowledged": len(stored),
                "lost": len(set(acknowledged) - stored),
                "answers": dict(outcomes),
                "answered_500": outcomes.get("500", 0),
                "healed_by_itself": healed and serve.poll() is None,
                "restarts_logged": output.count("is running again"),
                "sending_s": round(sending_s, 1),
                "ready_again_after_sending_s": round(recovered_s, 1),
            }
        )


if __name__ == "__main__":
    main()
