"""Mail into a live node: its `fedcop mail` listener on a real socket, and the reader run once.

async with mail_listener(node, lmtp=False) as port:
    await send(port, raw, sender, recipient)            # smtplib, SMTP or LMTP
    await read_mail(node)                               # services.mail.inbound.run_once
"""

from __future__ import annotations

import asyncio
import contextlib
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.utils import make_msgid

from fedcop.mail import listener, reply_addresses
from fedcop.services.mail import inbound
from fedcop.store.mail import inbound as inbound_store
from fedcop.store.mail.inbound import InboundMail
from tests.live_node import LiveNode


@contextlib.asynccontextmanager
async def mail_listener(node: LiveNode, *, lmtp: bool = False) -> AsyncIterator[int]:
    async def keep(raw: bytes, sender: str, recipient: str, source: str) -> object:
        return await inbound.receive(node.pool, raw, sender, recipient, source)

    handler = listener.MailHandler(node.config.reply_mail_domain, keep, "lmtp" if lmtp else "smtp")
    server = await listener.start("127.0.0.1", 0, handler, 1024 * 1024, lmtp)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


def _send(port: int, raw: bytes, sender: str, recipient: str, lmtp: bool) -> dict[str, object]:
    client = smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
    try:
        return dict(client.sendmail(sender, [recipient], raw))
    finally:
        client.quit()


async def send(
    port: int, raw: bytes, sender: str, recipient: str, *, lmtp: bool = False
) -> dict[str, object]:
    """Hand a message over a real socket; raises smtplib's errors on refusal."""
    return await asyncio.to_thread(_send, port, raw, sender, recipient, lmtp)


async def read_mail(node: LiveNode) -> int:
    return await inbound.run_once(node.pool, node.config, node.app.state.network)


async def set_email(node: LiveNode, username: str, address: str, confirmed: bool = True) -> int:
    async with node.pool.acquire() as conn:
        return int(
            await conn.fetchval(
                """UPDATE users SET email = $2,
                       email_confirmed_at = CASE WHEN $3 THEN now() END
                   FROM actors a WHERE a.id = users.actor_id AND a.username = $1
                   RETURNING actor_id""",
                username,
                address,
                confirmed,
            )
        )


async def reply_address_for(node: LiveNode, user_id: int, thread_id: int) -> str:
    secret = await inbound.mail_secret(node.pool)
    return reply_addresses.reply_address(secret, user_id, thread_id, node.config.reply_mail_domain)


async def kept(node: LiveNode) -> list[InboundMail]:
    """Every inbound message the node kept, oldest first."""
    async with node.pool.acquire() as conn:
        return list(reversed(await inbound_store.recent(conn, 500)))


def message(sender: str, to: str, subject: str, body: str, **headers: str) -> bytes:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Message-ID"] = make_msgid(domain="mail.example")
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(body)
    return bytes(mail)
