"""A user's relationship to other accounts, and following or unfollowing one of them.

    follow(target)    a community (Group)     -> follows.join: here at once, or by request when
                                                 its facilitators approve members by hand;
                                                 elsewhere by Follow (pending until Accept)
                      a person elsewhere      -> follows.follow_remote (pending until Accept)
                      a person here           -> an accepted follow, nothing to send
    unfollow(target)  the reverse: follows.leave, follows.unfollow_remote, or the row removed

Asking again while a follow exists (accepted or pending) changes nothing and sends nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import follows, notifications
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import account_directory
from fedcop.store import follows as follow_store
from fedcop.store import moderation as moderation_store
from fedcop.store import relationships as store
from fedcop.store.actors import Actor
from fedcop.store.relationships import Window
from fedcop.store.users import User


@dataclass(frozen=True)
class Relationship:
    account_id: int
    following: bool
    requested: bool
    followed_by: bool
    requested_by: bool


async def relationships(pool: Any, viewer: User, ids: list[int]) -> list[Relationship]:
    """The viewer's relationship to each account of `ids` that exists, in the order asked."""
    async with pool.acquire() as conn:
        known = {actor.id for actor in await account_directory.by_ids(conn, ids)}
        states = await store.follow_states(conn, viewer.actor.id, list(known))
    found = []
    for account_id in dict.fromkeys(ids):
        if account_id in known:
            state = states.get(account_id, store.FollowStates(None, None))
            found.append(
                Relationship(
                    account_id,
                    following=state.outgoing == "accepted",
                    requested=state.outgoing == "pending",
                    followed_by=state.incoming == "accepted",
                    requested_by=state.incoming == "pending",
                )
            )
    return found


async def relationship(pool: Any, viewer: User, account_id: int) -> Relationship:
    found = await relationships(pool, viewer, [account_id])
    if not found:
        raise NotFound(_("Record not found"))
    return found[0]


async def account(pool: Any, account_id: int) -> Actor:
    """An account by id, or NotFound."""
    async with pool.acquire() as conn:
        found = await account_directory.by_ids(conn, [account_id])
    if not found:
        raise NotFound(_("Record not found"))
    return found[0]


async def follow(
    pool: Any, config: Config, network: Network, user: User, account_id: int
) -> Relationship:
    target = await account(pool, account_id)
    if target.id == user.actor.id:
        raise InvalidInput(_("you cannot follow yourself"))
    async with pool.acquire() as conn:
        existing = await follow_store.find(conn, user.actor.id, target.id)
    if existing is None:
        if target.actor_type == "Group":
            await follows.join(pool, config, network, user.actor.username, target.uri)
        elif not target.is_local:
            await follows.follow_remote(pool, config, network, user.actor.username, target.uri)
        else:
            await _follow_here(pool, user, target)
    return await relationship(pool, user, target.id)


async def _follow_here(pool: Any, user: User, target: Actor) -> None:
    """A person here follows another person here: nothing crosses the network, and people
    here do not approve their followers by hand."""
    async with pool.acquire() as conn, conn.transaction():
        await follow_store.upsert(
            conn, user.actor.id, target.id, f"{user.actor.uri}#follows/{target.id}", True
        )
        await notifications.followed(conn, user.actor.id, target.id, pending=False)


async def unfollow(pool: Any, config: Config, user: User, account_id: int) -> Relationship:
    target = await account(pool, account_id)
    async with pool.acquire() as conn:
        existing = await follow_store.find(conn, user.actor.id, target.id)
    if existing is not None:
        if target.actor_type == "Group":
            await follows.leave(pool, config, user.actor.username, target.uri)
        elif not target.is_local:
            await follows.unfollow_remote(pool, config, user.actor.username, target.uri)
        else:
            async with pool.acquire() as conn:
                await follow_store.remove(conn, user.actor.id, target.id)
    return await relationship(pool, user, target.id)


async def follow_list(
    pool: Any, account_id: int, direction: str, window: Window, viewer: User | None
) -> list[tuple[int, Actor]]:
    """(follow id, account) of an account's accepted followers or follows, newest first. The
    members of a members-only community are listed only to its members; likewise, that
    someone belongs to one is shown only to that person and the community's members."""
    target = await account(pool, account_id)
    viewer_id = viewer.actor.id if viewer is not None else None
    async with pool.acquire() as conn:

        async def member_of(community: Actor) -> bool:
            return viewer_id is not None and (
                await follow_store.is_accepted_follower(conn, viewer_id, community.id)
                or await moderation_store.is_facilitator(conn, community.id, viewer_id)
            )

        private = target.actor_type == "Group" and target.members_only
        if direction == "followers" and private and not await member_of(target):
            return []
        found = await store.accepted_follows(conn, target.id, direction, window)
        shown = {a.id for a in await account_directory.by_ids(conn, [a.id for _window, a in found])}
        if direction == "following" and viewer_id != target.id:
            for _window, actor in found:
                hidden = actor.actor_type == "Group" and actor.members_only
                if hidden and actor.id in shown and not await member_of(actor):
                    shown.discard(actor.id)
    return [(follow_id, actor) for follow_id, actor in found if actor.id in shown]
