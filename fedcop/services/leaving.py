"""Leaving a community here, and who facilitates it afterwards.

A member leaves a community here          their membership ends; a facilitator stops
                                          facilitating too
  ... as its last facilitator             they name a successor among its members, who is made
                                          a facilitator first (Add to /moderators, announced to
                                          the members' servers as any facilitator change);
                                          without one the leave is refused (InvalidInput: the
                                          page asks, the client API answers 422), so no door
                                          leaves a community with nobody to look after it
  ... from another server (Undo Follow)   the Undo cannot carry a successor and cannot be
                                          refused (their server already counts them out): the
                                          membership ends, and a last facilitator stays its
                                          facilitator until someone else is named
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import moderation
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from fedcop.store import succession
from fedcop.store.actors import Actor


class LastFacilitator(InvalidInput):
    """The last facilitator tried to leave without naming who takes over."""


@dataclass(frozen=True)
class Succession:
    """What leaving means for a member here: the community, and their facilitation of it."""

    community: Actor
    facilitates: bool  # they facilitate it now (leaving ends that)
    last: bool  # they are its only facilitator: a successor must be named
    candidates: list[Actor]  # who could take over (its other members), when `last`


async def succession_for(pool: Any, username: str, community_uri: str) -> Succession:
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
        local = await actor_store.find_local(conn, username)
        if community is None or local is None or community.actor_type != "Group":
            raise NotFound(_("there is no community %(uri)s here", uri=community_uri))
        leaver = local.actor
        if not community.is_local or not await mod_store.is_facilitator(
            conn, community.id, leaver.id
        ):
            return Succession(community, facilitates=False, last=False, candidates=[])
        last = await mod_store.count_facilitators(conn, community.id) <= 1
        found = await succession.candidates(conn, community.id, leaver.id) if last else []
        return Succession(community, facilitates=True, last=last, candidates=found)


async def leave_here(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    leaver: Actor,
    successor_uri: str | None,
) -> None:
    """`leaver` leaves the local `community` (inside the caller's transaction)."""
    await succession.lock_community(conn, community.id)
    if await mod_store.is_facilitator(conn, community.id, leaver.id):
        if await mod_store.count_facilitators(conn, community.id) <= 1:
            if not successor_uri:
                raise LastFacilitator(
                    _(
                        "you are the last facilitator of %(community)s: name a member "
                        "to facilitate it before you leave",
                        community=community.display_name,
                    )
                )
            successor = await _successor(conn, community, leaver, successor_uri)
            await moderation.act_here(
                conn, config, community, leaver,
                moderation.Action("add_facilitator", successor.uri), successor,
            )  # fmt: skip
        await moderation.act_here(
            conn, config, community, leaver,
            moderation.Action("remove_facilitator", leaver.uri), leaver,
        )  # fmt: skip
    await follow_store.remove(conn, leaver.id, community.id)


async def _successor(
    conn: asyncpg.Connection, community: Actor, leaver: Actor, successor_uri: str
) -> Actor:
    successor = await actor_store.find_by_uri(conn, successor_uri)
    members = await succession.candidates(conn, community.id, leaver.id)
    if successor is None or successor.id not in {member.id for member in members}:
        raise NotFound(
            _(
                "the successor must be a member of %(community)s: choose one of them",
                community=community.display_name,
            )
        )
    return successor


async def left_from_elsewhere(conn: asyncpg.Connection, community: Actor, leaver: Actor) -> None:
    """A member elsewhere left (Undo Follow): a facilitator stops facilitating, unless they
    are the last one (see the module's note)."""
    if not community.is_local or not await mod_store.is_facilitator(conn, community.id, leaver.id):
        return
    if await mod_store.count_facilitators(conn, community.id) > 1:
        await mod_store.remove_facilitator(conn, community.id, leaver.id)
        await mod_store.log_action(
            conn, community.id, leaver.id, "remove_facilitator", leaver.uri, "left the community"
        )
