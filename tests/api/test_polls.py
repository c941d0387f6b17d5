"""Polls from a real Mastodon client library (Mastodon.py), over a node on a loopback socket.

POST /api/v1/statuses   poll[options][], poll[expires_in], poll[multiple], poll[hide_totals]
GET  /api/v1/polls/:id
POST /api/v1/polls/:id/votes   choices[]
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mastodon import MastodonAPIError

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from fedcop.services.polls import upkeep
from tests.api.test_mastodon_py import in_thread, sign_in_with_mastodon_py
from tests.conftest import fresh_database
from tests.live_node import live_node

AP = {"Accept": "application/activity+json"}
PASSWORD = "correct horse battery"


async def test_mastodon_py_creates_a_poll_and_votes(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        for name in ("alice", "bob", "carol"):
            await accounts.create_user(home.pool, home.config, name, PASSWORD)
        await accounts.create_community(
            home.pool, home.config, "librarians", title="City Librarians", owner="alice"
        )
        alice = await in_thread(sign_in_with_mastodon_py, home.base, "alice", PASSWORD)
        bob = await in_thread(sign_in_with_mastodon_py, home.base, "bob", PASSWORD)
        carol = await in_thread(sign_in_with_mastodon_py, home.base, "carol", PASSWORD)
        # Given alice asks which days suit, several choices allowed
        poll = alice.make_poll(["Monday", "Wednesday", "Friday"], expires_in=3600, multiple=True)
        status = await in_thread(alice.status_post, "@librarians Meetup day?\nPick any.", poll=poll)
        assert status.poll is not None and status.poll.multiple is True
        assert [o.title for o in status.poll.options] == ["Monday", "Wednesday", "Friday"]
        assert status.poll.expired is False and status.poll.voted is False
        # When bob votes for two days
        voted = await in_thread(bob.poll_vote, status.poll.id, [0, 2])
        # Then his app shows his choices and the counts
        assert voted.voted is True and voted.own_votes == [0, 2]
        assert [o.votes_count for o in voted.options] == [1, 0, 1]
        assert (voted.votes_count, voted.voters_count) == (2, 1)
        # and alice's app reads them, in the poll and in her status
        seen = await in_thread(alice.poll, status.poll.id)
        assert [o.votes_count for o in seen.options] == [1, 0, 1] and seen.voted is False
        again = await in_thread(alice.status, status.id)
        assert [o.votes_count for o in again.poll.options] == [1, 0, 1]
        # and the thread on the wire is a Question with anyOf
        document = (await home.get(f"/p/{status.id}", headers=AP)).json()
        assert document["type"] == "Question"
        assert [o["replies"]["totalItems"] for o in document["anyOf"]] == [1, 0, 1]

        # Votes the poll refuses answer 422 and change nothing
        for refusal, who, choices in (
            ("already", bob, [2]),  # bob chose Friday already (one vote per person and option)
            ("author", alice, [0]),  # the author does not vote in her own poll
            ("option", carol, [7]),  # no such option
            ("choose", carol, []),  # nothing chosen
        ):
            with pytest.raises(MastodonAPIError) as refused:
                await in_thread(who.poll_vote, status.poll.id, choices)
            assert refused.value.args[1] == 422, refusal
        assert [o.votes_count for o in (await in_thread(alice.poll, status.poll.id)).options] == [
            1,
            0,
            1,
        ]

        # A single-choice poll with hidden totals: carol's vote is hers to see, the counts not
        hidden = alice.make_poll(["Yes", "No"], expires_in=600, hide_totals=True)
        secret = await in_thread(alice.status_post, "@librarians Keep the archive?", poll=hidden)
        with pytest.raises(MastodonAPIError) as several:
            await in_thread(carol.poll_vote, secret.poll.id, [0, 1])
        assert several.value.args[1] == 422
        mine = await in_thread(carol.poll_vote, secret.poll.id, [1])
        assert mine.own_votes == [1] and [o.votes_count for o in mine.options] == [None, None]
        assert mine.voters_count == 1

        # A reply carries no poll; a poll needs two options and a duration within limits
        for bad in (
            {"in_reply_to_id": status.id, "poll": alice.make_poll(["a", "b"], expires_in=600)},
            {"poll": alice.make_poll(["only"], expires_in=600)},
            {"poll": alice.make_poll(["a", "b"], expires_in=10)},
        ):
            with pytest.raises(MastodonAPIError) as refused:
                await in_thread(alice.status_post, "@librarians More?", **bad)
            assert refused.value.args[1] == 422
        # When the first poll ends (the inbox worker's upkeep, moved past its end), bob is told
        # and alice too, in their apps, with the poll as it ended
        assert await upkeep.run(home.pool, home.config, datetime.now(UTC) + timedelta(hours=2))
        # (both of alice's polls have ended by then; bob voted in the first one only)
        for who, polls in ((bob, {status.id}), (alice, {status.id, secret.id})):
            told = [n for n in await in_thread(who.notifications) if n.type == "poll"]
            assert {n.status.id for n in told} == polls
            assert all(n.status.poll.expired and n.account.acct == "alice" for n in told)
        ended = await in_thread(bob.poll, status.poll.id)
        assert ended.expired is True and ended.own_votes == [0, 2]
        with pytest.raises(MastodonAPIError) as late:
            await in_thread(carol.poll_vote, status.poll.id, [1])
        assert late.value.args[1] == 422
        # A poll nobody may read is not found
        with pytest.raises(MastodonAPIError) as missing:
            await in_thread(bob.poll, "12345")
        assert missing.value.args[1] == 404
