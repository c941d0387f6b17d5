"""A poll's properties in the documents of its thread, written here (documents.polls)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.documents.polls import POLL_CONTEXT, poll_fields
from fedcop.store.polls import polls as poll_store
from fedcop.store.posts import Post


async def add_poll(conn: asyncpg.Connection, post: Post, document: dict[str, Any]) -> None:
    """A thread written here with a poll gets its options, counts and end (in place)."""
    if post.object_type != "Question" or document.get("type") != "Question":
        return
    poll = await poll_store.find(conn, post.id)
    if poll is None:
        return
    document.update(poll_fields(poll, datetime.now(UTC)))
    context = document.get("@context")
    if isinstance(context, list) and POLL_CONTEXT not in context:
        document["@context"] = [*context, POLL_CONTEXT]
