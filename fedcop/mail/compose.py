"""Build one outgoing mail: plain text and HTML from the same template, with list headers.

A mail template (fedcop/web/templates/mail/NAME.txt.html) extends layout.txt.html and fills two
blocks, `text_body` and `html_body`, from the same context: it is rendered twice, with `part`
"text" and no escaping, then with `part` "html" autoescaped.
The headers make a community's mail behave like a mailing list's in every client:

    Message-ID / In-Reply-To / References   per thread (fedcop.mail.threading)
    List-Id: "Name" <name.HOST>              filter rules and "mailing list" badges
    List-Unsubscribe + List-Unsubscribe-Post one-click unsubscribe (RFC 2369, RFC 8058)
    Reply-To                                 a personal reply address, when the caller has one
    Auto-Submitted: auto-generated           no vacation auto-replies back (RFC 3834)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from fedcop.config import Config
from fedcop.i18n import current as i18n
from fedcop.mail.threading import threading_headers

TEMPLATES = Path(__file__).parent.parent / "web" / "templates" / "mail"

# The same files, loaded twice: once escaping nothing (the text/plain part, never shown as
# HTML), once escaping HTML (the text/html part).
_text_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=False,  # noqa: S701 - renders the text/plain part only
    undefined=StrictUndefined,
)
_html_env = Environment(
    loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
)
# A mail speaks its reader's language: the caller renders it inside `speaking(language)`
# (fedcop.i18n.current), and its sentences go through `_()`/`ngettext()` as pages' do. Plain
# text mail keeps its line breaks inside the translated sentences (`_("...\n...")`).
for _env in (_text_env, _html_env):
    _env.add_extension("jinja2.ext.i18n")
    _env.install_gettext_callables(  # type: ignore[attr-defined]
        i18n.gettext, i18n.ngettext, newstyle=True
    )
    _env.policies["ext.i18n.trimmed"] = True
    _env.filters["written_date"] = i18n.written_date
    _env.filters["written_datetime"] = i18n.written_datetime
    _env.filters["written_number"] = i18n.written_number


@dataclass(frozen=True)
class MailList:
    """The community a mail comes from, as a mailing list."""

    name: str  # the community's preferred username, e.g. "gardening"
    title: str  # its display name


@dataclass(frozen=True)
class InThread:
    """Where a mail sits in a thread: the thread's root post, the post, the post it answers."""

    thread_id: int
    post_id: int | None = None  # None: a message about the thread, not one of its posts
    parent_id: int | None = None  # None: the post answers the thread's root


def render_parts(template: str, context: Mapping[str, Any]) -> tuple[str, str]:
    """(plain text, HTML) from the `text` and `html` blocks of one mail template."""
    text_template = _text_env.get_template(template)
    html_template = _html_env.get_template(template)
    text = text_template.render({**context, "part": "text"})
    html = html_template.render({**context, "part": "html"})
    return text.strip() + "\n", html.strip() + "\n"


MAX_HEADER_TEXT = 200


def one_line(text: str, limit: int = MAX_HEADER_TEXT) -> str:
    """Text fit for a header: line breaks and control characters (a title from elsewhere may
    carry them, and they would end the header) become spaces, runs of spaces one."""
    cleaned = "".join(" " if ch.isspace() or ord(ch) < 32 or ord(ch) == 127 else ch for ch in text)
    return " ".join(cleaned.split())[:limit]


def node_host(config: Config) -> str:
    return urlsplit(config.base_url).hostname or "localhost"


def list_id(config: Config, mail_list: MailList) -> str:
    """`"Title" <name.HOST>` (RFC 2919): stable for as long as the community's name."""
    title = one_line(mail_list.title).replace('"', "'").replace("\\", "")
    return f'"{title}" <{mail_list.name}.{node_host(config)}>'


def compose(
    config: Config,
    *,
    to: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    sender_name: str | None = None,
    mail_list: MailList | None = None,
    in_thread: InThread | None = None,
    reply_to: str | None = None,
    unsubscribe_url: str | None = None,
    unsubscribe_mailto: str | None = None,
    auto_generated: bool = True,
) -> EmailMessage:
    """One multipart/alternative message, ready for `services.mail.outbox.enqueue`.

    `sender_name` is shown in From (the address stays the node's, so SPF and DKIM pass).
    `unsubscribe_url` should come from `services.mail.links.unsubscribe_url`: an https URL that
    unsubscribes with a bare POST (RFC 8058).
    """
    # Every template's footer: the node, and the unsubscribe link when there is one.
    shared = {
        "node_name": config.node_name,
        "footer_url": config.url("/"),
        "unsubscribe_url": unsubscribe_url,
    }
    text, html = render_parts(template, {**shared, **context})
    message = EmailMessage()
    from_address = config.mail_from_address
    local, _, domain = from_address.partition("@")
    display = one_line(sender_name or config.node_name)
    if mail_list is not None and sender_name:
        display = one_line(f"{sender_name} ({mail_list.title})")
    message["From"] = Address(display_name=display, username=local, domain=domain)
    message["To"] = to
    message["Subject"] = one_line(subject, limit=998 // 2)
    message["Date"] = format_datetime(datetime.now(UTC))
    headers = (
        threading_headers(
            node_host(config), in_thread.thread_id, in_thread.post_id, in_thread.parent_id
        )
        if in_thread is not None
        else {}
    )
    message["Message-ID"] = headers.pop("Message-ID", None) or make_msgid(domain=node_host(config))
    for name, value in headers.items():
        message[name] = value
    if mail_list is not None:
        message["List-Id"] = list_id(config, mail_list)
        message["List-Archive"] = f"<{config.url('/c/' + mail_list.name)}>"
        message["Precedence"] = "list"
    if unsubscribe_url is not None:
        targets = [f"<{unsubscribe_url}>"]
        if unsubscribe_mailto:
            targets.append(f"<mailto:{unsubscribe_mailto}>")
        message["List-Unsubscribe"] = ", ".join(targets)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if reply_to is not None:
        message["Reply-To"] = one_line(reply_to)
    if auto_generated:
        message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    # The language the caller wrote it in (speaking(...)), for clients that offer to translate;
    # set last, as making the message multipart moves Content-* headers into its first part.
    message["Content-Language"] = i18n.language()
    return message
