"""Daily digests for a large community: how many are built and handed to SMTP per second.

    durable PostgreSQL (temp dir, fsync on), seeded in SQL with generate_series:
      one community, --members members with confirmed addresses who chose a daily digest,
      --threads threads and --replies replies written yesterday, some questions solved
    this process: services.mail.digests.run_once (what the digest worker runs) builds each
      member's digest (the visibility rules, the template, the list headers) and queues it;
      then the mail worker (fedcop/workers/mail.py) hands the queue to an in-process aiosmtpd
      sink on 127.0.0.1, which accepts every message and keeps nothing but a count

Two figures: digests built and queued per second, and digests handed to SMTP per second, and
the end-to-end rate of both. Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from bench.common import Cleanup, durable_postgres, log, temp_dir
from fedcop.db.pool import create_pool
from fedcop.services import accounts
from fedcop.services.mail import digests
from fedcop.store import node as node_store
from fedcop.workers.mail import MailWorker
from tests.conftest import make_config


class Sink:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.count += 1
        return "250 2.0.0 OK"


SEED = """
WITH people AS (
    INSERT INTO actors (uri, actor_type, username, public_key_id, public_key_pem,
                        private_key_pem)
    SELECT $1 || '/u/m' || i, 'Person', 'm' || i, $1 || '/u/m' || i || '#main-key', 'x', 'x'
    FROM generate_series(1, $2) i RETURNING id
), users_in AS (
    INSERT INTO users (actor_id, password_hash, email, email_confirmed_at)
    SELECT id, 'x', 'm' || id || '@example.org', now() FROM people RETURNING actor_id
), joined AS (
    INSERT INTO follows (follower_id, followed_id, follow_uri, state, accepted_at)
    SELECT actor_id, $3, $1 || '/follows/' || actor_id, 'accepted', now() FROM users_in
    RETURNING follower_id
)
INSERT INTO community_mail_choices (user_id, community_id, mode)
SELECT follower_id, $3, 'daily' FROM joined
"""

POSTS = """
INSERT INTO posts (uri, community_id, author_id, object_type, title, content, published,
                   is_question)
SELECT $1 || '/p/bench-' || i, $2, $3, 'Page', 'Thread number ' || i,
       '<p>What we learnt, part ' || i || '</p>', $4::timestamptz + i * interval '1 minute',
       i % 4 = 0
FROM generate_series(1, $5) i
"""

REPLIES = """
INSERT INTO posts (uri, community_id, author_id, object_type, thread_id, parent_id, content,
                   published)
SELECT $1 || '/p/bench-r' || i, t.community_id, $3, 'Note', t.id, t.id, '<p>Reply</p>',
       t.published + interval '5 minutes'
FROM generate_series(1, $4) i
JOIN LATERAL (SELECT id, community_id, published FROM posts WHERE community_id = $2
              AND thread_id IS NULL ORDER BY id OFFSET (i % $5) LIMIT 1) t ON true
"""


async def run(args: argparse.Namespace, dsn: str) -> dict[str, Any]:
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.smtp_port)
    controller.start()
    try:
        config = make_config(
            "https://bench.test",
            mail_from="cop@bench.test",
            smtp_host="127.0.0.1",
            smtp_port=args.smtp_port,
            smtp_security="none",
            smtp_max_in_flight=args.in_flight,
        )
        pool = await create_pool(dsn, min_size=2, max_size=8)
        try:
            await accounts.create_user(pool, config, "fa", "long enough")
            community = await accounts.create_community(
                pool, config, "bench", title="Bench", owner="fa"
            )
            yesterday = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
            yesterday -= timedelta(days=1)
            async with pool.acquire() as conn:
                await node_store.record_base_url(conn, config.base_url)
                await node_store.session_secret(conn, "bench-secret")
                author = await conn.fetchval("SELECT actor_id FROM users LIMIT 1")
                log(f"seeding {args.members} members and {args.threads} threads of yesterday")
                await conn.execute(SEED, config.base_url, args.members, community.id)
                await conn.execute(
                    POSTS, config.base_url, community.id, author, yesterday, args.threads
                )
                await conn.execute(
                    REPLIES, config.base_url, community.id, author, args.replies, args.threads
                )
                await conn.execute("ANALYZE")
            log("building and queueing the digests")
            started = time.perf_counter()
            built = 0
            while batch := await digests.run_once(pool, config, now=datetime.now(UTC)):
                built += batch
            build_seconds = time.perf_counter() - started
            log(f"{built} digests queued in {build_seconds:.1f} s; handing them to SMTP")
            worker = MailWorker(pool, config)
            started = time.perf_counter()
            while await worker.run_once():
                pass
            send_seconds = time.perf_counter() - started
        finally:
            await pool.close()
    finally:
        controller.stop()
    return {
        "members": args.members,
        "threads": args.threads,
        "replies": args.replies,
        "digests_queued": built,
        "digests_received_by_smtp": sink.count,
        "build_and_queue_per_second": round(built / build_seconds, 1),
        "handed_to_smtp_per_second": round(sink.count / send_seconds, 1),
        "end_to_end_per_second": round(sink.count / (build_seconds + send_seconds), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--replies", type=int, default=400)
    parser.add_argument("--in-flight", type=int, default=4)
    parser.add_argument("--smtp-port", type=int, default=2525)
    args = parser.parse_args()
    with Cleanup() as cleanup:
        _cluster, dsn = durable_postgres(cleanup, temp_dir(cleanup, "fedcop-bench-digests-"))
        result = asyncio.run(run(args, dsn))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
