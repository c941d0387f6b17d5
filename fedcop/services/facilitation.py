"""A community's facilitators at work: join requests, reports, and the community's settings.

Changing the settings publishes an `Update` of the Group to its members' servers, so that
every node shows the new title and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import actor_document
from fedcop.services import markdown, outbox
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import actors as actor_store
from fedcop.store import facilitation as fac_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor, LocalActor
from fedcop.store.users import User
from fedcop.urls import Urls

MAX_TITLE = 100
MAX_TEXT = 10_000


@dataclass(frozen=True)
class Desk:
    """Everything on a community's facilitation page."""

    community: LocalActor
    requests: list[Actor]
    reports: list[mod_store.Report]
    facilitators: list[Actor]
    charter: str


async def _facilitated(conn: Any, name: str, user: User) -> LocalActor:
    local = await actor_store.find_local(conn, name)
    if local is None or local.actor.actor_type != "Group":
        raise NotFound(f"there is no community {name!r} here")
    may = await mod_store.is_facilitator(conn, local.actor.id, user.actor.id) or user.is_admin
    if not may:
        raise InvalidInput(f"only facilitators of {local.actor.display_name} can do that")
    return local


async def desk(pool: Any, name: str, user: User) -> Desk:
    async with pool.acquire() as conn:
        local = await _facilitated(conn, name, user)
        return Desk(
            community=local,
            requests=await fac_store.join_requests(conn, local.actor.id),
            reports=await mod_store.open_reports(conn, local.actor.id),
            facilitators=await actor_store.facilitators_of(conn, local.actor.id),
            charter=await fac_store.charter(conn, local.actor.id),
        )


async def close_report(pool: Any, name: str, user: User, report_id: int) -> None:
    async with pool.acquire() as conn:
        local = await _facilitated(conn, name, user)
        if not await fac_store.close_report(conn, local.actor.id, report_id, user.actor.id):
            raise NotFound("that report is not open")


async def may_facilitate(pool: Any, name: str, user: User) -> bool:
    async with pool.acquire() as conn:
        try:
            await _facilitated(conn, name, user)
        except (NotFound, InvalidInput):
            return False
    return True


async def save_settings(
    pool: Any,
    config: Config,
    name: str,
    user: User,
    *,
    title: str,
    purpose: str,
    charter: str,
    approval: bool,
    restricted: bool,
) -> None:
    title = title.strip()
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(f"a community needs a title of 1 to {MAX_TITLE} characters")
    if len(purpose) > MAX_TEXT or len(charter) > MAX_TEXT:
        raise InvalidInput(f"the purpose and the charter have at most {MAX_TEXT} characters")
    async with pool.acquire() as conn, conn.transaction():
        local = await _facilitated(conn, name, user)
        await fac_store.save_settings(
            conn,
            local.actor.id,
            title=title,
            purpose_html=markdown.render(purpose),
            charter_html=markdown.render(charter),
            approval=approval,
            restricted=restricted,
        )
        updated = await actor_store.find_local(conn, name)
        assert updated is not None
        document = {
            k: v for k, v in actor_document(updated, Urls(config)).items() if k != "@context"
        }
        await outbox.publish(
            conn,
            config,
            updated.actor,
            {"type": "Update", "object": document, "to": [updated.actor.followers_url or ""]},
            await follow_store.follower_inboxes(conn, updated.actor.id),
        )
