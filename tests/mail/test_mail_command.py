"""`fedcop mail` as it runs: listener, queue and reader together, over a real LMTP socket."""

from __future__ import annotations

import asyncio

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.mail.inbound_settings import MailInboundSettings
from fedcop.services import accounts
from fedcop.workers import mail_inbound
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.mail.inbound_world import kept, message, send, set_email


async def test_fedcop_mail_keeps_and_reads_what_its_mail_server_hands_it(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await set_email(alpha, "fa", "fa@example.org")
        stop = asyncio.Event()
        started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        settings = MailInboundSettings(listen_port=0, lmtp=True)
        running = asyncio.create_task(mail_inbound.run(alpha.config, dsn, settings, stop, started))
        port = await started
        address = f"stewards@{alpha.config.reply_mail_domain}"
        raw = message("fa@example.org", address, "Sharing a template", "Here is ours.")
        await send(port, raw, "fa@example.org", address, lmtp=True)
        stop.set()
        await running  # what was kept before stopping is read before it returns
        [mail] = await kept(alpha)
        assert (mail.source, mail.state) == ("lmtp", "posted"), mail.reason
        page = await alpha.get(f"/t/{mail.post_id}")
        assert "Sharing a template" in page.text and "Here is ours." in page.text
