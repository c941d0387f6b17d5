"""A poll as a person sees it, for the thread's page and the client API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fedcop.store.polls import polls as poll_store
from fedcop.store.polls import votes as vote_store
from fedcop.store.polls.polls import Poll


@dataclass(frozen=True)
class PollView:
    poll: Poll
    ended: bool
    # Counts are shown: the poll has ended, or its totals are not hidden.
    shows_counts: bool
    # The positions the viewer chose; None for nobody signed in.
    own_choices: list[int] | None

    @property
    def votes_count(self) -> int:
        return sum(option.votes_count for option in self.poll.options)

    @property
    def voted(self) -> bool:
        return bool(self.own_choices)


def view_of(poll: Poll, choices: list[int] | None, now: datetime) -> PollView:
    ended = poll.has_ended(now)
    return PollView(poll, ended, ended or not poll.hide_totals, choices)


async def views(pool: Any, viewer_id: int | None, post_ids: list[int]) -> dict[int, PollView]:
    """The polls of those posts that carry one, as `viewer_id` sees them, by post."""
    if not post_ids:
        return {}
    now = datetime.now(UTC)
    async with pool.acquire() as conn:
        polls = await poll_store.find_many(conn, post_ids)
        chosen = (
            await vote_store.choices_of_many(conn, list(polls), viewer_id)
            if polls and viewer_id is not None
            else {}
        )
    return {
        post_id: view_of(poll, chosen.get(post_id, []) if viewer_id is not None else None, now)
        for post_id, poll in polls.items()
    }


async def view(pool: Any, viewer_id: int | None, post_id: int) -> PollView | None:
    return (await views(pool, viewer_id, [post_id])).get(post_id)
