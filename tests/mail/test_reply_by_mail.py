"""Replying by mail: through `fedcop mail` on a real socket, into the thread, out to other nodes.

alpha has the community "stewards" and its facilitator fa; bea (beta) and gus (gamma) are members.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import posts
from fedcop.store import posts as post_store
from tests.live_node import LiveNode
from tests.mail.inbound_world import (
    kept,
    mail_listener,
    message,
    read_mail,
    reply_address_for,
    send,
    set_email,
)
from tests.scene import settle, stored, three_nodes

QUOTED_REPLY = """\
Yes: we keep the raw files for ten years, then review.

Bea

On Mon, 7 Dec 2026 at 10:02, Fa <fa@alpha.test> wrote:
> How long do you keep raw data?
> Asking for the retention policy.
"""

# "-- " with its trailing space: the signature separator of RFC 3676.
SIGNED_REPLY = "We use the same schedule.\n-- \nFa Facilitator | Data Stewards\n"


async def _thread(alpha: LiveNode) -> posts.Post:
    return await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=f"{alpha.base}/c/stewards",
        title="Retention of raw data", content="How long do you keep raw data?",
    )  # fmt: skip


async def _post(node: LiveNode, post_id: int | None) -> posts.Post:
    assert post_id is not None
    async with node.pool.acquire() as conn:
        found = await post_store.find(conn, post_id)
    assert found is not None
    return found


@pytest.mark.parametrize("lmtp", [False, True], ids=["smtp", "lmtp"])
async def test_a_reply_by_mail_to_another_nodes_thread_reaches_every_node(
    pg_cluster: EmbeddedPostgres, lmtp: bool
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        thread = await _thread(alpha)
        await settle(alpha, beta, gamma)
        on_beta = await stored(beta, thread.uri)
        bea = await set_email(beta, "bea", "Bea@Example.org")
        address = await reply_address_for(beta, bea, on_beta.id)
        async with mail_listener(beta, lmtp=lmtp) as port:
            raw = message(
                "Bea <bea@example.org>", address, "Re: Retention of raw data", QUOTED_REPLY
            )
            await send(port, raw, "bea@example.org", address, lmtp=lmtp)
        assert await read_mail(beta) == 1
        [mail] = await kept(beta)
        assert mail.state == "posted", mail.reason
        reply = await _post(beta, mail.post_id)
        assert reply.in_reply_to_uri == thread.uri
        assert reply.source == "Yes: we keep the raw files for ten years, then review.\n\nBea"
        await settle(alpha, beta, gamma)
        for node in (alpha, gamma):
            copy = await stored(node, reply.uri)
            assert copy is not None, f"the reply did not reach {node.base}"
            assert "ten years" in copy.content
            assert "retention policy" not in copy.content
            assert "wrote" not in copy.content


async def test_a_reply_by_mail_in_the_nodes_own_community_loses_its_signature(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        thread = await _thread(alpha)
        await settle(alpha, beta, gamma)
        fa = await set_email(alpha, "fa", "fa@example.org")
        address = await reply_address_for(alpha, fa, thread.id)
        async with mail_listener(alpha) as port:
            await send(
                port,
                message("fa@example.org", address, "Re: x", SIGNED_REPLY),
                "fa@example.org",
                address,
            )
        await read_mail(alpha)
        [mail] = await kept(alpha)
        reply = await _post(alpha, mail.post_id)
        assert reply.source == "We use the same schedule."
        await settle(alpha, beta, gamma)
        assert await stored(gamma, reply.uri) is not None


async def test_writing_to_the_community_address_starts_a_thread(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        await set_email(alpha, "fa", "fa@example.org")
        async with mail_listener(alpha) as port:
            address = f"stewards@{alpha.config.reply_mail_domain}"
            raw = message("fa@example.org", address, "Metadata schemas", "Which do you use?")
            await send(port, raw, "fa@example.org", address)
        await read_mail(alpha)
        [mail] = await kept(alpha)
        assert mail.state == "posted", mail.reason
        thread = await _post(alpha, mail.post_id)
        assert thread.title == "Metadata schemas"
        await settle(alpha, beta, gamma)
        copy = await stored(gamma, thread.uri)
        assert copy is not None and copy.title == "Metadata schemas"


async def test_a_relay_attempt_is_refused_at_rcpt(pg_cluster: EmbeddedPostgres) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        async with mail_listener(alpha) as port:
            raw = message("spam@example.net", "victim@example.com", "hi", "buy")
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                await send(port, raw, "spam@example.net", "victim@example.com")
        code, text = refused.value.recipients["victim@example.com"]
        assert code == 550 and b"relaying denied" in text
        assert await kept(alpha) == []


async def test_a_message_past_the_size_limit_is_refused_and_not_kept(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        address = f"stewards@{alpha.config.reply_mail_domain}"
        huge = message("fa@example.org", address, "Big", "x" * (2 * 1024 * 1024))
        async with mail_listener(alpha) as port:
            with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
                await send(port, huge, "fa@example.org", address)
        assert refused.value.smtp_code == 552
        assert await kept(alpha) == []


async def test_an_html_reply_with_an_attachment_posts_the_text_and_records_the_attachment(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        thread = await _thread(alpha)
        fa = await set_email(alpha, "fa", "fa@example.org")
        address = await reply_address_for(alpha, fa, thread.id)
        mail = EmailMessage()
        mail["From"] = "fa@example.org"
        mail["To"] = address
        mail["Subject"] = "Re: Retention of raw data"
        mail["Message-ID"] = "<html-reply@example.org>"
        mail.set_content(
            "<p>Our schedule is <em>attached</em>.</p>"
            '<div class="gmail_quote">On Mon, Fa wrote:<blockquote>How long?</blockquote></div>',
            subtype="html",
        )
        mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf", filename="s.pdf")
        async with mail_listener(alpha) as port:
            await send(port, bytes(mail), "fa@example.org", address)
        await read_mail(alpha)
        [kept_mail] = await kept(alpha)
        assert (kept_mail.state, kept_mail.reason) == ("posted", "1 attachment(s) not posted")
        reply = await _post(alpha, kept_mail.post_id)
        assert reply.source == "Our schedule is *attached*."
        assert reply.attachments == []


async def test_lmtp_answers_once_per_recipient_and_keeps_one_row_each(
    pg_cluster: EmbeddedPostgres,
) -> None:
    # Postfix's lmtp: transport hands one message for several recipients at once (RFC 2033).
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        domain = alpha.config.reply_mail_domain
        async with mail_listener(alpha, lmtp=True) as port:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)

            async def answer() -> list[bytes]:
                lines = [await reader.readline()]
                while lines[-1][3:4] == b"-":
                    lines.append(await reader.readline())
                return lines

            await answer()
            commands = [
                b"LHLO mx.example.org",
                b"MAIL FROM:<fa@example.org>",
                f"RCPT TO:<stewards@{domain}>".encode(),
                b"RCPT TO:<elsewhere@example.com>",
                f"RCPT TO:<nobody@{domain}>".encode(),
                b"DATA",
            ]
            answers = []
            for command in commands:
                writer.write(command + b"\r\n")
                await writer.drain()
                answers.append((await answer())[-1][:3])
            assert answers == [b"250", b"250", b"250", b"550", b"250", b"354"]
            writer.write(b"Message-ID: <two@example.org>\r\nSubject: x\r\n\r\nhi\r\n.\r\n")
            await writer.drain()
            per_recipient = [(await answer())[0][:3], (await answer())[0][:3]]
            assert per_recipient == [b"250", b"250"]
            writer.write(b"QUIT\r\n")
            await writer.drain()
            writer.close()
        assert sorted(mail.recipients[0] for mail in await kept(alpha)) == [
            f"nobody@{domain}",
            f"stewards@{domain}",
        ]
