"""Polling a real IMAP server (a private Dovecot): a reply by mail found there is posted once.

alpha has the community "stewards", its facilitator fa and fa's thread; the node's mail server
delivered into the Dovecot mailbox `fedcop mail` polls.
"""

from __future__ import annotations

import functools
import imaplib

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.mail import imap_poll
from fedcop.services import accounts, posts
from fedcop.store import posts as post_store
from fedcop.workers.mail_inbound import keep_imap_message
from tests.conftest import fresh_database
from tests.imap_server import ImapServer, imap_server
from tests.live_node import LiveNode, live_node
from tests.mail.inbound_world import kept, message, read_mail, reply_address_for, set_email

MAX_BYTES = 1024 * 1024


def _delivered(raw: bytes, sender: str, recipient: str) -> bytes:
    """The message as the mail server stored it: with the envelope's headers on top."""
    return f"Return-Path: <{sender}>\nDelivered-To: {recipient}\n".encode() + raw


async def _poll(alpha: LiveNode, server: ImapServer) -> int:
    keep = functools.partial(keep_imap_message, alpha.pool, alpha.config.reply_mail_domain)
    return await imap_poll.poll_once(server.settings(), MAX_BYTES, keep)


async def test_a_reply_found_in_the_imap_mailbox_is_posted_once_and_marked_seen(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        thread = await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network,
            author="fa", community_uri=f"{alpha.base}/c/stewards",
            title="Retention of raw data", content="How long do you keep raw data?",
        )  # fmt: skip
        fa = await set_email(alpha, "fa", "fa@example.org")
        address = await reply_address_for(alpha, fa, thread.id)
        reply = message(
            "Fa <fa@example.org>", address, "Re: Retention of raw data", "Ten years, then review."
        )
        with imap_server() as server:
            server.append(_delivered(reply, "fa@example.org", address))
            assert server.flags() == {1: set()}

            assert await _poll(alpha, server) == 1
            assert server.flags() == {1: {"\\Seen"}}
            assert await read_mail(alpha) == 1
            [mail] = await kept(alpha)
            assert (mail.source, mail.state) == ("imap", "posted"), mail.reason
            assert mail.envelope_from == "fa@example.org"
            async with alpha.pool.acquire() as conn:
                posted = await post_store.find(conn, mail.post_id or 0)
            assert posted is not None and posted.in_reply_to_uri == thread.uri
            page = await alpha.get(f"/t/{thread.id}")
            assert "Ten years, then review." in page.text

            # The next poll finds nothing unseen: no second copy, no second post.
            assert await _poll(alpha, server) == 0
            assert await read_mail(alpha) == 0
            assert len(await kept(alpha)) == 1
            page = await alpha.get(f"/t/{thread.id}")
            assert page.text.count("Ten years, then review.") == 1


async def test_mail_for_another_domain_in_the_mailbox_is_left_alone(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await set_email(alpha, "fa", "fa@example.org")
        elsewhere = message("fa@example.org", "office@example.org", "Invoice", "Attached.")
        with imap_server() as server:
            server.append(_delivered(elsewhere, "fa@example.org", "office@example.org"))

            assert await _poll(alpha, server) == 0
            assert await kept(alpha) == []
            assert server.flags() == {1: set()}  # still unread for whoever reads the mailbox
            assert await _poll(alpha, server) == 0
            assert await kept(alpha) == []


async def test_the_folder_polled_may_have_a_space_in_its_name_and_must_exist(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await set_email(alpha, "fa", "fa@example.org")
        address = f"stewards@{alpha.config.reply_mail_domain}"
        raw = message("fa@example.org", address, "Sharing a template", "Here is ours.")
        with imap_server() as server:
            server.create_folder("Reply mail")
            server.append(_delivered(raw, "fa@example.org", address), folder="Reply mail")
            keep = functools.partial(keep_imap_message, alpha.pool, alpha.config.reply_mail_domain)

            assert await imap_poll.poll_once(server.settings("Reply mail"), MAX_BYTES, keep) == 1
            assert server.flags("Reply mail") == {1: {"\\Seen"}}
            assert await read_mail(alpha) == 1
            [mail] = await kept(alpha)
            assert mail.state == "posted", mail.reason

            # A folder that is not there is said so (the worker logs it and tries again).
            with pytest.raises(imaplib.IMAP4.error, match="no IMAP folder 'Replies'"):
                await imap_poll.poll_once(server.settings("Replies"), MAX_BYTES, keep)


async def test_mail_left_alone_does_not_keep_later_mail_waiting(
    pg_cluster: EmbeddedPostgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mail left unseen (too large, or for another domain) is not fetched again by the next
    polls, so however much of it there is, the mail behind it is read."""
    monkeypatch.setattr(imap_poll, "MAX_PER_POLL", 1)  # one message per poll: a small window
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await set_email(alpha, "fa", "fa@example.org")
        address = f"stewards@{alpha.config.reply_mail_domain}"
        elsewhere = message("fa@example.org", "office@example.org", "Invoice", "Attached.")
        huge = message("fa@example.org", address, "Scans", "page\n" * 5000)
        raw = message("fa@example.org", address, "Sharing a template", "Here is ours.")
        keep = functools.partial(keep_imap_message, alpha.pool, alpha.config.reply_mail_domain)
        passed = imap_poll.PassedOver()
        with imap_server() as server:
            server.append(_delivered(elsewhere, "fa@example.org", "office@example.org"))
            server.append(_delivered(huge, "fa@example.org", address))
            server.append(_delivered(raw, "fa@example.org", address))

            found = [
                await imap_poll.poll_once(server.settings(), 10_000, keep, passed) for _ in range(3)
            ]
            assert found == [0, 0, 1]
            assert server.flags() == {1: set(), 2: set(), 3: {"\\Seen"}}
            assert await imap_poll.poll_once(server.settings(), 10_000, keep, passed) == 0
            assert await read_mail(alpha) == 1
            [mail] = await kept(alpha)
            assert (mail.state, mail.post_id is not None) == ("posted", True), mail.reason
