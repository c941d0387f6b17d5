"""Delivery status notifications (RFC 3464): which address failed, and how badly.

A report names each failed recipient in a message/delivery-status part (Final-Recipient or
Original-Recipient, Action: failed/delayed, Status: 5.x.x permanent or 4.x.x temporary). Reports
that are not RFC 3464 (old qmail, some Exchange) name nothing reliable: the bounce address
(VERP, fedcop.mail.reply_addresses.bounce_address) still says whose mail it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage, Message

MAX_DIAGNOSTIC = 300


@dataclass(frozen=True)
class Failure:
    address: str  # lower case
    hard: bool  # 5.x.x: permanent
    diagnostic: str


def failures(message: EmailMessage) -> list[Failure]:
    found: list[Failure] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        for block in _blocks(part):
            failure = _failure(block)
            if failure is not None:
                found.append(failure)
    return found


def _blocks(part: Message) -> list[Message]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [block for block in payload if isinstance(block, Message)]
    return []


def _failure(block: Message) -> Failure | None:
    action = str(block.get("Action", "")).strip().lower()
    if action not in ("failed", "delayed"):
        return None
    recipient = str(block.get("Original-Recipient") or block.get("Final-Recipient") or "")
    address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
    if "@" not in address:
        return None
    status = str(block.get("Status", "")).strip()
    hard = action == "failed" and status.startswith("5")
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "") or status).split())
    return Failure(address=address, hard=hard, diagnostic=diagnostic[:MAX_DIAGNOSTIC])
