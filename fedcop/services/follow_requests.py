"""Follow requests a user decides: those to their own account and those to each community here
they facilitate that approves its members by hand.

    list       every requester, once (by their oldest request), newest first
    decide     the requester's oldest request among them -> follows.decide_request
               (Accept or Reject sent to the requester's server, as from the facilitation page)
               -> the Relationship seen from the user who decided (followed_by: true once
               the requester follows an account the user decides for)

Someone who decides none of the requester's requests gets NotFound, and nothing changes.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import follows, relationships
from fedcop.services.errors import NotFound
from fedcop.services.relationships import Relationship
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
) -> Relationship:
    """Approve or decline the requester's oldest request the user decides; how the user now
    stands with the requester (`decided_relationship`)."""
    async with pool.acquire() as conn:
        found = await account_directory.by_ids(conn, [requester_id])
        target = None
        if found:
            target = await store.oldest_pending_target(
                conn, requester_id, await store.decided_by(conn, user.actor.id)
            )
    if not found or target is None:
        raise NotFound(_("Record not found"))
    await follows.decide_request(pool, config, target.username, found[0].uri, approve=approve)
    return await decided_relationship(pool, user, requester_id)


async def decided_relationship(pool: Any, user: User, requester_id: int) -> Relationship:
    """The Relationship an app expects once it answered a follow request: seen from the user
    who decides, a follow of any account they decide for (their own, or a community they
    facilitate) counts as following them. An app that authorized a request then finds
    `followed_by: true`, as Mastodon answers, even when the request was to join a community."""
    mine = await relationships.relationship(pool, user, requester_id)
    async with pool.acquire() as conn:
        states = await store.states_toward_any(
            conn, requester_id, await store.decided_by(conn, user.actor.id)
        )
    return replace(
        mine,
        followed_by=mine.followed_by or "accepted" in states,
        requested_by=mine.requested_by or "pending" in states,
    )
