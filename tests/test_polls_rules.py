"""Who may vote, on one node with its real database: a members-only community's polls are its
members', a Closed community's polls take no votes, a deleted thread's poll neither; a poll
from elsewhere that says only `closed: true` is over."""

from __future__ import annotations

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, lifecycle, post_changes, posts
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.polls import received, voting
from fedcop.services.polls.drafts import PollDraft
from fedcop.store import users as user_store
from fedcop.store.polls import polls as poll_store
from tests.conftest import fresh_database
from tests.live_node import live_node

PASSWORD = "long enough"


async def test_who_may_vote(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        pool, config, network = node.pool, node.config, node.app.state.network
        for name in ("fa", "ann", "sol"):
            await accounts.create_user(pool, config, name, PASSWORD)
        clinic = await accounts.create_community(
            pool, config, "clinic", title="Clinicians", owner="fa", private=True
        )
        open_one = await accounts.create_community(
            pool, config, "stewards", title="Stewards", owner="fa"
        )
        await follows.join(pool, config, network, "ann", clinic.uri)  # a request, not accepted
        await follows.join(pool, config, network, "sol", open_one.uri)
        async with pool.acquire() as conn:
            fa, ann, sol = [await user_store.find_by_name(conn, n) for n in ("fa", "ann", "sol")]
        assert fa is not None and ann is not None and sol is not None

        def poll() -> PollDraft:
            return PollDraft(["Yes", "No"], 3600)

        private = await posts.write(
            pool, config, network, author="fa", community_uri=clinic.uri,
            title="Night shifts?", content="Vote.", poll=poll(),
        )  # fmt: skip
        # ann is not (yet) a member: she cannot even see it; nor can she vote
        with pytest.raises(NotFound):
            await voting.vote(pool, config, ann, private.id, [0])
        # A Closed community's poll takes no vote
        public = await posts.write(
            pool, config, network, author="fa", community_uri=open_one.uri,
            title="Archive format?", content="Vote.", poll=poll(),
        )  # fmt: skip
        await lifecycle.set_stage(pool, config, "stewards", fa, "Closed")
        with pytest.raises(InvalidInput, match=r"[Cc]losed"):
            await voting.vote(pool, config, sol, public.id, [1])
        # A deleted thread's poll takes none either
        await lifecycle.set_stage(pool, config, "stewards", fa, "Grow")
        await post_changes.delete(pool, config, author="fa", post_uri=public.uri)
        with pytest.raises(NotFound):
            await voting.vote(pool, config, sol, public.id, [1])
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM poll_votes") == 0

            # A poll from elsewhere that only says `closed: true` is over from the start
            document = {
                "type": "Question",
                "oneOf": [{"type": "Note", "name": "a"}, {"type": "Note", "name": "b"}],
                "closed": True,
            }
            remote = await posts.write(
                pool, config, network, author="sol", community_uri=open_one.uri,
                title="Stand-in", content="A post to hang a received poll on.",
            )  # fmt: skip
            await received.keep(conn, remote, document)
            over = await poll_store.find(conn, remote.id)
        assert over is not None and over.closed_at is not None
        assert [o.title for o in over.options] == ["a", "b"]
