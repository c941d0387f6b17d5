"""Reading one inbound message: who sent it, what it says, and whether a person wrote it.

Pure: bytes in, a `ReadMessage` out. What counts as not written by a person (dropped, never
posted, with the reason): a delivery report (multipart/report; report-type=delivery-status, or
the null sender <>), an auto-reply (Auto-Submitted other than "no", X-Autoreply, X-Autorespond,
Precedence bulk/junk/list/auto_reply, List-Id from a list server echoing mail back). A vacation
subject alone is not enough: people write "Out of office" in threads about holidays.
HTML-only mail is turned into text; attachments are counted, never read.
"""

from __future__ import annotations

import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field
from email.message import EmailMessage

from fedcop.services.html_markdown import to_markdown

MAX_BODY_CHARS = 100_000


@dataclass(frozen=True)
class ReadMessage:
    from_address: str  # lower case; "" when missing or unreadable
    message_id: str | None
    subject: str
    text: str  # the body as text (plain part, or the HTML part turned into text)
    attachments: int
    # Why it is not a person's mail (auto-reply / bounce), or None when it is.
    automatic: str | None = None
    is_delivery_report: bool = False
    in_reply_to: list[str] = field(default_factory=list)


def parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def header(message: EmailMessage, name: str) -> str:
    """A header as text; "" when missing or so malformed the parser gives up."""
    try:
        value = message.get(name)
    except (ValueError, IndexError, TypeError):  # email's header parser on hostile input
        return ""
    return str(value).strip() if value is not None else ""


def read(raw: bytes, envelope_from: str = "") -> ReadMessage:
    message = parse(raw)
    addresses = email.utils.getaddresses([header(message, "From")])
    from_address = addresses[0][1].strip().lower() if len(addresses) == 1 else ""
    report = _is_delivery_report(message, envelope_from)
    text, attachments = _body(message)
    return ReadMessage(
        from_address=from_address if "@" in from_address else "",
        message_id=header(message, "Message-ID")[:998] or None,
        subject=" ".join(header(message, "Subject").split()),
        text=text[:MAX_BODY_CHARS],
        attachments=attachments,
        automatic="delivery report" if report else _automatic(message),
        is_delivery_report=report,
        in_reply_to=header(message, "In-Reply-To").split(),
    )


def _is_delivery_report(message: EmailMessage, envelope_from: str) -> bool:
    if message.get_content_type() == "multipart/report":
        return True
    return envelope_from.strip() in ("", "<>")


_BULK = {"bulk", "junk", "list", "auto_reply"}


def _automatic(message: EmailMessage) -> str | None:
    submitted = header(message, "Auto-Submitted").split(";")[0].strip().lower()
    if submitted and submitted != "no":
        return f"auto-reply (Auto-Submitted: {submitted})"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress"):
        value = header(message, name).lower()
        if name == "X-Auto-Response-Suppress":
            continue  # a request to others, not a sign this one is automatic
        if value and value not in ("no", "false", "0"):
            return f"auto-reply ({name})"
    precedence = header(message, "Precedence").lower()
    if precedence in _BULK:
        return f"auto-reply (Precedence: {precedence})"
    return None


def _body(message: EmailMessage) -> tuple[str, int]:
    attachments = sum(1 for _ in message.iter_attachments()) if message.is_multipart() else 0
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == "text/plain":
            return _content(part), attachments
    for part in message.walk():
        if part.is_multipart() or part.get_content_disposition() == "attachment":
            continue
        if part.get_content_type() == "text/html":
            return html_to_text(_content(part)), attachments
    return "", attachments


def _content(part: EmailMessage) -> str:
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # unknown charset, broken encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    return content if isinstance(content, str) else ""


_QUOTE_BLOCKS = re.compile(
    r"<(div|blockquote)[^>]*(gmail_quote|moz-cite-prefix|type=\"?cite|divRplyFwdMsg|"
    r"yahoo_quoted|appendonsend)[^>]*>.*",
    re.IGNORECASE | re.DOTALL,
)


def html_to_text(markup: str) -> str:
    """An HTML mail body as text: the quoted original (Gmail, Thunderbird, Outlook, Apple Mail
    blocks) cut off first, then Markdown that renders back to the same HTML."""
    markup = _QUOTE_BLOCKS.sub("", markup)
    markup = re.sub(r"<(style|script|head)[^>]*>.*?</\1>", "", markup, flags=re.I | re.S)
    text = to_markdown(markup)
    return html.unescape(text) if "&" in text and "<" not in text else text
