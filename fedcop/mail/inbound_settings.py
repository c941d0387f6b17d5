"""Settings of `fedcop mail`: where it listens, and the IMAP mailbox it may poll instead.

FEDCOP_MAIL_LISTEN_HOST   address to listen on                        [127.0.0.1]
FEDCOP_MAIL_LISTEN_PORT   port                                        [2525]
FEDCOP_MAIL_LMTP          speak LMTP instead of SMTP (true/false)     [false]
FEDCOP_MAIL_MAX_BYTES     largest message accepted                     [10485760]
FEDCOP_IMAP_HOST          poll this IMAP server instead of (or beside) listening
FEDCOP_IMAP_PORT          [993 with TLS, 143 without]
FEDCOP_IMAP_TLS           connect with TLS (true/false)                [true]
FEDCOP_IMAP_USER, FEDCOP_IMAP_PASSWORD, FEDCOP_IMAP_FOLDER [INBOX]
FEDCOP_IMAP_INTERVAL      seconds between polls                        [60]
FEDCOP_MAIL_TRUSTED_AUTHSERV_ID  the authserv-id of the node's mail server: when set, a person's
                          mail is read only if that server's Authentication-Results show a
                          DMARC, aligned DKIM or SPF pass (fedcop.mail.authentication)
The command line flags of `fedcop mail` win over these.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from fedcop.config import ConfigError, parse_bool, parse_port

DEFAULT_LISTEN_PORT = 2525
MAX_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class ImapSettings:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    folder: str = "INBOX"
    interval_seconds: float = 60.0


@dataclass(frozen=True)
class MailInboundSettings:
    listen_host: str = "127.0.0.1"
    listen_port: int = DEFAULT_LISTEN_PORT
    lmtp: bool = False
    max_bytes: int = MAX_BYTES
    imap: ImapSettings | None = None
    trusted_authserv_id: str | None = None


def load(
    overrides: Mapping[str, object] | None = None, environ: Mapping[str, str] | None = None
) -> MailInboundSettings:
    env = os.environ if environ is None else environ
    given = {k: v for k, v in (overrides or {}).items() if v is not None}

    def setting(key: str) -> str | None:
        if key in given:
            return str(given[key])
        return env.get(f"FEDCOP_{key.upper()}") or None

    max_text = setting("mail_max_bytes")
    if max_text is not None and (not max_text.isdigit() or not 0 < int(max_text) <= MAX_BYTES):
        raise ConfigError(f"FEDCOP_MAIL_MAX_BYTES={max_text!r}: use 1 to {MAX_BYTES} bytes")
    port_text = setting("mail_listen_port")
    lmtp_text = setting("mail_lmtp")
    imap = None
    if host := setting("imap_host"):
        tls_text = setting("imap_tls")
        tls = parse_bool("FEDCOP_IMAP_TLS", tls_text) if tls_text else True
        imap_port = setting("imap_port")
        interval = setting("imap_interval") or "60"
        try:
            seconds = float(interval)
        except ValueError:
            raise ConfigError(f"FEDCOP_IMAP_INTERVAL={interval!r}: use seconds") from None
        imap = ImapSettings(
            host=host,
            port=parse_port("FEDCOP_IMAP_PORT", imap_port) if imap_port else 993 if tls else 143,
            tls=tls,
            user=setting("imap_user") or "",
            password=setting("imap_password") or "",
            folder=setting("imap_folder") or "INBOX",
            interval_seconds=max(seconds, 1.0),
        )
    return MailInboundSettings(
        listen_host=setting("mail_listen_host") or "127.0.0.1",
        listen_port=parse_port("FEDCOP_MAIL_LISTEN_PORT", port_text)
        if port_text
        else DEFAULT_LISTEN_PORT,
        lmtp=parse_bool("FEDCOP_MAIL_LMTP", lmtp_text) if lmtp_text else False,
        max_bytes=int(max_text) if max_text else MAX_BYTES,
        imap=imap,
        trusted_authserv_id=setting("mail_trusted_authserv_id"),
    )
