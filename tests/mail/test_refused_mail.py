"""Mail that must never become a post: refused or dropped, with the reason kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.mail import reply_addresses
from fedcop.services import accounts, posts
from fedcop.services.mail import inbound
from fedcop.store.users import set_state
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
from tests.scene import settle, three_nodes


async def _thread(alpha: LiveNode) -> posts.Post:
    return await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=f"{alpha.base}/c/stewards",
        title="Retention", content="How long do you keep raw data?",
    )  # fmt: skip


async def _reply_count(node: LiveNode, thread_id: int) -> int:
    async with node.pool.acquire() as conn:
        return int(
            await conn.fetchval("SELECT count(*) FROM posts WHERE thread_id = $1", thread_id)
        )


async def _deliver(node: LiveNode, raw: bytes, sender: str, recipient: str) -> tuple[str, str]:
    async with mail_listener(node) as port:
        await send(port, raw, sender, recipient)
    await read_mail(node)
    last = (await kept(node))[-1]
    return last.state, last.reason or ""


async def test_forged_expired_and_mismatched_replies_are_refused(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        thread = await _thread(alpha)
        fa = await set_email(alpha, "fa", "fa@example.org")
        domain = alpha.config.reply_mail_domain
        good = await reply_address_for(alpha, fa, thread.id)
        body = "I would post this."

        forged = reply_addresses.reply_address("another node's secret", fa, thread.id, domain)
        state, reason = await _deliver(
            alpha, message("fa@example.org", forged, "Re", body), "fa@example.org", forged
        )
        assert (state, reason) == ("refused", "reply address forged")

        secret = await inbound.mail_secret(alpha.pool)
        old = reply_addresses.reply_address(
            secret, fa, thread.id, domain, now=datetime.now(UTC) - timedelta(days=90)
        )
        state, reason = await _deliver(
            alpha, message("fa@example.org", old, "Re", body), "fa@example.org", old
        )
        assert (state, reason) == ("refused", "reply address expired")

        state, reason = await _deliver(
            alpha, message("mallory@example.net", good, "Re", body), "mallory@example.net", good
        )
        assert state == "refused"
        assert reason == "sender mallory@example.net is not the member's confirmed address"

        await set_email(alpha, "fa", "fa@example.org", confirmed=False)
        state, reason = await _deliver(
            alpha, message("fa@example.org", good, "Re", body), "fa@example.org", good
        )
        assert (state, reason) == ("refused", "the member has no confirmed email address")

        await set_email(alpha, "fa", "fa@example.org")
        async with alpha.pool.acquire() as conn:
            await set_state(conn, fa, "suspended")
        state, reason = await _deliver(
            alpha, message("fa@example.org", good, "Re", body), "fa@example.org", good
        )
        assert (state, reason) == ("refused", "the member's account is suspended")

        assert await _reply_count(alpha, thread.id) == 0
        await settle(alpha, beta, gamma)


async def test_a_non_member_cannot_start_a_thread_by_mail(pg_cluster: EmbeddedPostgres) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        await accounts.create_user(alpha.pool, alpha.config, "outsider", "long enough")
        await set_email(alpha, "outsider", "out@example.org")
        address = f"stewards@{alpha.config.reply_mail_domain}"
        state, reason = await _deliver(
            alpha,
            message("out@example.org", address, "Hello", "Hi all"),
            "out@example.org",
            address,
        )
        assert (state, reason) == ("refused", "the sender is not a member of stewards")
        state, reason = await _deliver(
            alpha,
            message("nobody@example.org", address, "Hello", "Hi all"),
            "nobody@example.org",
            address,
        )
        assert (state, reason) == ("refused", "sender nobody@example.org is no member here")


async def test_auto_replies_are_dropped(pg_cluster: EmbeddedPostgres) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        thread = await _thread(alpha)
        fa = await set_email(alpha, "fa", "fa@example.org")
        address = await reply_address_for(alpha, fa, thread.id)
        away = "I am away until Monday."
        for headers, expected in (
            ({"Auto_Submitted": "auto-replied"}, "auto-reply (Auto-Submitted: auto-replied)"),
            ({"X_Autoreply": "yes"}, "auto-reply (X-Autoreply)"),
            ({"Precedence": "bulk"}, "auto-reply (Precedence: bulk)"),
        ):
            raw = message("fa@example.org", address, "Out of office", away, **headers)
            state, reason = await _deliver(alpha, raw, "fa@example.org", address)
            assert (state, reason) == ("dropped", expected)
        # A vacation subject alone is a person writing about holidays: it is posted.
        raw = message("fa@example.org", address, "Out of office", "Who covers for me?")
        state, _ = await _deliver(alpha, raw, "fa@example.org", address)
        assert state == "posted"
        assert await _reply_count(alpha, thread.id) == 1


async def test_a_message_kept_twice_is_read_once(pg_cluster: EmbeddedPostgres) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        thread = await _thread(alpha)
        fa = await set_email(alpha, "fa", "fa@example.org")
        address = await reply_address_for(alpha, fa, thread.id)
        raw = message("fa@example.org", address, "Re", "Once only.")
        async with mail_listener(alpha) as port:
            await send(port, raw, "fa@example.org", address)
            await send(port, raw, "fa@example.org", address)
        assert await read_mail(alpha) == 1
        assert await _reply_count(alpha, thread.id) == 1
