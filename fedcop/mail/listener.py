"""`fedcop mail`: the SMTP or LMTP listener the node's mail server hands messages to.

It accepts RCPT only for addresses at the node's mail domain (never a relay: any other domain is
refused with 550 at RCPT time), bounds a message's size (SIZE advertised, 552 past it), and keeps
each accepted message for each recipient through `keep` (a durable queue) before answering 250:
reading it happens later, in the worker. A message it cannot keep gets a 451, so the sending
server tries again. No database here: `keep` is given by the caller.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session

from fedcop.mail.reply_addresses import split_address

log = logging.getLogger(__name__)

MAX_RECIPIENTS = 20
# keep(raw message, envelope sender, one recipient, "smtp" | "lmtp")
Keep = Callable[[bytes, str, str, str], Awaitable[object]]


class MailHandler:
    """aiosmtpd handler: RCPT checks the domain, DATA keeps the message."""

    def __init__(self, mail_domain: str, keep: Keep, source: str) -> None:
        self.mail_domain = mail_domain.lower()
        self.keep = keep
        self.source = source

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        parts = split_address(address)
        if parts is None or parts[1] != self.mail_domain:
            return "550 5.7.1 relaying denied: this server takes mail for its own domain only"
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return "452 4.5.3 too many recipients"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        raw = raw if isinstance(raw, bytes) else raw.encode("utf-8", "replace")
        sender = envelope.mail_from or ""
        answers = []
        for recipient in envelope.rcpt_tos:
            try:
                await self.keep(raw, sender, recipient, self.source)
                answers.append("250 2.0.0 accepted")
            except Exception:  # the queue is down: the sender keeps the message and retries
                log.exception("inbound mail to %s could not be kept", recipient)
                answers.append("451 4.3.0 could not keep the message now, try again later")
        if self.source == "lmtp":
            return "\r\n".join(answers)  # LMTP answers once per recipient (RFC 2033)
        failed = [answer for answer in answers if not answer.startswith("250")]
        return failed[0] if failed else "250 2.0.0 accepted"


async def start(
    host: str, port: int, handler: MailHandler, max_bytes: int, lmtp: bool
) -> asyncio.Server:
    """Listen on host:port; the returned server runs until closed."""
    protocol: type[SMTP] = LMTP if lmtp else SMTP
    loop = asyncio.get_running_loop()

    def factory() -> Any:
        return protocol(
            handler,
            data_size_limit=max_bytes,
            enable_SMTPUTF8=True,
            hostname=handler.mail_domain,
            ident="fedcop mail",
        )

    return await loop.create_server(factory, host=host, port=port)
