"""Mail that must never become a post: refused or dropped, with the reason kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.mail import reply_addresses
from fedcop.services import accounts, follows, moderation, posts
from fedcop.services.mail import inbound, inbound_report
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
from tests.scene import settle, stored, three_nodes


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
        # The operator reads the reasons in `fedcop admin queue`.
        report = await inbound_report.lines(alpha.pool)
        assert report[0] == "inbound mail waiting 0, posted 0, refused 5, dropped 0, bounce 0"
        assert any(line.endswith("refused: reply address forged") for line in report)
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


async def test_a_locked_thread_and_a_ban_hold_for_replies_by_mail(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, beta, gamma):
        locked = await _thread(alpha)
        open_thread = await _thread(alpha)
        community = f"{alpha.base}/c/stewards"
        network = alpha.app.state.network
        await moderation.act(
            alpha.pool, alpha.config, network, moderator="fa", community_uri=community,
            action=moderation.Action("lock", locked.uri),
        )  # fmt: skip
        await settle(alpha, beta, gamma)
        bea = await set_email(beta, "bea", "bea@example.org")
        on_beta = await stored(beta, locked.uri)
        address = await reply_address_for(beta, bea, on_beta.id)
        state, reason = await _deliver(
            beta, message("bea@example.org", address, "Re", "Late."), "bea@example.org", address
        )
        assert state == "refused" and "locked" in reason

        await moderation.act(
            alpha.pool, alpha.config, network, moderator="fa", community_uri=community,
            action=moderation.Action("ban", f"{beta.base}/u/bea", "off topic"),
        )  # fmt: skip
        await settle(alpha, beta, gamma)
        on_beta = await stored(beta, open_thread.uri)
        address = await reply_address_for(beta, bea, on_beta.id)
        state, reason = await _deliver(
            beta, message("bea@example.org", address, "Re", "Again."), "bea@example.org", address
        )
        assert state == "refused" and "banned" in reason
        assert await _reply_count(beta, on_beta.id) == 0


async def test_with_a_trusted_mail_server_only_authenticated_senders_post(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        thread = await _thread(alpha)
        fa = await set_email(alpha, "fa", "fa@example.org")
        address = await reply_address_for(alpha, fa, thread.id)
        network = alpha.app.state.network
        cases = [
            # Written by another server, or a forger: not the trusted one's word.
            ("mx.elsewhere.net; dmarc=pass header.from=example.org", "refused"),
            ("mx.alpha.test; dkim=fail header.d=example.org; spf=softfail", "refused"),
            ("mx.alpha.test; dkim=pass header.d=other.example; spf=none", "refused"),
            ("mx.alpha.test; dkim=pass header.d=example.org; spf=none", "posted"),
            ("mx.alpha.test; spf=pass smtp.mailfrom=fa@example.org", "posted"),
        ]
        async with mail_listener(alpha) as port:
            for results, _ in cases:
                raw = message(
                    "fa@example.org", address, "Re", "Authenticated?",
                    Authentication_Results=results,
                )  # fmt: skip
                await send(port, raw, "fa@example.org", address)
        await inbound.run_once(
            alpha.pool, alpha.config, network, trusted_authserv_id="mx.alpha.test"
        )
        states = [mail.state for mail in await kept(alpha)]
        assert states == [state for _, state in cases]
        reasons = [mail.reason or "" for mail in await kept(alpha)]
        assert reasons[0] == "no Authentication-Results from mx.alpha.test"
        assert await _reply_count(alpha, thread.id) == 2


async def test_a_member_who_left_a_members_only_community_posts_nothing_by_mail(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        network = alpha.app.state.network
        await accounts.create_community(
            alpha.pool, alpha.config, "circle", title="Inner circle", owner="fa", private=True
        )
        circle = f"{alpha.base}/c/circle"
        await accounts.create_user(alpha.pool, alpha.config, "ann", "long enough")
        await follows.join(alpha.pool, alpha.config, network, "ann", circle)
        await follows.decide_request(
            alpha.pool, alpha.config, "circle", f"{alpha.base}/u/ann", approve=True
        )
        thread = await posts.write(
            alpha.pool, alpha.config, network,
            author="ann", community_uri=circle, title="Private", content="Between us.",
        )  # fmt: skip
        ann = await set_email(alpha, "ann", "ann@example.org")
        address = await reply_address_for(alpha, ann, thread.id)
        raw = message("ann@example.org", address, "Re", "Still here.")
        state, reason = await _deliver(alpha, raw, "ann@example.org", address)
        assert state == "posted", reason
        await follows.leave(alpha.pool, alpha.config, "ann", circle)
        raw = message("ann@example.org", address, "Re", "Gone, yet writing.")
        state, reason = await _deliver(alpha, raw, "ann@example.org", address)
        assert (state, reason) == ("refused", "the sender is no longer a member of circle")
        assert await _reply_count(alpha, thread.id) == 1


async def test_messages_read_a_month_ago_are_forgotten(pg_cluster: EmbeddedPostgres) -> None:
    async with three_nodes(pg_cluster) as (alpha, _beta, _gamma):
        address = f"stewards@{alpha.config.reply_mail_domain}"
        for subject in ("old", "recent"):
            raw = message("nobody@example.org", address, subject, "Hi")
            await _deliver(alpha, raw, "nobody@example.org", address)
        first = (await kept(alpha))[0]
        async with alpha.pool.acquire() as conn:
            await conn.execute(
                "UPDATE inbound_mail SET processed_at = now() - interval '31 days' WHERE id = $1",
                first.id,
            )
        assert await read_mail(alpha) == 0
        assert [mail.id for mail in await kept(alpha)] == [first.id + 1]
