"""Following: local actors following remote ones, and remote actors following local ones.

remote Follow(local)   -> follow recorded; accepted at once unless the actor approves by hand
                          -> Accept(Follow) published to the follower
local follows remote   -> Follow published, follow recorded 'pending' until Accept arrives
Accept / Reject        -> the pending follow is accepted / removed
Undo(Follow)           -> the follow is removed
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import leaving, lifecycle, notifications, outbox, remote_actors
from fedcop.services.errors import InvalidInput, NotFound, Refused
from fedcop.services.mail import notification_mail
from fedcop.services.messages import welcome
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store.actors import Actor, LocalActor


async def receive_follow(
    pool: Any, config: Config, follower: Actor, target: LocalActor, follow: dict[str, Any]
) -> follow_store.Follow:
    """A remote actor asks to follow a local one."""
    if target.actor.is_closed:
        await _refuse_join_of_closed(pool, config, follower, target, follow)
    accepted = not target.manually_approves_followers
    async with pool.acquire() as conn, conn.transaction():
        recorded = await follow_store.upsert(
            conn, follower.id, target.actor.id, str(follow["id"]), accepted
        )
        await notifications.followed(
            conn, follower.id, target.actor.id, pending=recorded.state != "accepted"
        )
        if recorded.state == "pending" and target.actor.actor_type == "Group":
            await notifications.join_requested(conn, target.actor.id, follower.id)
            await notification_mail.join_requested(conn, config, target.actor, follower)
        if recorded.state == "accepted":
            await outbox.publish(
                conn,
                config,
                target.actor,
                {"type": "Accept", "object": _bare_follow(follow), "to": [follower.uri]},
                outbox.inbox_of(follower),
            )
            await welcome.join_accepted(conn, config, target.actor, follower)
    return recorded


async def _refuse_join_of_closed(
    pool: Any, config: Config, follower: Actor, target: LocalActor, follow: dict[str, Any]
) -> None:
    """A Closed community takes no new members: it answers Reject (so the follower's server
    does not wait on a request forever) and the Follow is recorded as refused, with why. A
    member already in it who sends Follow again stays a member."""
    async with pool.acquire() as conn, conn.transaction():
        existing = await follow_store.find(conn, follower.id, target.actor.id)
        if existing is not None and existing.state == "accepted":
            return
        await outbox.publish(
            conn,
            config,
            target.actor,
            {"type": "Reject", "object": _bare_follow(follow), "to": [follower.uri]},
            outbox.inbox_of(follower),
        )
    raise Refused(lifecycle.closed_sentence(target.actor))


def _bare_follow(follow: dict[str, Any]) -> dict[str, Any]:
    """The Follow as the follower sent it (without @context), which is what Accept must name."""
    return {key: value for key, value in follow.items() if key != "@context"}


async def follow_remote(
    pool: Any, config: Config, network: Network, username: str, target_uri: str
) -> follow_store.Follow:
    """A local actor follows a remote one: fetch it, send Follow, record the follow as pending."""
    async with pool.acquire() as conn:
        local = await actor_store.find_local(conn, username)
    if local is None or local.actor.actor_type == "Application":
        raise NotFound(_("there is no user or community '%(name)s' on this node", name=username))
    target = await remote_actors.get_actor(pool, network, target_uri)
    if target.is_local:
        raise InvalidInput(_("%(uri)s is on this node: follow it here directly", uri=target_uri))
    lifecycle.ensure_open(target)
    async with pool.acquire() as conn, conn.transaction():
        existing = await follow_store.find(conn, local.actor.id, target.id)
        if existing is not None and existing.state == "accepted":
            return existing
        document = await outbox.publish(
            conn,
            config,
            local.actor,
            {"type": "Follow", "object": target.uri, "to": [target.uri]},
            [target.inbox_url] if target.inbox_url else [],
        )
        return await follow_store.upsert(conn, local.actor.id, target.id, document["id"], False)


async def unfollow_remote(pool: Any, config: Config, username: str, target_uri: str) -> bool:
    """A local actor stops following a remote one: Undo(Follow) is sent, the follow removed."""
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, username)
        target = await actor_store.find_by_uri(conn, target_uri)
        if local is None or target is None:
            return False
        existing = await follow_store.find(conn, local.actor.id, target.id)
        if existing is None:
            return False
        follow = {
            "id": existing.follow_uri,
            "type": "Follow",
            "actor": local.actor.uri,
            "object": target.uri,
        }
        await outbox.publish(
            conn,
            config,
            local.actor,
            {"type": "Undo", "object": follow, "to": [target.uri]},
            [target.inbox_url] if target.inbox_url else [],
        )
        return await follow_store.remove(conn, local.actor.id, target.id)


async def accepted(pool: Any, follower_uri: str, followed: Actor) -> bool:
    """`followed` accepted the follow of its follower (who is local)."""
    async with pool.acquire() as conn:
        follower = await actor_store.find_by_uri(conn, follower_uri)
        if follower is None:
            return False
        return await follow_store.accept(conn, follower.id, followed.id)


async def removed(pool: Any, follower_uri: str, followed_uri: str) -> bool:
    """The follow of `follower_uri` to `followed_uri` ended (Undo by the follower, or Reject)."""
    async with pool.acquire() as conn, conn.transaction():
        follower = await actor_store.find_by_uri(conn, follower_uri)
        followed = await actor_store.find_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return False
        if followed.actor_type == "Group":
            await leaving.left_from_elsewhere(conn, followed, follower)
        return await follow_store.remove(conn, follower.id, followed.id)


async def refused(pool: Any, follower_uri: str, rejecter_uri: str) -> bool:
    """`rejecter_uri` refused the follow of its follower (who is local): the follow is removed
    and, when a community refused a request to join it, the person who asked is told."""
    async with pool.acquire() as conn, conn.transaction():
        follower = await actor_store.find_by_uri(conn, follower_uri)
        rejecter = await actor_store.find_by_uri(conn, rejecter_uri)
        if follower is None or rejecter is None:
            return False
        if not await follow_store.remove(conn, follower.id, rejecter.id):
            return False
        if rejecter.actor_type == "Group":
            await notifications.join_decided(conn, rejecter.id, follower.id, accepted=False)
        return True


async def set_manual_approval(pool: Any, community: str, manual: bool) -> None:
    """Whether a facilitator approves each join by hand."""
    async with pool.acquire() as conn:
        if not await actor_store.set_manual_approval(conn, community, manual):
            raise NotFound(_("there is no community '%(name)s' on this node", name=community))


async def decide_request(
    pool: Any, config: Config, username: str, follower_uri: str, *, approve: bool
) -> None:
    """Approve (Accept) or decline (Reject) a pending follow request to a local actor."""
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, username)
        follower = await actor_store.find_by_uri(conn, follower_uri)
        if local is None or follower is None:
            raise NotFound(
                _(
                    "there is no request from %(follower)s to '%(name)s'",
                    follower=follower_uri,
                    name=username,
                )
            )
        request = await follow_store.find(conn, follower.id, local.actor.id)
        if request is None or request.state != "pending":
            raise NotFound(
                _(
                    "there is no pending request from %(follower)s to '%(name)s'",
                    follower=follower_uri,
                    name=username,
                )
            )
        follow = {
            "id": request.follow_uri,
            "type": "Follow",
            "actor": follower.uri,
            "object": local.actor.uri,
        }
        if approve:
            await follow_store.accept(conn, follower.id, local.actor.id)
            await welcome.join_accepted(conn, config, local.actor, follower)
        else:
            await follow_store.remove(conn, follower.id, local.actor.id)
        if local.actor.actor_type == "Group":
            await notifications.join_request_decided(conn, local.actor.id, follower.id)
            await notifications.join_decided(conn, local.actor.id, follower.id, accepted=approve)
        if not follower.is_local:
            await outbox.publish(
                conn,
                config,
                local.actor,
                {"type": "Accept" if approve else "Reject", "object": follow, "to": [follower.uri]},
                outbox.inbox_of(follower),
            )


async def forget_actor(pool: Any, actor_uri: str) -> bool:
    """A remote account was deleted: it follows nobody here any more, and nobody follows it."""
    async with pool.acquire() as conn:
        actor = await actor_store.find_by_uri(conn, actor_uri)
        if actor is None or actor.is_local:
            return False
        return await follow_store.remove_all_of(conn, actor.id)


async def join(
    pool: Any, config: Config, network: Network, username: str, community_uri: str
) -> None:
    """A member here joins a community: here at once (or by request), elsewhere by Follow."""
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
    if community is not None and community.is_local:
        async with pool.acquire() as conn, conn.transaction():
            local = await actor_store.find_local(conn, username)
            target = await actor_store.find_local(conn, community.username)
            if local is None or target is None or target.actor.actor_type != "Group":
                raise NotFound(_("there is no community %(uri)s here", uri=community_uri))
            lifecycle.ensure_open(target.actor)
            joined = await follow_store.upsert(
                conn,
                local.actor.id,
                target.actor.id,
                f"{local.actor.uri}#joins/{target.actor.id}",
                accepted=not target.manually_approves_followers,
            )
            if joined.state == "accepted":
                await welcome.join_accepted(conn, config, target.actor, local.actor)
            else:
                await notifications.join_requested(conn, target.actor.id, local.actor.id)
                await notification_mail.join_requested(conn, config, target.actor, local.actor)
        return
    await follow_remote(pool, config, network, username, community_uri)


async def leave(
    pool: Any, config: Config, username: str, community_uri: str, successor_uri: str | None = None
) -> None:
    """A member here leaves a community; its last facilitator names a successor
    (services.leaving)."""
    async with pool.acquire() as conn, conn.transaction():
        community = await actor_store.find_by_uri(conn, community_uri)
        local = await actor_store.find_local(conn, username)
        if community is None or local is None:
            raise NotFound(_("there is no community %(uri)s here", uri=community_uri))
        if community.is_local:
            await leaving.leave_here(conn, config, community, local.actor, successor_uri)
            return
    await unfollow_remote(pool, config, username, community_uri)
