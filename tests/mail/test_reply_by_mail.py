"""Replying by mail: through `fedcop mail` on a real socket, into the thread, out to other nodes.

alpha has the community "stewards" and its facilitator fa; bea (beta) and gus (gamma) are members.
"""

from __future__ import annotations

import smtplib

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
