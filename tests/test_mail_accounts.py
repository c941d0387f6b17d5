"""Accounts by email, through the web pages and a real SMTP server: an address given at
registration and confirmed by its link, password reset by mail, and the administrators' rule
that members confirm an address before they post (web and client API)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from fedcop.config import Config
from fedcop.services import accounts, oauth
from fedcop.services.mail import addresses
from fedcop.store import users as user_store
from tests.conftest import make_config, running_app
from tests.smtp_server import SmtpServer, smtp_server

PASSWORD = "long enough"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def node(dsn: str, smtp: SmtpServer) -> AsyncIterator[tuple[Any, Config]]:
    config = make_config(**smtp.config_overrides())
    async with running_app(config, dsn, run_workers=False) as app:
        yield app, config


class Web:
    """One browser: cookies kept, the CSRF token of the last page opened."""

    def __init__(self, app: Any, config: Config) -> None:
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url=config.base_url
        )
        self.token = ""

    async def open(self, path: str) -> httpx.Response:
        page = await self.http.get(path)
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        if found:
            self.token = found.group(1)
        return page

    async def submit(self, path: str, **fields: str) -> httpx.Response:
        return await self.http.post(path, data={"csrf": self.token, **fields})

    async def sign_in(self, name: str, password: str) -> httpx.Response:
        await self.open("/login")
        return await self.submit("/login", name=name, password=password)


def _link(smtp: SmtpServer, address: str, path: str) -> str:
    """The path of the one link to `path...` in the newest mail to `address` (plain part)."""
    message = smtp.messages_to(address)[-1]
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    found = re.findall(rf"https://alpha\.test({re.escape(path)}\S+)", text.get_content())
    assert len(found) == 1, text.get_content()
    return str(found[0])


async def test_an_address_given_at_registration_is_confirmed_by_its_link(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE node SET registrations = 'open'")
    web = Web(app, config)
    page = await web.open("/register")
    assert 'name="email"' in page.text
    answer = await web.submit("/register", name="ann", password=PASSWORD, email="Ann@Example.org")
    assert answer.status_code == 303
    ann = await _user(app, "ann")
    found = await addresses.account_email(app.state.pool, ann)
    assert found is not None and found.email == "Ann@Example.org" and not found.confirmed

    await app.state.mail_worker.run_once()
    mail = smtp.only_message_to("Ann@Example.org")
    assert mail["Subject"] == "Confirm your address on fedcop"
    html = mail.get_body(preferencelist=("html",))
    assert html is not None and "/mail/confirm/" in html.get_content()
    link = _link(smtp, "Ann@Example.org", "/mail/confirm/")

    # Someone else's browser, not signed in, can follow it: the link is the proof.
    confirmed = await Web(app, config).open(link)
    assert confirmed.status_code == 200 and "Address confirmed" in confirmed.text
    found = await addresses.account_email(app.state.pool, ann)
    assert found is not None and found.confirmed
    settings = await web.open("/settings")
    assert "Ann@Example.org: confirmed" in settings.text

    # A changed link is refused and confirms nothing.
    await web.open("/settings")
    await web.submit("/settings/email", email="ann@elsewhere.example")
    await app.state.mail_worker.run_once()
    forged = link[:-2] + ("xx" if not link.endswith("xx") else "yy")
    assert (await Web(app, config).open(forged)).status_code == 404
    # The old address's link no longer confirms the new one.
    assert (await Web(app, config).open(link)).status_code == 404
    found = await addresses.account_email(app.state.pool, ann)
    assert found is not None and found.email == "ann@elsewhere.example" and not found.confirmed
    # Another account can not take an address already used.
    await accounts.create_user(app.state.pool, config, "bob", PASSWORD)
    bob = Web(app, config)
    await bob.sign_in("bob", PASSWORD)
    await bob.open("/settings")
    taken = await bob.submit("/settings/email", email="ANN@elsewhere.example")
    assert "another account here uses that address" in taken.text


async def _user(app: Any, name: str) -> int:
    async with app.state.pool.acquire() as conn:
        user = await user_store.find_by_name(conn, name)
    assert user is not None
    return user.actor.id


async def _confirmed(app: Any, config: Config, name: str, email: str) -> int:
    await accounts.create_user(app.state.pool, config, name, PASSWORD)
    user_id = await _user(app, name)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET email = $2, email_confirmed_at = now() WHERE actor_id = $1",
            user_id,
            email,
        )
    return user_id


async def test_a_forgotten_password_is_reset_through_a_link_that_works_once(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    await _confirmed(app, config, "ann", "ann@example.org")
    web = Web(app, config)
    login = await web.open("/login")
    assert 'href="/password/forgot"' in login.text
    await web.open("/password/forgot")
    known = await web.submit("/password/forgot", email="ANN@example.org")
    unknown = await web.submit("/password/forgot", email="nobody@example.org")
    # The same answer either way: nobody learns who has an account here.
    assert known.status_code == unknown.status_code == 200
    assert "If an account here has that confirmed address" in known.text
    assert _answer(known.text) == _answer(unknown.text)

    await app.state.mail_worker.run_once()
    assert [r.recipients for r in smtp.received] == [["ann@example.org"]]
    link = _link(smtp, "ann@example.org", "/password/reset/")

    other = Web(app, config)
    await other.open(link)
    too_short = await other.submit(link, password="short")
    assert too_short.status_code == 400
    done = await other.submit(link, password="a brand new password")
    assert done.status_code == 200 and "Password changed" in done.text
    assert (await Web(app, config).sign_in("ann", PASSWORD)).status_code == 400
    assert (await Web(app, config).sign_in("ann", "a brand new password")).status_code == 303
    # Once only.
    again = await other.submit(link, password="yet another password")
    assert again.status_code == 404
    assert (await Web(app, config).sign_in("ann", "a brand new password")).status_code == 303


def _answer(html: str) -> str:
    found = re.search(r'<p role="status">(.*?)</p>', html)
    assert found is not None
    return found.group(1)


async def test_asking_for_resets_is_throttled_like_signing_in(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    await _confirmed(app, config, "ann", "ann@example.org")
    web = Web(app, config)
    await web.open("/password/forgot")
    statuses = [
        (await web.submit("/password/forgot", email="ann@example.org")).status_code
        for _ in range(7)
    ]
    assert statuses[:5] == [200] * 5
    assert statuses[-1] == 429
    await app.state.mail_worker.run_once()
    assert len(smtp.messages_to("ann@example.org")) <= 6


async def test_a_node_can_require_a_confirmed_address_before_posting(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    await accounts.create_user(app.state.pool, config, "admin", PASSWORD, is_admin=True)
    await accounts.create_user(app.state.pool, config, "ann", PASSWORD)
    await accounts.create_community(app.state.pool, config, "gardening", title="G", owner="ann")
    admin = Web(app, config)
    await admin.sign_in("admin", PASSWORD)
    page = await admin.open("/admin")
    assert "Mail is on" in page.text
    assert (await admin.submit("/admin/mail", required="on")).status_code == 303
    assert await addresses.is_required(app.state.pool)

    ann = Web(app, config)
    await ann.sign_in("ann", PASSWORD)
    await ann.open("/c/gardening")
    refused = await ann.submit("/c/gardening/threads", title="Tomatoes", content="In winter?")
    assert refused.status_code == 400
    assert "confirm your email address before posting" in refused.text
    token = await oauth.admin_token(app.state.pool, "ann", "read write")
    api = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=config.base_url)
    answer = await api.post(
        "/api/v1/statuses",
        json={"status": "@gardening Tomatoes in winter?"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422
    assert "confirm your email address before posting" in answer.json()["error"]
    async with app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM posts") == 0
        await conn.execute(
            "UPDATE users SET email = 'ann@example.org', email_confirmed_at = now()"
            " WHERE actor_id = (SELECT id FROM actors WHERE username = 'ann' AND domain IS NULL)"
        )
    posted = await ann.submit("/c/gardening/threads", title="Tomatoes", content="In winter?")
    assert posted.status_code == 303
    answer = await api.post(
        "/api/v1/statuses",
        json={"status": "@gardening Peppers in winter?"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200, answer.text


async def test_with_no_smtp_server_admin_says_mail_is_off(dsn: str) -> None:
    config = make_config()
    async with running_app(config, dsn, run_workers=False) as app:
        await accounts.create_user(app.state.pool, config, "admin", PASSWORD, is_admin=True)
        admin = Web(app, config)
        await admin.sign_in("admin", PASSWORD)
        page = await admin.open("/admin")
        assert "Mail is off" in page.text
        # An address can still be given; nothing is queued for it.
        await admin.open("/settings")
        saved = await admin.submit("/settings/email", email="root@example.org")
        assert "This node sends no mail yet" in saved.text
        async with app.state.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM mail_outbox") == 0


async def test_mail_turned_off_by_bounces_shows_in_settings_and_saving_turns_it_back_on(
    node: tuple[Any, Config], smtp: SmtpServer
) -> None:
    app, config = node
    ann = await _confirmed(app, config, "ann", "ann@example.org")
    async with app.state.pool.acquire() as conn:
        assert await addresses.deliverable_address(conn, ann) == "ann@example.org"
        await addresses.turn_off_after_bounces(conn, ann, "550 5.1.1 mailbox unavailable")
        assert await addresses.deliverable_address(conn, ann) is None
    web = Web(app, config)
    await web.sign_in("ann", PASSWORD)
    page = await web.open("/settings")
    assert "Mail to this address is turned off" in page.text
    assert "550 5.1.1 mailbox unavailable" in page.text
    await web.submit("/settings/email", email="ann@example.org")
    async with app.state.pool.acquire() as conn:
        assert await addresses.deliverable_address(conn, ann) == "ann@example.org"
    assert "turned off" not in (await web.open("/settings")).text
