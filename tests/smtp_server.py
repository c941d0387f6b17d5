"""A real SMTP server in the test process (aiosmtpd), keeping every message fedcop hands it.

    with smtp_server() as smtp:
        config = make_config(**smtp.config_overrides())
        ...drain the mail worker with run_once()...
        message = smtp.only_message_to("ann@example.org")   # email.message.EmailMessage
        smtp.refuse_next(2, "451 4.3.0 try again later")    # the next two DATA are refused

Messages are parsed with the standard library (policy.default), as a mail client would.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = BytesParser(policy=policy.default).parsebytes(self.data)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class _Handler:
    received: list[Received] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        content = envelope.original_content or b""
        self.received.append(
            Received(
                mail_from=str(envelope.mail_from),
                recipients=[str(r) for r in envelope.rcpt_tos],
                data=bytes(content),
            )
        )
        return "250 2.0.0 OK queued"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SmtpServer:
    def __init__(self, handler: _Handler, port: int) -> None:
        self._handler = handler
        self.host = "127.0.0.1"
        self.port = port

    @property
    def received(self) -> list[Received]:
        return self._handler.received

    def config_overrides(self) -> dict[str, Any]:
        """Config fields that send fedcop's mail here (plain SMTP, no login)."""
        return {"smtp_host": self.host, "smtp_port": self.port, "smtp_security": "none"}

    def refuse_next(self, count: int, answer: str = "451 4.3.0 try again later") -> None:
        """Answer the next `count` messages' DATA with `answer` instead of accepting them."""
        self._handler.refusals.extend([answer] * count)

    def messages_to(self, address: str) -> list[EmailMessage]:
        return [r.message for r in self.received if address in r.recipients]

    def only_message_to(self, address: str) -> EmailMessage:
        messages = self.messages_to(address)
        assert len(messages) == 1, f"{len(messages)} messages to {address}"
        return messages[0]


@contextmanager
def smtp_server() -> Iterator[SmtpServer]:
    """An SMTP server on a free local port for the duration of the block."""
    handler = _Handler()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield SmtpServer(handler, port)
    finally:
        controller.stop()
