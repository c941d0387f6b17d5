"""Mailing-list mode across servers: a reply written on another node reaches a member here as
one message, threaded under the thread's own Message-ID."""

from __future__ import annotations

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.mail.mail_world import choose, give_address, send_all, text_of
from tests.scene import settle
from tests.smtp_server import smtp_server


async def test_a_reply_from_another_node_reaches_a_list_member_threaded(
    pg_cluster: EmbeddedPostgres,
) -> None:
    with smtp_server() as smtp:
        async with (
            fresh_database(pg_cluster) as alpha_dsn,
            fresh_database(pg_cluster) as beta_dsn,
            live_node(
                alpha_dsn, "alpha", mail_from="cop@alpha.test", **smtp.config_overrides()
            ) as alpha,
            live_node(beta_dsn, "beta") as beta,
        ):
            await accounts.create_user(alpha.pool, alpha.config, "ann", "long enough")
            await accounts.create_community(
                alpha.pool, alpha.config, "garden", title="Gardeners", owner="ann"
            )
            lis = await accounts.create_user(alpha.pool, alpha.config, "lis", "long enough")
            await give_address(alpha.pool, "lis", "lis@example.org")
            garden = f"{alpha.base}/c/garden"
            await follows.join(alpha.pool, alpha.config, alpha.app.state.network, "lis", garden)
            await choose(alpha.pool, alpha.config, lis.id, "garden", "every")
            await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
            await follows.follow_remote(
                beta.pool, beta.config, beta.app.state.network, "bea", garden
            )
            await settle(alpha, beta)
            thread = await posts.write(
                alpha.pool, alpha.config, alpha.app.state.network, author="ann",
                community_uri=garden, title="Tomatoes in winter", content="<p>How?</p>",
            )  # fmt: skip
            await settle(alpha, beta)
            await send_all(alpha.app)
            first = smtp.only_message_to("lis@example.org")
            assert first["Message-ID"] == f"<thread-{thread.id}@alpha.test>"
            smtp.received.clear()

            # When bea replies on beta
            await posts.write(
                beta.pool, beta.config, beta.app.state.network, author="bea",
                community_uri=garden, in_reply_to=thread.uri, content="<p>Cover them.</p>",
            )  # fmt: skip
            await settle(alpha, beta)
            await send_all(alpha.app)

            # Then lis receives it once, threaded under the thread's message
            reply = smtp.only_message_to("lis@example.org")
            assert len(smtp.received) == 1
            assert reply["Subject"] == "Re: [Gardeners] Tomatoes in winter"
            assert reply["In-Reply-To"] == f"<thread-{thread.id}@alpha.test>"
            assert reply["References"] == f"<thread-{thread.id}@alpha.test>"
            assert reply["List-Id"] == '"Gardeners" <garden.alpha.test>'
            assert "Cover them." in text_of(reply)
            assert "bea@beta.test" in text_of(reply)
