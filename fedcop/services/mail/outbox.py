"""Queue outbound mail, in the caller's transaction: a change that rolls back sends nothing.

    enqueue(conn, config, to=..., message=..., user_id=..., community_id=..., thread_id=...)

The mail worker (fedcop/workers/mail.py) sends it later; nothing on a request's path waits on
SMTP. With no SMTP server configured, mail is off: nothing is queued and enqueue returns None.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.store.mail import outbox as outbox_store


async def enqueue(
    conn: asyncpg.Connection,
    config: Config,
    *,
    to: str,
    message: EmailMessage,
    user_id: int | None,
    community_id: int | None,
    thread_id: int | None,
) -> int | None:
    """Queue one message for `to`; its queue id, or None when mail is off on this node.

    `message` is usually built by `fedcop.mail.compose.compose`; it is stored as the bytes that
    go on the wire (CRLF line ends), and DKIM-signed by the worker when it is sent.
    """
    if not config.mail_enabled:
        return None
    if "To" not in message:
        message["To"] = to
    return await outbox_store.insert(
        conn,
        recipient=to,
        message=message.as_bytes(policy=SMTP),
        user_id=user_id,
        community_id=community_id,
        thread_id=thread_id,
    )


@dataclass(frozen=True)
class MailQueueReport:
    summary: outbox_store.MailQueueSummary
    given_up: list[outbox_store.GivenUpMail]


async def queue_report(pool: Any, limit: int = 20) -> MailQueueReport:
    """What `fedcop admin queue` shows of the mail queue."""
    async with pool.acquire() as conn:
        return MailQueueReport(
            summary=await outbox_store.summary(conn),
            given_up=await outbox_store.given_up(conn, limit),
        )


def queue_lines(report: MailQueueReport, mail_enabled: bool) -> list[str]:
    counts = report.summary
    lines = [
        f"mail        waiting {counts.waiting} (of which failing {counts.failing}), "
        f"sent {counts.sent}, given up {counts.given_up}"
        + ("" if mail_enabled else "; mail is off (no FEDCOP_SMTP_HOST)")
    ]
    if report.given_up:
        lines.append("given-up mail (newest first):")
        lines.extend(
            f"  {mail.id}  {mail.created_at.isoformat(timespec='seconds')}  to {mail.recipient}"
            f"  ({mail.attempts} attempts): {mail.last_error}"
            for mail in report.given_up
        )
    return lines
