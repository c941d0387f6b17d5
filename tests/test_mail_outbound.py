"""Outbound mail through a real SMTP server: what a member's mail client receives.

compose (text + HTML from one template, threading and list headers) -> enqueue (in the caller's
transaction) -> the mail worker's run_once() -> aiosmtpd -> parsed with the standard library.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from markupsafe import Markup

from fedcop.config import Config
from fedcop.mail.compose import InThread, MailList, compose
from fedcop.services import accounts
from fedcop.services.mail import links
from fedcop.services.mail.outbox import enqueue
from tests.conftest import make_config, running_app
from tests.smtp_server import SmtpServer, smtp_server


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def node(dsn: str, smtp: SmtpServer) -> AsyncIterator[tuple[Any, Config]]:
    config = make_config(mail_from="cop@alpha.test", **smtp.config_overrides())
    async with running_app(config, dsn, run_workers=False) as app:
        yield app, config


async def _post_mail(app: Any, config: Config, *, thread_id: int, post_id: int, parent: int | None):
    pool = app.state.pool
    ann = await accounts.create_user(pool, config, "ann", "long enough")
    gardening = await accounts.create_community(
        pool, config, "gardening", title="Gardening <Friends>", owner="ann"
    )
    async with pool.acquire() as conn, conn.transaction():
        message = compose(
            config,
            to="ann@example.org",
            subject="Re: Tomatoes in winter",
            template="post.txt.html",
            context={
                "node_name": config.node_name,
                "footer_url": config.url("/"),
                "unsubscribe_url": None,
                "author": "Bob <b>",
                "community_title": "Gardening <Friends>",
                "text": "Cover them & wait.",
                "html": Markup("<p>Cover them &amp; wait.</p>"),
                "thread_url": config.url(f"/t/{thread_id}"),
            },
            sender_name="Bob",
            mail_list=MailList(name="gardening", title="Gardening Friends"),
            in_thread=InThread(thread_id=thread_id, post_id=post_id, parent_id=parent),
            reply_to="reply+token@alpha.test",
            unsubscribe_url=await links.unsubscribe_url(conn, config, ann.id, gardening.id),
        )
        queued = await enqueue(
            conn,
            config,
            to="ann@example.org",
            message=message,
            user_id=ann.id,
            community_id=gardening.id,
            thread_id=None,
        )
    assert queued is not None
    return ann, gardening


async def test_a_reply_arrives_threaded_with_list_headers_and_both_parts(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    await _post_mail(app, config, thread_id=100, post_id=105, parent=103)

    assert await app.state.mail_worker.run_once() == 1

    received = smtp.received
    assert [r.recipients for r in received] == [["ann@example.org"]]
    assert received[0].mail_from == "cop@alpha.test"
    message = smtp.only_message_to("ann@example.org")
    assert message["Message-ID"] == "<post-105@alpha.test>"
    assert message["In-Reply-To"] == "<post-103@alpha.test>"
    assert message["References"] == "<thread-100@alpha.test> <post-103@alpha.test>"
    assert message["List-Id"] == '"Gardening Friends" <gardening.alpha.test>'
    unsubscribe = str(message["List-Unsubscribe"])
    assert unsubscribe.startswith("<https://alpha.test/mail/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Reply-To"] == "reply+token@alpha.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["From"].addresses[0].addr_spec == "cop@alpha.test"
    assert message["From"].addresses[0].display_name == "Bob (Gardening Friends)"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert "Bob <b> wrote in Gardening <Friends>:" in text.get_content()
    assert "Cover them & wait." in text.get_content()
    assert "Bob &lt;b&gt;" in html.get_content()
    assert "<p>Cover them &amp; wait.</p>" in html.get_content()
    # Sent once: a second pass finds nothing due.
    assert await app.state.mail_worker.run_once() == 0


async def test_the_thread_root_is_the_id_every_reply_refers_to(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    await _post_mail(app, config, thread_id=100, post_id=100, parent=None)
    await app.state.mail_worker.run_once()
    message = smtp.only_message_to("ann@example.org")
    assert message["Message-ID"] == "<thread-100@alpha.test>"
    assert message["In-Reply-To"] is None


async def test_mail_queued_in_a_transaction_that_rolls_back_is_never_sent(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    message = compose(
        config,
        to="ann@example.org",
        subject="Hello",
        template="confirm_email.txt.html",
        context={
            "node_name": "n",
            "footer_url": "https://alpha.test/",
            "unsubscribe_url": None,
            "name": "Ann",
            "email": "ann@example.org",
            "confirm_url": "https://alpha.test/x",
        },
    )
    with pytest.raises(RuntimeError):
        async with app.state.pool.acquire() as conn, conn.transaction():
            await enqueue(
                conn,
                config,
                to="ann@example.org",
                message=message,
                user_id=None,
                community_id=None,
                thread_id=None,
            )
            raise RuntimeError("the change failed")
    assert await app.state.mail_worker.run_once() == 0
    assert smtp.received == []


async def test_with_no_smtp_server_nothing_is_queued(dsn: str) -> None:
    config = make_config()
    async with running_app(config, dsn, run_workers=False) as app:
        message = compose(
            config,
            to="ann@example.org",
            subject="Hello",
            template="confirm_email.txt.html",
            context={
                "node_name": "n",
                "footer_url": "https://alpha.test/",
                "unsubscribe_url": None,
                "name": "Ann",
                "email": "ann@example.org",
                "confirm_url": "https://alpha.test/x",
            },
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
            assert queued is None
            assert await conn.fetchval("SELECT count(*) FROM mail_outbox") == 0
