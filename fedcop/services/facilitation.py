"""A community's facilitators at work: join requests, reports, and the community's settings.

Changing the settings publishes an `Update` of the Group to its members' servers, so that
every node shows the new title and purpose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import actor_document
from fedcop.i18n.current import _
from fedcop.services import avatars, markdown, outbox, reading
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.reading import PostView
from fedcop.store import actors as actor_store
from fedcop.store import browsing as browse_store
from fedcop.store import facilitation as fac_store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor, LocalActor
from fedcop.store.users import User
from fedcop.urls import Urls

MAX_TITLE = 100
MAX_TEXT = 10_000
# A remote community's Facilitate page lists its pinned and this many recent threads.
DESK_THREADS = 30


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
        raise NotFound(_("there is no community %(name)s here", name=repr(name)))
    may = await mod_store.is_facilitator(conn, local.actor.id, user.actor.id) or user.is_admin
    if not may:
        raise InvalidInput(
            _(
                "only facilitators of %(community)s can do that",
                community=local.actor.display_name,
            )
        )
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


@dataclass(frozen=True)
class ThreadControl:
    view: PostView
    pinned: bool


@dataclass(frozen=True)
class RemoteDesk:
    """A community on another node, on the Facilitate page of one of its facilitators here:
    its recent threads (to pin, lock or remove), its facilitators, and the reports this node
    holds about it. Joining and settings are decided on the community's own node."""

    community: Actor
    handle: str  # name@domain, as in /c/{handle}
    reports: list[mod_store.Report]
    facilitators: list[Actor]
    threads: list[ThreadControl]


async def _facilitated_remote(conn: Any, handle: str, user: User) -> Actor:
    """A remote community (`name@domain`) the user facilitates, as this node knows it (this
    node's admins are not its facilitators: its own node would refuse them)."""
    name, _at, domain = handle.partition("@")
    uri = await browse_store.remote_actor_uri(conn, name, domain, "Group")
    community = await actor_store.find_by_uri(conn, uri) if uri else None
    if community is None:
        raise NotFound(_("this node does not know a community %(handle)s", handle=repr(handle)))
    if not await mod_store.is_facilitator(conn, community.id, user.actor.id):
        raise InvalidInput(
            _(
                "only facilitators of %(community)s can do that; if you were made one "
                "recently, this node learns it when the community announces it",
                community=community.display_name,
            )
        )
    return community


async def remote_desk(pool: Any, handle: str, user: User) -> RemoteDesk:
    async with pool.acquire() as conn:
        community = await _facilitated_remote(conn, handle, user)
        reports = await mod_store.open_reports(conn, community.id)
        facilitators = await actor_store.facilitators_of(conn, community.id)
        pinned_uris = await mod_store.pinned_uris(conn, community.id)
    pinned = [view for view in [await reading.post_by_uri(pool, u) for u in pinned_uris] if view]
    recent = await reading.threads(pool, community.id, None, DESK_THREADS)
    shown = {view.post.id for view in pinned}
    threads = [ThreadControl(view, True) for view in pinned] + [
        ThreadControl(view, False)
        for view in recent
        if view.post.id not in shown and not view.post.is_gone
    ]
    return RemoteDesk(community, handle, reports, facilitators, threads)


async def close_report(pool: Any, name: str, user: User, report_id: int) -> None:
    async with pool.acquire() as conn:
        if "@" in name:
            community_id = (await _facilitated_remote(conn, name, user)).id
        else:
            community_id = (await _facilitated(conn, name, user)).actor.id
        if not await fac_store.close_report(conn, community_id, report_id, user.actor.id):
            raise NotFound(_("that report is not open"))


async def may_facilitate(pool: Any, name: str, user: User) -> bool:
    async with pool.acquire() as conn:
        try:
            if "@" in name:
                await _facilitated_remote(conn, name, user)
            else:
                await _facilitated(conn, name, user)
        except (NotFound, InvalidInput):
            return False
    return True


async def community_uri(pool: Any, name: str, user: User) -> str:
    """The id of the community `name` (here, or `name@domain`) that the user facilitates."""
    async with pool.acquire() as conn:
        if "@" in name:
            return (await _facilitated_remote(conn, name, user)).uri
        return (await _facilitated(conn, name, user)).actor.uri


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
        raise InvalidInput(
            _("a community needs a title of 1 to %(most)s characters", most=MAX_TITLE)
        )
    if len(purpose) > MAX_TEXT or len(charter) > MAX_TEXT:
        raise InvalidInput(
            _("the purpose and the charter have at most %(most)s characters", most=MAX_TEXT)
        )
    # Imported here: the knowledge base's services use lifecycle's, which use this module's.
    from fedcop.services.knowledge.pages import charter_settings_changed

    async with pool.acquire() as conn, conn.transaction():
        local = await _facilitated(conn, name, user)
        before = (local.actor.summary, await fac_store.charter(conn, local.actor.id))
        purpose_html, charter_html = markdown.render(purpose), markdown.render(charter)
        await fac_store.save_settings(
            conn,
            local.actor.id,
            title=title,
            purpose_html=purpose_html,
            charter_html=charter_html,
            approval=approval,
            restricted=restricted,
        )
        if before != (purpose_html, charter_html):
            # The community's charter page follows (services.knowledge.pages).
            await charter_settings_changed(
                conn, config, local.actor, user.actor, purpose_html=purpose_html,
                charter_html=charter_html,
            )  # fmt: skip
        await publish_profile(conn, config, name)


async def publish_profile(conn: Any, config: Config, name: str) -> None:
    """Send the community's actor document, as it now is, to its members' servers (Update)."""
    updated = await actor_store.find_local(conn, name)
    assert updated is not None
    icon = await avatars.icon(conn, config, updated.actor.id)
    document = {
        k: v for k, v in actor_document(updated, Urls(config), icon).items() if k != "@context"
    }
    await outbox.publish(
        conn,
        config,
        updated.actor,
        {"type": "Update", "object": document, "to": [updated.actor.followers_url or ""]},
        await follow_store.follower_inboxes(conn, updated.actor.id),
    )
