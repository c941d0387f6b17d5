"""The mail worker against a real SMTP server that refuses: retried, then sent or given up.

Time moves by rewriting the queue's rows (never by sleeping).
"""

from __future__ import annotations

import argparse
import base64
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fedcop import admin_commands
from fedcop.config import Config
from fedcop.mail.compose import MailList, compose
from fedcop.services.mail import outbox
from fedcop.services.mail.outbox import enqueue
from tests.conftest import make_config, running_app
from tests.smtp_server import SmtpServer, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


async def _queue_one(app: Any, config: Config) -> int:
    message = compose(
        config,
        to="ann@example.org",
        subject="Confirm your address",
        template="confirm_email.txt.html",
        context={"name": "Ann", "email": "ann@example.org", "confirm_url": "https://a.test/c"},
        mail_list=MailList(name="gardening", title="Gardening"),
        unsubscribe_url="https://alpha.test/mail/unsubscribe/x",
    )
    async with app.state.pool.acquire() as conn:
        queued = await enqueue(
            conn,
            config,
            to="ann@example.org",
            message=message,
            user_id=None,
            community_id=None,
            thread_id=None,
        )
    assert queued is not None
    return queued


async def _make_due(app: Any) -> None:
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE mail_outbox SET next_attempt_at = now() WHERE state <> 'sent'")


@pytest.fixture
async def node(dsn: str, smtp: SmtpServer) -> AsyncIterator[tuple[Any, Config]]:
    config = make_config(**smtp.config_overrides())
    async with running_app(config, dsn, run_workers=False) as app:
        yield app, config


async def test_a_refusing_server_gets_the_mail_again_later_until_it_accepts(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    mail_id = await _queue_one(app, config)
    smtp.refuse_next(1, "421 4.7.0 too busy, try later")
    smtp.refuse_next(1, "451 4.3.0 temporary failure")

    assert await app.state.mail_worker.run_once() == 1
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, attempts, last_error, next_attempt_at > now() AS later"
            " FROM mail_outbox WHERE id = $1",
            mail_id,
        )
    assert row["state"] == "waiting" and row["attempts"] == 1 and row["later"]
    assert "421" in row["last_error"]
    # Not due yet: the worker leaves it alone.
    assert await app.state.mail_worker.run_once() == 0

    await _make_due(app)
    await app.state.mail_worker.run_once()
    await _make_due(app)
    await app.state.mail_worker.run_once()
    assert len(smtp.messages_to("ann@example.org")) == 1
    async with app.state.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, attempts, sent_at FROM mail_outbox WHERE id = $1", mail_id
        )
    assert row["state"] == "sent" and row["attempts"] == 3 and row["sent_at"] is not None

    report = await outbox.queue_report(app.state.pool)
    assert report.summary.sent == 1 and report.summary.waiting == 0


async def test_mail_refused_for_a_day_is_given_up_with_the_error_kept(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    mail_id = await _queue_one(app, config)
    smtp.refuse_next(1, "451 4.3.0 temporary failure")
    await app.state.mail_worker.run_once()
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "UPDATE mail_outbox SET created_at = now() - interval '25 hours',"
            " next_attempt_at = now() WHERE id = $1",
            mail_id,
        )
    smtp.refuse_next(1, "451 4.3.0 still failing")
    await app.state.mail_worker.run_once()

    report = await outbox.queue_report(app.state.pool)
    assert report.summary.given_up == 1
    assert [(m.id, m.recipient) for m in report.given_up] == [(mail_id, "ann@example.org")]
    assert (
        "451" in report.given_up[0].last_error and "still failing" in report.given_up[0].last_error
    )
    # What `fedcop admin queue` prints (the command's own code, in this process).
    args = argparse.Namespace(admin_command="queue", queue_command=None)
    lines = await admin_commands._act(app.state.pool, config, args)
    assert "mail        waiting 0 (of which failing 0), sent 0, given up 1" in lines
    assert any(
        line.startswith(f"  {mail_id} ") and "ann@example.org" in line and "still failing" in line
        for line in lines
    )
    # Given up: never tried again.
    await _make_due(app)
    assert await app.state.mail_worker.run_once() == 0
    assert smtp.received == []


async def test_a_permanent_refusal_is_given_up_at_once(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    await _queue_one(app, config)
    smtp.refuse_next(1, "550 5.1.1 no such mailbox")
    await app.state.mail_worker.run_once()
    report = await outbox.queue_report(app.state.pool)
    assert report.summary.given_up == 1 and "550" in report.given_up[0].last_error


def _dkim_key(tmp_path: Path) -> tuple[Path, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path / "dkim.pem"
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return path, b"v=DKIM1; k=rsa; p=" + base64.b64encode(public)


async def test_dkim_signed_mail_verifies_against_the_published_key(
    dsn: str, smtp: SmtpServer, tmp_path: Path
) -> None:
    key_file, record = _dkim_key(tmp_path)
    config = make_config(
        mail_from="cop@alpha.test",
        dkim_key_file=key_file,
        dkim_selector="fedcop",
        dkim_domain="alpha.test",
        **smtp.config_overrides(),
    )
    async with running_app(config, dsn, run_workers=False) as app:
        await _queue_one(app, config)
        await app.state.mail_worker.run_once()
    [received] = smtp.received
    looked_up: list[bytes] = []

    def dns(name: bytes, timeout: int = 5) -> bytes:
        looked_up.append(name)
        return record if name == b"fedcop._domainkey.alpha.test." else b""

    assert received.message["DKIM-Signature"] is not None
    assert dkim.verify(received.data, dnsfunc=dns)
    assert looked_up == [b"fedcop._domainkey.alpha.test."]
    # A changed byte in the body breaks it.
    tampered = received.data.replace(b"Confirm my address", b"Confirm my adress!")
    assert tampered != received.data
    assert not dkim.verify(tampered, dnsfunc=dns)


async def test_sent_mail_is_kept_a_week_then_deleted(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    old = await _queue_one(app, config)
    recent = await _queue_one(app, config)
    assert await app.state.mail_worker.run_once() == 2
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "UPDATE mail_outbox SET sent_at = now() - interval '8 days' WHERE id = $1", old
        )
    assert await app.state.mail_worker.run_once() == 0
    async with app.state.pool.acquire() as conn:
        left = await conn.fetch("SELECT id FROM mail_outbox ORDER BY id")
    assert [row["id"] for row in left] == [recent]
