"""`fedcop worker`: the queue workers in a process of their own, with no HTTP server.

    run_queue_workers(config, dsn, kinds={"inbox", "delivery"}, concurrency=N, stop=event)
      -> pool, instance actor's key (it signs the fetches the inbox worker makes), Network
      -> N claim loops per kind, all sharing one worker object per kind; with the inbox, the
         media worker (uploads left in processing, stored files to delete) and its storage
      -> stop set (SIGTERM): each loop finishes the batch it holds, then returns

Any number of these processes, on any number of machines, share one database: a claim takes
rows with FOR UPDATE SKIP LOCKED and leases them (fedcop.queues), so no two loops take the same
row, and the rows of a process that dies come back when their lease ends.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Coroutine
from datetime import timedelta
from typing import Any

from fedcop.config import Config
from fedcop.db.pool import create_pool
from fedcop.handlers import HandlerContext
from fedcop.media.backends import open_storage
from fedcop.media.storage import MediaStorage
from fedcop.network import Network, SigningKey
from fedcop.queues import DELIVERY_LEASE, INBOUND_LEASE, INBOX_CONCURRENT_ACTORS
from fedcop.services.accounts import ensure_instance_actor
from fedcop.workers.delivery import DeliveryWorker
from fedcop.workers.digests import DigestWorker
from fedcop.workers.inbox import InboxWorker
from fedcop.workers.mail import MailWorker
from fedcop.workers.media import MediaWorker
from fedcop.workers.media_cleanup import MediaCleanupWorker
from federation.netguard import Resolver, resolve_with_getaddrinfo

log = logging.getLogger(__name__)
KINDS = ("inbox", "delivery", "mail")


async def run_queue_workers(
    config: Config,
    dsn: str,
    *,
    kinds: Collection[str] = KINDS,
    concurrency: int = 1,
    lease: timedelta | None = None,
    stop: asyncio.Event,
    resolver: Resolver = resolve_with_getaddrinfo,
) -> None:
    """Run until `stop` is set; `lease` replaces both queues' lease when given (tests)."""
    # A delivery loop uses one connection at a time; an inbox loop one per actor it handles at
    # once (INBOX_CONCURRENT_ACTORS known and as many unknown); and spares for short queries.
    per_loop = sum(2 * INBOX_CONCURRENT_ACTORS if kind == "inbox" else 1 for kind in kinds)
    if "mail" in kinds:
        per_loop += config.smtp_max_in_flight
    pool = await create_pool(dsn, min_size=1, max_size=concurrency * per_loop + 2)
    network: Network | None = None
    storage: MediaStorage | None = None
    try:
        instance = await ensure_instance_actor(pool, config)
        network = Network(
            config,
            SigningKey(instance.actor.public_key_id, instance.private_key_pem),
            resolver=resolver,
        )
        ctx = HandlerContext(pool=pool, config=config, network=network)
        loops: list[Coroutine[Any, Any, None]] = []
        if "inbox" in kinds:
            inbox = InboxWorker(ctx, lease=lease or INBOUND_LEASE)
            loops += [inbox.run_forever(stop) for _ in range(concurrency)]
            # Uploads left in processing and stored files to delete ride with the inbox.
            storage = await open_storage(config)
            loops.append(MediaWorker(pool, config, storage).run_forever(stop))
        if "delivery" in kinds:
            delivery = DeliveryWorker(ctx, lease=lease or DELIVERY_LEASE)
            loops += [delivery.run_forever(stop) for _ in range(concurrency)]
            loops.append(MediaCleanupWorker(pool).run_forever(stop))  # rides with deliveries
        if "mail" in kinds and config.mail_enabled:
            mail = MailWorker(pool, config)
            loops += [mail.run_forever(stop) for _ in range(concurrency)]
            loops.append(DigestWorker(ctx).run_forever(stop))  # digests ride with the mail
        elif "mail" in kinds and list(kinds) == ["mail"]:
            log.warning("mail worker: no SMTP server configured (FEDCOP_SMTP_HOST): mail is off")
        log.info(
            "queue workers running: %s, %d claim loop(s) each", " and ".join(kinds), concurrency
        )
        await asyncio.gather(*loops)
        log.info("queue workers stopped after their current batches")
    finally:
        if network is not None:
            await network.aclose()
        if storage is not None:
            await storage.close()
        await pool.close()
