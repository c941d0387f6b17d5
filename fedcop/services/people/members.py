"""A community's members page: who is in it, what they state, who knows about a subject, and
how they spread over organisations and sectors.

    /c/NAME/members[?organisation=&sector=&expertise=&page=]   members, filtered, by name
    /c/NAME/members?q=metadata                                 who knows about it, best first

A members-only community shows its members only to its members and facilitators: to anyone
else it does not exist (NotFound, a 404 like its threads), so nothing says who belongs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.i18n.current import _
from fedcop.services.errors import NotFound
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as moderation_store
from fedcop.store.actors import Actor
from fedcop.store.people import members as store
from fedcop.store.people.members import Filters, Knower, Member
from fedcop.store.people.spread import MemberSpread, member_spread

PAGE_SIZE = 50
KNOWERS = 20
MAX_QUERY = 200
MAX_FILTER = 200

__all__ = ["Filters", "Knower", "Member", "MembersView", "may_see_members", "members_page"]


@dataclass(frozen=True)
class MembersView:
    community: Actor
    filters: Filters
    members: list[Member]
    total: int
    page: int
    pages: int
    spread: MemberSpread
    # "Who knows about X": the subject asked and the people found (None when not asked).
    query: str | None
    knowers: list[Knower] | None


async def may_see_members(conn: Any, community: Actor, viewer_id: int | None) -> bool:
    """Anyone may see a public community's members; a members-only one's, its members and
    facilitators only."""
    if not community.members_only:
        return True
    if viewer_id is None:
        return False
    return bool(
        await follow_store.is_accepted_follower(conn, viewer_id, community.id)
        or await moderation_store.is_facilitator(conn, community.id, viewer_id)
    )


def _clean(value: str | None, limit: int) -> str | None:
    text = " ".join((value or "").split())[:limit]
    return text or None


async def members_page(
    pool: Any,
    community_uri: str,
    viewer_id: int | None,
    *,
    filters: Filters,
    query: str | None = None,
    page: int = 1,
) -> MembersView:
    """The members page as `viewer_id` may see it; NotFound for a community that does not
    exist here or whose members they may not see."""
    filters = Filters(
        organisation=_clean(filters.organisation, MAX_FILTER),
        sector=_clean(filters.sector, MAX_FILTER),
        expertise=_clean(filters.expertise, MAX_FILTER),
    )
    query = _clean(query, MAX_QUERY)
    page = max(1, min(page, 10_000))
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
        if community is None or community.actor_type != "Group":
            raise NotFound(_("there is no such community here"))
        if not await may_see_members(conn, community, viewer_id):
            raise NotFound(_("there is no such community here"))
        found, total = await store.members(
            conn, community.id, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
        )
        spread = await member_spread(conn, community.id)
        knowers = (
            await store.who_knows(conn, community.id, query, viewer_id=viewer_id, limit=KNOWERS)
            if query
            else None
        )
    return MembersView(
        community=community,
        filters=filters,
        members=found,
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        spread=spread,
        query=query,
        knowers=knowers,
    )
