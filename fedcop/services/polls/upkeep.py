"""What the inbox worker does for polls after each batch (`run`), without any timer:

    counts due  -> a poll written here whose votes changed: the Update of its thread, carrying
                   the new counts, to its community (which relays it) and to the servers of the
                   people elsewhere who voted; at most one a minute per poll (store.polls.upkeep)
    ended       -> a poll written here: closed, its final counts (hidden ones shown at last)
                   sent the same way; any poll: the people here who voted, and its author if
                   here, are told ('poll' notification)

`now` is for tests, which move time forward instead of waiting.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.services import outbox, post_delivery, relay
from fedcop.services.polls.voting import written_here
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.polls import upkeep as upkeep_store
from fedcop.store.polls import votes as vote_store


async def run(pool: Any, config: Config, now: datetime | None = None) -> int:
    """Send the counts due and handle the polls that ended; how many polls were handled."""
    moment = now or datetime.now(UTC)
    return await send_counts_due(pool, config, moment) + await close_ended(pool, config, moment)


async def send_counts_due(pool: Any, config: Config, now: datetime) -> int:
    async with pool.acquire() as conn, conn.transaction():
        due = await upkeep_store.claim_updates_due(conn, now)
        for post_id in due:
            await _send_update(conn, config, post_id)
            await upkeep_store.counts_sent(conn, post_id, now)
    return len(due)


async def close_ended(pool: Any, config: Config, now: datetime) -> int:
    async with pool.acquire() as conn, conn.transaction():
        ended = await upkeep_store.claim_ended(conn, now)
        for post_id in ended:
            await upkeep_store.mark_closed(conn, post_id, now)
            post = await post_store.find(conn, post_id)
            if post is None:
                continue
            if written_here(config, post) and not post.is_gone:
                await _send_update(conn, config, post_id)
            voters = await vote_store.local_voters(conn, post_id)
            await upkeep_store.tell_ended(conn, post_id, post.author_id, voters)
    return len(ended)


async def _send_update(conn: asyncpg.Connection, config: Config, post_id: int) -> None:
    """The Update of a poll's thread written here, as its author's edit would go, and to the
    people elsewhere who voted (Mastodon sends them its polls' counts the same way)."""
    post = await post_store.find(conn, post_id)
    if post is None or post.is_gone or post.community_id is None:
        return
    author = await actor_store.find_by_id(conn, post.author_id)
    community = await actor_store.find_by_id(conn, post.community_id)
    if author is None or community is None:
        return
    update = await post_delivery.publish(conn, config, "Update", post, author, community)
    if community.is_local:
        await relay.relay(conn, config, community, update)
    voters = await vote_store.remote_voter_inboxes(conn, post_id)
    if voters:
        document = await post_delivery.served_in(conn, config, post, author, community)
        await outbox.publish(
            conn,
            config,
            author,
            {
                "@context": document["@context"],
                "type": "Update",
                "object": {k: v for k, v in document.items() if k != "@context"},
                "to": document["to"],
                "cc": document["cc"],
            },
            voters,
            members_of=outbox.readers(community),
        )
