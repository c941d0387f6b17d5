"""A node that sends mail to a real in-process SMTP server, and helpers to give members
addresses and choices as the web pages would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

from fedcop.config import Config
from fedcop.services.mail import choices
from tests.conftest import make_config, running_app
from tests.smtp_server import SmtpServer, smtp_server


@asynccontextmanager
async def mailing_node(dsn: str) -> AsyncIterator[tuple[Any, Config, SmtpServer]]:
    with smtp_server() as smtp:
        config = make_config(mail_from="cop@alpha.test", **smtp.config_overrides())
        async with running_app(config, dsn, run_workers=False) as app:
            yield app, config, smtp


async def give_address(
    pool: Any, username: str, address: str, *, confirmed: bool = True, bounced: bool = False
) -> int:
    """The member's address, confirmed (or not) and turned off by bounces (or not)."""
    async with pool.acquire() as conn:
        return int(
            await conn.fetchval(
                """
                UPDATE users u SET email = $2,
                    email_confirmed_at = CASE WHEN $3 THEN now() END,
                    email_disabled_at = CASE WHEN $4 THEN now() END
                FROM actors a WHERE a.id = u.actor_id AND a.username = $1 AND a.domain IS NULL
                RETURNING u.actor_id
                """,
                username,
                address,
                confirmed,
                bounced,
            )
        )


async def choose(pool: Any, config: Config, user_id: int, community: str, mode: str) -> None:
    await choices.choose(pool, user_id, config.url(f"/c/{community}"), mode)


async def send_all(app: Any) -> int:
    """Drain the outbound mail queue into the SMTP server."""
    sent = 0
    while batch := await app.state.mail_worker.run_once():
        sent += batch
    return sent


def tomorrow() -> datetime:
    return datetime.now(UTC) + timedelta(days=1)


def text_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("html",))
    assert body is not None
    return str(body.get_content()).replace("\r\n", "\n")
