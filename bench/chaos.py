"""kill -9 of the node and of a worker at random moments: is anything acknowledged lost?

    this process                                          fedcop serve --no-workers (this
    ------------                                          checkout) and fedcop worker, both on
    a loopback "remote" server: R actors (keys,           a durable PostgreSQL this script runs
      inboxes) that joined the community, and counts      (so killing serve kills only serve)
      every delivery it receives
    threads: signed Create(Note)s into the community --->  POST /inbox: 202 once committed
             local threads through the client API ---->  POST /api/v1/statuses: 200, then the
                                                          community announces it to its members
    meanwhile: kill -9 of serve or of the worker,         restarted by this script after a
      --kills times, at random moments                    short pause

Once the load is sent, serve and the worker run until both queues are drained (no inbound
activity and no delivery waiting). Figures:

- inbound: acknowledged (202) vs stored (in the inbox queue) vs handled (a post made);
  lost_unstored = acknowledged but not in the queue, lost_unhandled = stored but not handled.
- local posts: acknowledged (200 with the status) vs stored (a post) vs delivered (the remote
  server, whose shared inbox all members use, received an activity naming it); lost = stored
  but never delivered once the queues drained; stored_unacknowledged = posts made whose answer
  a kill cut off (the client saw an error; the post exists, as after any lost answer).
- every attempt's answer by status (a sender tries again while serve is down: after a
  connection error, or for the inbox also a cut-off answer, since an activity id makes it
  idempotent), and the kills made.

Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
from common import Cleanup, durable_postgres, emit, free_port, log, stop_process, temp_dir

from federation.keys import generate_key_pair, load_private_key
from federation.signatures import sign_request
from federation.vocab import AS_CONTEXT, PUBLIC

REPOSITORY = Path(__file__).resolve().parents[1]
FEDCOP = [sys.executable, "-m", "fedcop.cli"]


class Remote:
    """A loopback server playing another fediverse host: actors with keys, one shared inbox
    that answers 202 and remembers every body it was sent."""

    def __init__(self, actors: int) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.keys = [generate_key_pair() for _ in range(actors)]
        self.bodies: list[bytes] = []
        self.lock = threading.Lock()
        remote = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                number = self.path.rsplit("/r", 1)[-1]
                if not self.path.startswith("/users/r") or not number.isdigit():
                    self.send_error(404)
                    return
                if int(number) >= len(remote.keys):
                    self.send_error(404)
                    return
                body = orjson.dumps(remote.actor_document(int(number)))
                self.send_response(200)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with remote.lock:
                    remote.bodies.append(body)
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def uri(self, number: int) -> str:
        return f"{self.base}/users/r{number}"

    def actor_document(self, number: int) -> dict[str, Any]:
        uri = self.uri(number)
        return {
            "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
            "id": uri,
            "type": "Person",
            "preferredUsername": f"r{number}",
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers",
            "endpoints": {"sharedInbox": f"{self.base}/inbox"},
            "publicKey": {
                "id": f"{uri}#main-key",
                "owner": uri,
                "publicKeyPem": self.keys[number].public_pem,
            },
        }

    def signed(
        self, node: str, number: int, document: dict[str, Any]
    ) -> tuple[bytes, dict[str, str]]:
        body = orjson.dumps(document)
        key = load_private_key(self.keys[number].private_pem)
        headers = sign_request("POST", f"{node}/inbox", body, f"{self.uri(number)}#main-key", key)
        headers["Content-Type"] = "application/activity+json"
        return body, headers

    def received(self) -> bytes:
        with self.lock:
            return b"\n".join(self.bodies)


class Processes:
    """serve and worker, each restartable after a kill -9."""

    def __init__(self, env: dict[str, str], port: int, logs: Path) -> None:
        self.env = env
        self.commands = {
            "serve": [*FEDCOP, "serve", "--no-workers", "--port", str(port)],
            # Short leases: a row a killed worker held is taken over in seconds, not minutes.
            "worker": [*FEDCOP, "worker", "--lease-seconds", "5"],
        }
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}
        self.lock = threading.Lock()

    def start(self, role: str) -> None:
        with self.lock:
            self.running[role] = subprocess.Popen(
                self.commands[role],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=(self.logs / f"{role}.log").open("a"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def kill(self, role: str) -> int:
        with self.lock:
            process = self.running[role]
            process.kill()  # SIGKILL: no cleanup, no finishing the batch
            process.wait()
            return process.pid

    def stop_all(self) -> None:
        for process in self.running.values():
            stop_process(process, 30)


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if predicate():
                return True
        except (httpx.HTTPError, OSError):
            pass
        time.sleep(0.2)
    return False


async def _query(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def query(dsn: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    return asyncio.run(_query(dsn, sql, *args))


def queues_drained(dsn: str) -> bool:
    rows = query(
        dsn,
        """
        SELECT (SELECT count(*) FROM inbound_activities WHERE state IN ('unverified', 'pending'))
             + (SELECT count(*) FROM deliveries WHERE state = 'pending') AS waiting
        """,
    )
    return int(rows[0]["waiting"]) == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--inbound", type=int, default=300, help="signed Creates sent")
    parser.add_argument("--posts", type=int, default=60, help="local threads posted")
    parser.add_argument("--members", type=int, default=5, help="remote members (and senders)")
    parser.add_argument("--kills", type=int, default=6, help="kill -9s, serve or worker")
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-chaos-")
        _, dsn = durable_postgres(cleanup, root)
        port = free_port()
        node = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("FEDCOP_")}
        env.update(
            PYTHONPATH=str(REPOSITORY),
            PYTHONSAFEPATH="1",
            FEDCOP_LOG_LEVEL="warning",
            FEDCOP_DATABASE_URL=dsn,
            FEDCOP_BASE_URL=node,
            FEDCOP_DATA_DIR=str(root / "data"),
            FEDCOP_ALLOW_PRIVATE_ADDRESSES="true",
        )
        processes = Processes(env, port, root)
        cleanup.callback(processes.stop_all)
        processes.start("serve")
        processes.start("worker")
        if not _wait(lambda: httpx.get(node + "/readyz").status_code == 200, 120):
            raise SystemExit(f"serve did not start:\n{(root / 'serve.log').read_text()}")

        def fedcop(*command: str) -> str:
            done = subprocess.run(
                [*FEDCOP, *command], env=env, check=True, capture_output=True, text=True
            )
            return done.stdout.strip()

        fedcop("admin", "create-user", "ana", "--password", "pw-123456")
        fedcop("admin", "create-community", "garden", "--title", "Garden", "--owner", "ana")
        token = fedcop("admin", "token", "ana").splitlines()[-1]
        garden = f"{node}/c/garden"

        remote = Remote(args.members)
        log(f"{args.members} remote members join {garden}")
        for number in range(args.members):
            follow = {
                "@context": AS_CONTEXT,
                "id": f"{remote.uri(number)}/follows/garden",
                "type": "Follow",
                "actor": remote.uri(number),
                "object": garden,
            }
            body, headers = remote.signed(node, number, follow)
            answer = httpx.post(node + "/inbox", content=body, headers=headers)
            if answer.status_code != 202:
                raise SystemExit(f"the Follow was refused: {answer.status_code} {answer.text}")
        if not _wait(lambda: queues_drained(dsn), 120):
            raise SystemExit("the members' Follows were not handled")

        outcomes: collections.Counter[str] = collections.Counter()
        acknowledged_inbound: list[str] = []
        acknowledged_posts: list[str] = []
        lock = threading.Lock()
        done = threading.Event()

        def send(
            what: str,
            request: Callable[[], httpx.Response],
            again: tuple[type[Exception], ...],
        ) -> httpx.Response | None:
            """Each attempt's outcome counted; tried again (for 60 s at most) after an error in
            `again` or a 503 (serve starting), as a sender would."""
            deadline = time.monotonic() + 60
            while True:
                try:
                    answer: httpx.Response | None = request()
                    assert answer is not None
                    outcome = f"{what} {answer.status_code}"
                except httpx.HTTPError as error:
                    answer, outcome = None, f"{what} {type(error).__name__}"
                    if not isinstance(error, again):
                        outcome += " (not sent again)"
                with lock:
                    outcomes[outcome] += 1
                retry = (
                    answer.status_code == 503 if answer is not None else "not sent" not in outcome
                )
                if not retry or time.monotonic() > deadline:
                    return answer
                time.sleep(0.2)

        def send_inbound(index: int) -> None:
            number = index % args.members
            note_id = f"{remote.uri(number)}/notes/{index}-{random.getrandbits(40)}"
            document = {
                "@context": AS_CONTEXT,
                "id": f"{note_id}/activity",
                "type": "Create",
                "actor": remote.uri(number),
                "to": [PUBLIC],
                "cc": [garden],
                "object": {
                    "id": note_id,
                    "type": "Note",
                    "attributedTo": remote.uri(number),
                    "name": f"Remote thread {index}",
                    "content": f"<p>remote thread {index}</p>",
                    "to": [PUBLIC],
                    "cc": [garden],
                    "audience": garden,
                },
            }
            body, headers = remote.signed(node, number, document)
            # As a peer does: sent again while unanswered (the activity id makes it idempotent).
            answer = send(
                "inbox",
                lambda: httpx.post(node + "/inbox", content=body, headers=headers, timeout=30),
                again=(httpx.TransportError,),
            )
            if answer is not None and answer.status_code == 202:
                with lock:
                    acknowledged_inbound.append(note_id)

        def send_post(index: int) -> None:
            # Sent again only when it never reached serve: a post is not idempotent.
            answer = send(
                "post",
                lambda: httpx.post(
                    node + "/api/v1/statuses",
                    json={"status": f"@garden Local thread {index}\n\nbody {index}"},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ),
                again=(httpx.ConnectError,),
            )
            if answer is not None and answer.status_code == 200:
                with lock:
                    acknowledged_posts.append(str(answer.json()["uri"]))

        kills: collections.Counter[str] = collections.Counter()

        def killer() -> None:
            while sum(kills.values()) < args.kills and not done.wait(random.uniform(0.3, 2.0)):
                if not _wait(lambda: httpx.get(node + "/readyz").status_code == 200, 60):
                    continue  # kill a serving node, not one still starting
                role = random.choice(["serve", "worker"])
                pid = processes.kill(role)
                kills[role] += 1
                log(f"kill -9 of {role} ({pid}); {sum(kills.values())} of {args.kills}")
                time.sleep(random.uniform(0.2, 1.0))
                processes.start(role)

        jobs = [(send_inbound, i) for i in range(args.inbound)]
        jobs += [(send_post, i) for i in range(args.posts)]
        random.shuffle(jobs)
        log(f"sending {args.inbound} Creates and {args.posts} local threads, killing {args.kills}x")
        started = time.monotonic()
        chaos = threading.Thread(target=killer)
        chaos.start()
        with ThreadPoolExecutor(args.concurrency) as pool:
            list(pool.map(lambda job: job[0](job[1]), jobs))
        sending_s = time.monotonic() - started
        done.set()
        chaos.join()
        # What a kill left half-done is taken over once its lease (5 s) runs out.
        drained = _wait(lambda: queues_drained(dsn), 300)
        drain_s = time.monotonic() - started - sending_s

        inbound_rows = query(
            dsn,
            """
            SELECT document->'object'->>'id' AS note, state FROM inbound_activities
            WHERE document->'object'->>'id' = ANY($1)
            """,
            acknowledged_inbound,
        )
        stored_inbound = {row["note"] for row in inbound_rows}
        handled_inbound = {row["note"] for row in inbound_rows if row["state"] == "done"}
        post_rows = query(dsn, "SELECT uri FROM posts WHERE uri = ANY($1)", acknowledged_posts)
        stored_posts = {row["uri"] for row in post_rows}
        inbound_posts = query(
            dsn, "SELECT uri FROM posts WHERE uri = ANY($1)", acknowledged_inbound
        )
        # A post whose answer a kill cut off (not sent again) may have been made all the same.
        local_posts = query(dsn, "SELECT count(*) AS n FROM posts WHERE uri LIKE $1", f"{node}/%")
        received = remote.received()
        delivered_posts = {uri for uri in stored_posts if uri.encode() in received}
        emit(
            {
                "inbound_sent": args.inbound,
                "inbound_acknowledged_202": len(acknowledged_inbound),
                "inbound_stored": len(stored_inbound),
                "inbound_handled": len(handled_inbound),
                "inbound_posts_made": len(inbound_posts),
                "inbound_lost_unstored": len(set(acknowledged_inbound) - stored_inbound),
                "inbound_lost_unhandled": len(stored_inbound - handled_inbound),
                "posts_sent": args.posts,
                "posts_acknowledged_200": len(acknowledged_posts),
                "posts_stored": len(stored_posts),
                "posts_delivered": len(delivered_posts),
                "posts_lost_unstored": len(set(acknowledged_posts) - stored_posts),
                "posts_lost_undelivered": len(stored_posts - delivered_posts),
                "posts_stored_unacknowledged": int(local_posts[0]["n"]) - len(stored_posts),
                "deliveries_received": len(remote.bodies),
                "kills": dict(kills),
                "answers": dict(sorted(outcomes.items())),
                "queues_drained": drained,
                "sending_s": round(sending_s, 1),
                "drain_after_sending_s": round(drain_s, 1),
            }
        )
        remote.server.shutdown()


if __name__ == "__main__":
    main()
