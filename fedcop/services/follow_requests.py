"""Follow requests a user decides: those to their own account and those to each community here
they facilitate that approves its members by hand.

    list       every requester, once (by their oldest request), newest first
    decide     the requester's oldest request among them -> follows.decide_request
               (Accept or Reject sent to the requester's server, as from the facilitation page)

Someone who decides none of the requester's requests gets NotFound, and nothing changes.
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.services import follows
from fedcop.services.errors import NotFound
from fedcop.store import account_directory
from fedcop.store import relationships as store
from fedcop.store.actors import Actor
from fedcop.store.relationships import Window
from fedcop.store.users import User


async def waiting(pool: Any, user: User, window: Window) -> list[tuple[int, Actor]]:
    """(request id, requester) of the requests waiting on the user."""
    async with pool.acquire() as conn:
        return await store.pending_requests(
            conn, await store.decided_by(conn, user.actor.id), window
        )


async def count(pool: Any, user: User) -> int:
    async with pool.acquire() as conn:
        return await store.count_pending(conn, await store.decided_by(conn, user.actor.id))


async def decide(
    pool: Any, config: Config, user: User, requester_id: int, *, approve: bool
) -> None:
    async with pool.acquire() as conn:
        found = await account_directory.by_ids(conn, [requester_id])
        target = None
        if found:
            target = await store.oldest_pending_target(
                conn, requester_id, await store.decided_by(conn, user.actor.id)
            )
    if not found or target is None:
        raise NotFound("Record not found")
    await follows.decide_request(pool, config, target.username, found[0].uri, approve=approve)
