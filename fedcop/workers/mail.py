"""The mail worker: send the queued mail (table mail_outbox) over SMTP, at most N at once.

claim due rows (lease, SKIP LOCKED), up to config.smtp_max_in_flight
  -> DKIM-sign (when configured) -> SMTP
       accepted                      -> sent
       5xx (refused for good)        -> given up, the answer kept
       4xx, connection error, timeout -> waiting again after a backoff (1 min, doubling, at most
                                         an hour); given up once the mail is a day old
when nothing is due: mail sent over a week ago is deleted (a batch at a time)
The worker runs beside the inbox and delivery workers (`fedcop serve`, `fedcop worker`); with no
SMTP server configured it does nothing (and nothing is queued).
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fedcop.config import Config
from fedcop.mail import smtp
from fedcop.mail.dkim_signing import DkimKey, sign
from fedcop.store.mail import outbox as outbox_store
from fedcop.store.mail.outbox import QueuedMail
from fedcop.workers.loop import run_batches

log = logging.getLogger(__name__)

GIVE_UP_AFTER = timedelta(days=1)
FIRST_RETRY_SECONDS = 60.0
MAX_RETRY_SECONDS = 3600.0
# Longer than one SMTP conversation may take (config.smtp_timeout_seconds) with room to spare.
LEASE_SECONDS = 300.0
# Sent mail is kept this long (what went out, for the operator), then deleted, a batch at a time
# when the queue is idle.
KEEP_SENT = timedelta(days=7)
PRUNE_BATCH = 1000


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 1 min, 2, 4... at most 1 h."""
    return min(FIRST_RETRY_SECONDS * float(2 ** max(attempts - 1, 0)), MAX_RETRY_SECONDS)


class MailWorker:
    def __init__(self, pool: Any, config: Config) -> None:
        self.pool = pool
        self.config = config
        self.heartbeat = time.monotonic()  # last tick, for /readyz
        self._dkim: DkimKey | None = None
        if config.dkim_enabled:
            assert config.dkim_key_file and config.dkim_selector and config.dkim_domain
            self._dkim = DkimKey.from_file(
                config.dkim_key_file, config.dkim_selector, config.dkim_domain
            )

    async def run_once(self) -> int:
        """Claim one batch of due mail, send it side by side, record each outcome."""
        self.heartbeat = time.monotonic()
        if not self.config.mail_enabled:
            return 0
        async with self.pool.acquire() as conn:
            claimed = await outbox_store.claim(conn, self.config.smtp_max_in_flight, LEASE_SECONDS)
        await asyncio.gather(*(self._send(mail) for mail in claimed))
        if not claimed:
            async with self.pool.acquire() as conn:
                await outbox_store.prune_sent(conn, KEEP_SENT.total_seconds(), PRUNE_BATCH)
        return len(claimed)

    async def run_forever(self, stop: asyncio.Event | None = None) -> None:
        await run_batches(self.run_once, "mail worker", stop)

    async def _send(self, mail: QueuedMail) -> None:
        message = sign(mail.message, self._dkim) if self._dkim is not None else mail.message
        try:
            await smtp.send(self.config, self.config.mail_from_address, mail.recipient, message)
        except smtp.MailRefused as refusal:
            too_old = datetime.now(UTC) - mail.created_at >= GIVE_UP_AFTER
            retry = None if refusal.permanent or too_old else retry_delay(mail.attempts)
            log.info(
                "mail %d to %s not sent (%s)%s",
                mail.id,
                mail.recipient,
                refusal,
                "; given up" if retry is None else f"; again in {retry:.0f} s",
            )
            async with self.pool.acquire() as conn:
                await outbox_store.mark_failed(conn, mail.id, str(refusal)[:1000], retry)
            return
        async with self.pool.acquire() as conn:
            await outbox_store.mark_sent(conn, mail.id)
