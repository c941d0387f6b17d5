"""Polls from elsewhere: a received Question's options and counts, kept with its post, and the
counts its author's server sends again in Updates (as votes come in, and when it closes)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.documents.polls import read_poll
from fedcop.store.polls import polls as poll_store
from fedcop.store.polls import upkeep as upkeep_store
from fedcop.store.polls import votes as vote_store
from fedcop.store.posts import Post
from federation.vocab import has_type


async def keep(conn: asyncpg.Connection, post: Post, document: dict[str, Any]) -> None:
    """A received thread that is a Question with options: its poll is kept with it (a
    Question without options, or a reply, is an ordinary post)."""
    if post.thread_id is not None or not has_type(document, "Question"):
        return
    poll = read_poll(document)
    if poll is None:
        return
    await poll_store.insert(
        conn,
        post.id,
        titles=poll.titles,
        multiple=poll.multiple,
        # A server that hides its counts until the end sends none: shown as hidden here too.
        hide_totals=not poll.closed and all(count is None for count in poll.counts),
        ends_at=poll.ends_at,
        closed_at=(poll.ends_at or datetime.now(UTC)) if poll.closed else None,
        counts=[count or 0 for count in poll.counts],
        voters_count=poll.voters_count or 0,
    )


async def apply_update(conn: asyncpg.Connection, post: Post, document: dict[str, Any]) -> None:
    """Its author's Update of a poll kept here: the counts, voters and end it sends. Options
    are never renamed by an Update (Mastodon's poll edits reset its votes: a new poll)."""
    if not has_type(document, "Question"):
        return
    poll = read_poll(document)
    kept = await poll_store.find(conn, post.id)
    if poll is None:
        return
    if kept is None:
        await keep(conn, post, document)
        return
    titles = [option.title for option in kept.options]
    counts = [
        poll.counts[poll.titles.index(title)] if title in poll.titles else None for title in titles
    ]
    await poll_store.set_received_counts(
        conn,
        post.id,
        counts=counts,
        voters_count=poll.voters_count,
        ends_at=poll.ends_at,
        closed=poll.closed,
    )
    if poll.closed and kept.closed_at is None:
        # Its server says it ended (maybe before its endTime here): the voters here are told.
        voters = await vote_store.local_voters(conn, post.id)
        await upkeep_store.tell_ended(conn, post.id, post.author_id, voters)
