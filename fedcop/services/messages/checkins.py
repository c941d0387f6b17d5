"""Check-ins: a facilitator writes privately to chosen members of their community.

    /c/NAME/checkins/new?member=ID&member=ID     (facilitators of NAME and node admins)
      -> the chosen members (only members and facilitators of the community are kept), each
         with the last check-in they got and from whom
      -> one direct message to each, on their own server, `{name}` replaced by their name;
         never public, never announced by the community
      -> recorded in community_messages (who, when, by whom)

An answer is a direct reply: it reaches the facilitator who wrote, and nobody else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.messages import sending
from fedcop.services.messages.welcome import personalised
from fedcop.store import actors as actor_store
from fedcop.store import addressees as addressee_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor
from fedcop.store.messages import community_messages as store
from fedcop.store.messages.community_messages import Sent
from fedcop.store.posts import Post
from fedcop.store.users import User

MAX_MEMBERS = 200


class NotAllowed(InvalidInput):
    """The user does not facilitate the community (and is not an admin)."""


@dataclass(frozen=True)
class Desk:
    community: Actor
    members: list[Actor]
    # The last check-in each of them got (by member id).
    last: dict[int, Sent]


async def desk(pool: Any, name: str, user: User, member_ids: list[int]) -> Desk:
    async with pool.acquire() as conn:
        community = await _facilitated(conn, name, user)
        wanted = list(dict.fromkeys(member_ids))[:MAX_MEMBERS]
        members_here = await addressee_store.members_among(conn, community.id, wanted)
        members: list[Actor] = []
        for member_id in wanted:
            if member_id in members_here and member_id != user.actor.id:
                actor = await actor_store.find_by_id(conn, member_id)
                if actor is not None and actor.actor_type in sending.PEOPLE:
                    members.append(actor)
        last = await store.last_sent(conn, community.id, [m.id for m in members])
    return Desk(community, members, last)


async def send(
    pool: Any, config: Config, name: str, user: User, member_ids: list[int], text: str
) -> list[Post]:
    """One direct message to each chosen member; the messages sent."""
    chosen = await desk(pool, name, user, member_ids)
    if not chosen.members:
        raise InvalidInput(_("choose at least one member of the community to write to"))
    sent: list[Post] = []
    async with pool.acquire() as conn, conn.transaction():
        for member in chosen.members:
            post = await sending.write_in(
                conn, config, user.actor, [member], personalised(text, member)
            )
            await store.record(
                conn, chosen.community.id, member.id, "checkin", user.actor.id, post.id
            )
            sent.append(post)
    return sent


async def _facilitated(conn: Any, name: str, user: User) -> Actor:
    local = await actor_store.find_local(conn, name)
    if local is None or local.actor.actor_type != "Group":
        raise NotFound(_("there is no community '%(name)s' here", name=name))
    if not (user.is_admin or await mod_store.is_facilitator(conn, local.actor.id, user.actor.id)):
        raise NotAllowed(
            _(
                "only facilitators of %(community)s can check in with its members",
                community=local.actor.display_name,
            )
        )
    return local.actor


async def last_check_ins(pool: Any, community_id: int, member_ids: list[int]) -> dict[int, Sent]:
    """The last check-in each of these members got from the community (who sent it, when):
    for the facilitator's view, so that nobody checks in twice by accident."""
    async with pool.acquire() as conn:
        return await store.last_sent(conn, community_id, member_ids)
