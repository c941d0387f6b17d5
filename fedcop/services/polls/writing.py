"""The poll of a thread written here, stored with it in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg

from fedcop.services.polls.drafts import PollDraft
from fedcop.store.polls import polls as poll_store


async def attach(conn: asyncpg.Connection, post_id: int, draft: PollDraft) -> None:
    """Store the (checked) poll of a new thread: it ends `expires_in` seconds from now."""
    await poll_store.insert(
        conn,
        post_id,
        titles=draft.options,
        multiple=draft.multiple,
        hide_totals=draft.hide_totals,
        ends_at=draft.ends_at(datetime.now(UTC)),
    )
