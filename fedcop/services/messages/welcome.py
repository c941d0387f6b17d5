"""A community's welcome message: set on its Facilitate page, sent privately to each new member.

    join accepted (a member here joins; a Follow from elsewhere accepted at once, or a request
    approved by a facilitator)
      -> welcomed before?                 yes -> nothing (leaving and coming back is no news)
      -> a direct message from the facilitator who wrote the welcome, to the member alone,
         `{name}` replaced by the member's name; recorded in community_messages

Why from the facilitator and not from the community's Group actor: a direct message is a
conversation between people. Mastodon shows it in the member's Direct messages from a person
they can answer (their answer then reaches that facilitator, privately); Lemmy, PieFed and
Mbin keep private messages between people only. An answer to a Group would reach nobody.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _, written_number
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.messages import sending
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor
from fedcop.store.messages import community_messages as store
from fedcop.store.messages import suggestions as suggestion_store
from fedcop.store.users import User

log = logging.getLogger(__name__)

MAX_WELCOME = 5000
PLACEHOLDER = "{name}"


def personalised(text: str, member: Actor) -> str:
    """`{name}` in a message replaced by the member's name."""
    return text.replace(PLACEHOLDER, member.display_name or member.username)


async def current(pool: Any, community_id: int) -> str:
    async with pool.acquire() as conn:
        found = await store.welcome_of(conn, community_id)
    return found.message if found is not None else ""


async def set_message(pool: Any, name: str, user: User, text: str) -> None:
    """A facilitator (or an admin) sets the welcome message; empty: no welcome message. It is
    sent in the name of whoever saved it last."""
    if len(text) > MAX_WELCOME:
        raise InvalidInput(
            _(
                "the welcome message is too long: at most %(number)s characters",
                number=written_number(MAX_WELCOME),
            )
        )
    async with pool.acquire() as conn:
        local = await actor_store.find_local(conn, name)
        if local is None or local.actor.actor_type != "Group":
            raise NotFound(_("there is no community '%(name)s' here", name=name))
        may = await mod_store.is_facilitator(conn, local.actor.id, user.actor.id)
        if not (may or user.is_admin):
            raise InvalidInput(
                _(
                    "only facilitators of %(community)s can do that",
                    community=local.actor.display_name,
                )
            )
        await store.set_welcome(conn, local.actor.id, text.strip() or None, user.actor.id)


async def join_accepted(
    conn: asyncpg.Connection, config: Config, community: Actor, member: Actor
) -> None:
    """Inside the transaction that accepts `member`'s join of the local `community`."""
    if not community.is_local or community.actor_type != "Group":
        return
    if member.actor_type not in sending.PEOPLE:
        return
    welcome = await store.welcome_of(conn, community.id)
    if welcome is None or welcome.author_id == member.id:
        return
    writer = await actor_store.find_by_id(conn, welcome.author_id)
    if writer is None or not writer.is_local:
        return
    if not await store.claim_welcome(conn, community.id, member.id):
        return
    post = await sending.write_in(
        conn, config, writer, [member], personalised(welcome.message, member)
    )
    await store.set_welcome_post(conn, community.id, member.id, post.id)
    log.info("welcomed %s to %s", member.uri, community.uri)


@dataclass(frozen=True)
class Suggestion:
    community: Actor
    members: int
    # Posts written in it over the last 30 days.
    recent: int


async def suggestions(pool: Any, person_id: int, limit: int = 12) -> list[Suggestion]:
    """Communities a newcomer could join: the most active here, then the largest; none that
    is Closed or that they already belong to (or asked to join)."""
    async with pool.acquire() as conn:
        rows = await suggestion_store.suggested(conn, person_id, limit + 10)
    found = [Suggestion(actor, members, recent) for actor, members, recent in rows]
    return [each for each in found if not each.community.is_closed][:limit]
