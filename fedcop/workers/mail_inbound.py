"""`fedcop mail`: the listener, the IMAP poller (when set) and the reader of inbound mail.

The listener and the poller only keep messages (services.mail.inbound.receive); the reader loop
turns them into posts, refusals and bounce counts (run_once), as the inbox worker does for
ActivityPub deliveries.
"""

from __future__ import annotations

import asyncio
import email.utils
import imaplib
import logging
from typing import Any

from fedcop.config import Config
from fedcop.db.pool import create_pool
from fedcop.mail import imap_poll, listener, reading
from fedcop.mail.inbound_settings import MailInboundSettings
from fedcop.mail.reply_addresses import split_address
from fedcop.network import Network, SigningKey
from fedcop.services.accounts import ensure_instance_actor
from fedcop.services.mail import inbound

log = logging.getLogger(__name__)

READ_INTERVAL_SECONDS = 2.0


def imap_recipients(raw: bytes, mail_domain: str) -> tuple[str, list[str]]:
    """(envelope sender, recipients at the mail domain) of a message fetched by IMAP, read from
    the headers the delivering server added (Return-Path, Delivered-To, X-Original-To), else
    from To and Cc."""
    message = reading.parse(raw)
    sender = reading.header(message, "Return-Path").strip("<> ")
    for names in (("Delivered-To", "X-Original-To"), ("To", "Cc")):
        values = []
        for name in names:
            values += message.get_all(name) or []
        found = [
            address.lower()
            for _, address in email.utils.getaddresses([str(value) for value in values])
            if (split_address(address) or ("", ""))[1] == mail_domain
        ]
        if found:
            return sender, list(dict.fromkeys(found))
    return sender, []


async def keep_imap_message(pool: Any, mail_domain: str, raw: bytes) -> bool:
    """Keep a message fetched by IMAP for each of its addresses at the mail domain; whether it
    had any. One for no such address is left alone (unseen, for whoever else reads the box)."""
    sender, recipients = imap_recipients(raw, mail_domain)
    if not recipients:
        log.info("IMAP message for no address at %s: left alone", mail_domain)
        return False
    for recipient in recipients:
        await inbound.receive(pool, raw, sender, recipient, "imap")
    return True


async def run(
    config: Config,
    dsn: str,
    settings: MailInboundSettings,
    stop: asyncio.Event,
    started: asyncio.Future[int] | None = None,
) -> None:
    """Until `stop`: listen, poll, read. What was kept before `stop` is read before returning.
    `started` gets the port listened on (the settings may say 0: any free port)."""
    pool = await create_pool(dsn, min_size=1, max_size=4)
    network: Network | None = None
    server: asyncio.Server | None = None
    try:
        instance = await ensure_instance_actor(pool, config)
        network = Network(
            config, SigningKey(instance.actor.public_key_id, instance.private_key_pem)
        )

        arrived = asyncio.Event()

        async def keep(raw: bytes, sender: str, recipient: str, source: str) -> object:
            kept = await inbound.receive(pool, raw, sender, recipient, source)
            arrived.set()  # the reader wakes now rather than at its next interval
            return kept

        handler = listener.MailHandler(
            config.reply_mail_domain, keep, "lmtp" if settings.lmtp else "smtp"
        )
        server = await listener.start(
            settings.listen_host, settings.listen_port, handler, settings.max_bytes, settings.lmtp
        )
        log.info(
            "fedcop mail: %s on %s:%d for @%s",
            "LMTP" if settings.lmtp else "SMTP",
            settings.listen_host,
            settings.listen_port,
            config.reply_mail_domain,
        )
        if started is not None:
            started.set_result(server.sockets[0].getsockname()[1])
        loops = [_read_forever(pool, config, network, stop, arrived, settings)]
        if settings.imap is not None:
            loops.append(_poll_forever(pool, config, settings, stop, arrived))
        await asyncio.gather(*loops)
    finally:
        if server is not None:
            server.close()
            await server.wait_closed()
        if network is not None:
            await network.aclose()
        await pool.close()


async def _read_forever(
    pool: Any,
    config: Config,
    network: Network,
    stop: asyncio.Event,
    arrived: asyncio.Event,
    settings: MailInboundSettings,
) -> None:
    while True:
        # Seen before the pass, not after: mail kept just before `stop` may have arrived while a
        # pass that found nothing was under way, and one more pass after `stop` reads it.
        stopping = stop.is_set()
        arrived.clear()
        try:
            if await inbound.run_once(
                pool, config, network, trusted_authserv_id=settings.trusted_authserv_id
            ):
                continue
        except OSError:
            log.exception("reading inbound mail failed; trying again")
        if stopping:
            return
        await _wait_for_any(stop, arrived, READ_INTERVAL_SECONDS)


async def _poll_forever(
    pool: Any,
    config: Config,
    settings: MailInboundSettings,
    stop: asyncio.Event,
    arrived: asyncio.Event,
) -> None:
    imap = settings.imap
    assert imap is not None

    async def keep(raw: bytes) -> bool:
        taken = await keep_imap_message(pool, config.reply_mail_domain, raw)
        if taken:
            arrived.set()
        return taken

    passed = imap_poll.PassedOver()
    while not stop.is_set():
        try:
            await imap_poll.poll_once(imap, settings.max_bytes, keep, passed)
        except (OSError, imaplib.IMAP4.error):
            log.exception("polling IMAP %s failed; trying again", imap.host)
        await _wait_for_any(stop, stop, imap.interval_seconds)


async def _wait_for_any(first: asyncio.Event, second: asyncio.Event, seconds: float) -> None:
    """Until either event is set, or `seconds` pass."""
    waits = [asyncio.create_task(first.wait()), asyncio.create_task(second.wait())]
    try:
        await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
