"""An answer accepted on the community's node reaches the asker's mailbox on the asker's own
node: the facilitator's Update, announced by the community, is told by mail as an answer
accepted here would be."""

from __future__ import annotations

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts, questions
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.mail.mail_world import give_address, send_all, text_of
from tests.scene import settle
from tests.smtp_server import smtp_server


async def test_the_asker_elsewhere_is_mailed_when_a_facilitator_accepts_an_answer(
    pg_cluster: EmbeddedPostgres,
) -> None:
    with smtp_server() as smtp:
        async with (
            fresh_database(pg_cluster) as alpha_dsn,
            fresh_database(pg_cluster) as beta_dsn,
            live_node(alpha_dsn, "alpha") as alpha,
            live_node(
                beta_dsn, "beta", mail_from="cop@beta.test", **smtp.config_overrides()
            ) as beta,
        ):
            # Given fa's community on alpha, with ann (beta, her address confirmed) a member
            await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
            await accounts.create_community(
                alpha.pool, alpha.config, "garden", title="Gardeners", owner="fa"
            )
            garden = f"{alpha.base}/c/garden"
            await accounts.create_user(beta.pool, beta.config, "ann", "long enough")
            await give_address(beta.pool, "ann", "ann@example.org")
            await follows.follow_remote(
                beta.pool, beta.config, beta.app.state.network, "ann", garden
            )
            await settle(alpha, beta)
            # and ann's question on beta, answered by fa on alpha
            asked = await posts.write(
                beta.pool, beta.config, beta.app.state.network, author="ann",
                community_uri=garden, title="Frost cloth?", content="Which weight?",
                question=True,
            )  # fmt: skip
            await settle(alpha, beta)
            on_alpha = await posts_here(alpha, asked.uri)
            answer = await posts.write(
                alpha.pool, alpha.config, alpha.app.state.network, author="fa",
                community_uri=garden, in_reply_to=asked.uri, content="30 g/m2.",
            )  # fmt: skip
            await settle(alpha, beta)
            await send_all(beta.app)
            smtp.received.clear()

            # When fa, facilitator, accepts his answer on alpha
            await questions.accept(
                alpha.pool, alpha.config, by="fa", thread_id=on_alpha, answer_id=answer.id
            )
            await settle(alpha, beta)
            await send_all(beta.app)

            # Then ann's node mails her that her question has an accepted answer
            told = smtp.only_message_to("ann@example.org")
            assert 'Your question "Frost cloth?" has an accepted answer.' in text_of(told)
            assert "Frost cloth?" in told["Subject"]


async def posts_here(node: LiveNode, uri: str) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT id FROM posts WHERE uri = $1", uri))
