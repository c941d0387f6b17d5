"""Delivery reports for mail the node sent: counted per address, a storm turns mail off, and the
member reads why on the web."""

from __future__ import annotations

import re
import uuid

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.mail import reply_addresses
from fedcop.services.mail import inbound
from tests.live_node import LiveNode
from tests.mail.inbound_world import kept, mail_listener, read_mail, send, set_email
from tests.scene import three_nodes


def delivery_report(failed: str, status: str, action: str = "failed") -> bytes:
    """A DSN as Postfix writes it (RFC 3464)."""
    return (
        "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
        "To: bounces@alpha.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: <dsn-{failed}-{status}-{uuid.uuid4().hex}@mx.example.org>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n'
        "\r\n--B\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        "\r\n--B\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.org\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\n"
        f"Action: {action}\r\n"
        f"Status: {status}\r\n"
        f"Diagnostic-Code: smtp; {status[0]}50 {status} mailbox unavailable\r\n"
        "\r\n--B--\r\n"
    ).encode()


async def _mail_off_shown(node: LiveNode, path: str) -> str:
    headers = {"Host": node.config.domain}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}", headers=headers) as http:
        page = await http.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        await http.post(
            "/login",
            data={"csrf": token.group(1), "name": "fa", "password": "long enough", "next": "/"},
        )
        return (await http.get(path)).text


async def _disabled(node: LiveNode, user_id: int) -> tuple[object, object]:
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT email_disabled_at, email_disabled_reason FROM users WHERE actor_id = $1",
            user_id,
        )
    return row["email_disabled_at"], row["email_disabled_reason"]


async def test_a_bounce_storm_turns_mail_off_and_the_member_is_told(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        fa = await set_email(alpha, "fa", "fa@example.org")
        secret = await inbound.mail_secret(alpha.pool)
        verp = reply_addresses.bounce_address(secret, fa, alpha.config.reply_mail_domain)
        async with mail_listener(alpha) as port:
            for _ in range(2):
                await send(port, delivery_report("fa@example.org", "5.1.1"), "", verp)
            await read_mail(alpha)
            assert await _disabled(alpha, fa) == (None, None)
            assert "We stopped sending you mail" not in await _mail_off_shown(alpha, "/")
            assert "Mail to this address is turned off" not in await _mail_off_shown(
                alpha, "/settings"
            )
            await send(port, delivery_report("fa@example.org", "5.1.1"), "", verp)
        await read_mail(alpha)
        mails = await kept(alpha)
        assert [m.state for m in mails] == ["bounce"] * 3
        assert all(m.user_id == fa for m in mails)
        since, reason = await _disabled(alpha, fa)
        assert since is not None
        assert "3 permanent" in str(reason)
        home = await _mail_off_shown(alpha, "/")
        assert "We stopped sending you mail" in home and "fa@example.org" in home
        settings = await _mail_off_shown(alpha, "/settings")
        assert "Mail to this address is turned off" in settings
        assert "3 permanent" in settings


async def test_temporary_failures_need_more_and_strangers_are_only_recorded(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        fa = await set_email(alpha, "fa", "fa@example.org")
        bounces = f"bounces@{alpha.config.reply_mail_domain}"
        async with mail_listener(alpha) as port:
            for _ in range(4):
                await send(port, delivery_report("fa@example.org", "4.2.2", "delayed"), "", bounces)
            await send(port, delivery_report("who@example.net", "5.1.1"), "", bounces)
            await read_mail(alpha)
            assert await _disabled(alpha, fa) == (None, None)
            await send(port, delivery_report("fa@example.org", "4.2.2", "delayed"), "", bounces)
        await read_mail(alpha)
        since, _ = await _disabled(alpha, fa)
        assert since is not None
        stranger = [m for m in await kept(alpha) if m.user_id is None]
        assert len(stranger) == 1 and "who@example.net" in str(stranger[0].reason)
