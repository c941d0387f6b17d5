"""Outbound mail through a real SMTP server: what a member's mail client receives.

compose (text + HTML from one template, threading and list headers) -> enqueue (in the caller's
transaction) -> the mail worker's run_once() -> aiosmtpd -> parsed with the standard library.
"""

from __future__ import annotations

import email
import email.policy
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from markupsafe import Markup

from fedcop.config import Config
from fedcop.mail.compose import InThread, MailList, compose
from fedcop.services import accounts
from fedcop.services.mail import links
from fedcop.services.mail.outbox import enqueue
from fedcop.store.mail import choices
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


def _unsubscribe_path(message: Any) -> str:
    header = str(message["List-Unsubscribe"])
    url = header.split(",")[0].strip().strip("<>")
    assert url.startswith("https://alpha.test/")
    return url.removeprefix("https://alpha.test")


async def test_one_click_unsubscribe_works_with_a_bare_post(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    ann, gardening = await _post_mail(app, config, thread_id=100, post_id=105, parent=103)
    await app.state.mail_worker.run_once()
    path = _unsubscribe_path(smtp.only_message_to("ann@example.org"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        # What a mail provider sends: no cookie, no CSRF token, just the RFC 8058 body.
        page = await http.get(path)
        assert page.status_code == 200
        assert "Stop mail from Gardening" in page.text
        async with app.state.pool.acquire() as conn:
            assert await choices.community_mail(conn, ann.id, gardening.id) == "notifications"
        answer = await http.post(
            path,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert answer.status_code == 200
        assert "No more mail" in answer.text
        async with app.state.pool.acquire() as conn:
            assert await choices.community_mail(conn, ann.id, gardening.id) == "none"
        # A forged token changes nothing and says so.
        forged = path[:-3] + ("abc" if not path.endswith("abc") else "xyz")
        refused = await http.post(
            forged,
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert refused.status_code == 404
        # A POST without the RFC 8058 body is refused.
        assert (await http.post(path, content=b"")).status_code == 400


def test_smtp_settings_come_from_the_environment() -> None:
    from fedcop.config import ConfigError, environment_of, load_config

    off = load_config(environ={"FEDCOP_BASE_URL": "https://cop.example.org"})
    assert not off.mail_enabled and off.mail_from_address == "noreply@cop.example.org"
    config = load_config(
        environ={
            "FEDCOP_BASE_URL": "https://cop.example.org",
            "FEDCOP_SMTP_HOST": "smtp.example.org",
            "FEDCOP_SMTP_SECURITY": "TLS",
            "FEDCOP_SMTP_USER": "cop",
            "FEDCOP_SMTP_PASSWORD": "secret",
            "FEDCOP_MAIL_FROM": "community@example.org",
        }
    )
    assert config.mail_enabled and config.smtp_port == 465 and config.smtp_security == "tls"
    assert (config.smtp_user, config.smtp_password) == ("cop", "secret")
    assert config.mail_from_address == "community@example.org"
    assert not config.dkim_enabled
    # serve --workers hands the same settings to its processes.
    assert load_config(environ=environment_of(config)) == config
    with pytest.raises(ConfigError, match="FEDCOP_SMTP_SECURITY"):
        load_config(environ={"FEDCOP_SMTP_HOST": "x", "FEDCOP_SMTP_SECURITY": "ssl"})
    with pytest.raises(ConfigError, match="FEDCOP_MAIL_FROM"):
        load_config(environ={"FEDCOP_MAIL_FROM": "not an address"})
    with pytest.raises(ConfigError, match="all three"):
        load_config(environ={"FEDCOP_DKIM_SELECTOR": "fedcop"})
    with pytest.raises(ConfigError, match="no such file"):
        load_config(
            environ={
                "FEDCOP_DKIM_KEY_FILE": "/nonexistent/dkim.pem",
                "FEDCOP_DKIM_SELECTOR": "fedcop",
                "FEDCOP_DKIM_DOMAIN": "example.org",
            }
        )


async def test_unsubscribing_from_all_stops_every_community_of_the_member(
    node: tuple[Any, Config],
) -> None:
    app, config = node
    ann, gardening = await _post_mail(app, config, thread_id=100, post_id=100, parent=None)
    beekeeping = await accounts.create_community(
        app.state.pool, config, "beekeeping", title="Bees", owner="ann"
    )
    bob = await accounts.create_user(app.state.pool, config, "bob", "long enough")
    async with app.state.pool.acquire() as conn:
        await choices.set_community_mail(conn, ann.id, beekeeping.id, "daily")
        await choices.set_community_mail(conn, bob.id, gardening.id, "every")
        url = await links.unsubscribe_url(conn, config, ann.id, None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
        page = await http.get(url)
        assert "every community on" in page.text
        answer = await http.post(url, data={"List-Unsubscribe": "One-Click"})
        assert answer.status_code == 200
    async with app.state.pool.acquire() as conn:
        assert await choices.community_mail(conn, ann.id, gardening.id) == "none"
        assert await choices.community_mail(conn, ann.id, beekeeping.id) == "none"
        # Nobody else's choice moves.
        assert await choices.community_mail(conn, bob.id, gardening.id) == "every"


def test_a_title_with_line_breaks_can_not_add_headers() -> None:
    config = make_config(smtp_host="127.0.0.1")
    message = compose(
        config,
        to="ann@example.org",
        subject="Tomatoes\r\nBcc: everyone@example.org",
        template="confirm_email.txt.html",
        context={"name": "Ann", "email": "ann@example.org", "confirm_url": "https://a.test/c"},
        sender_name="Bob\nX-Evil: 1",
        mail_list=MailList(name="gardening", title='Garden\r\n"ing"'),
    )
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert parsed["Subject"] == "Tomatoes Bcc: everyone@example.org"
    assert parsed["List-Id"] == "\"Garden 'ing'\" <gardening.alpha.test>"
