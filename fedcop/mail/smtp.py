"""Hand one message to the configured SMTP server (aiosmtplib), and say whether to try again.

send(config, sender, recipient, message_bytes) -> None      accepted
  raises MailRefused(permanent=True)    5xx: the server will never take it
  raises MailRefused(permanent=False)   4xx, a dropped connection, a timeout: try later
"""

from __future__ import annotations

import aiosmtplib

from fedcop.config import Config


class MailRefused(Exception):
    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.permanent = permanent


async def send(config: Config, sender: str, recipient: str, message: bytes) -> None:
    assert config.smtp_host is not None, "mail is off: no SMTP host configured"
    try:
        await aiosmtplib.send(
            message,
            sender=sender,
            recipients=[recipient],
            hostname=config.smtp_host,
            port=config.smtp_port,
            username=config.smtp_user,
            password=config.smtp_password,
            use_tls=config.smtp_security == "tls",
            start_tls=config.smtp_security == "starttls",
            timeout=config.smtp_timeout_seconds,
        )
    except aiosmtplib.SMTPRecipientsRefused as error:
        codes = [refusal.code for refusal in error.recipients]
        text = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
        raise MailRefused(text, permanent=all(500 <= c < 600 for c in codes)) from None
    except aiosmtplib.SMTPResponseException as error:
        raise MailRefused(
            f"{error.code} {error.message}", permanent=500 <= error.code < 600
        ) from None
    except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
        raise MailRefused(f"{type(error).__name__}: {error}", permanent=False) from None
