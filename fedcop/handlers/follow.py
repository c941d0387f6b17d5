"""Inbound Follow, and Accept / Reject / Undo of a Follow."""

from __future__ import annotations

from typing import Any

from fedcop.handlers.context import HandlerContext, done_or_ignored
from fedcop.queues import InboundState
from fedcop.services import backfill, follows, remote_actors, software
from fedcop.services import node as node_service
from fedcop.services.errors import Ignored
from federation.vocab import id_of


async def handle_follow(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    target_uri = id_of(activity.get("object"))
    target = await node_service.resolve_local_url(ctx.pool, ctx.config, target_uri or "")
    if target is None or target.actor.actor_type == "Application":
        raise Ignored(f"it follows {target_uri}, which is no person or community here")
    follower = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    # How to reach the member's server (threadiverse or microblog) is settled before anything
    # is relayed to it.
    await software.learn_software(ctx.pool, ctx.network, follower.uri)
    await follows.receive_follow(ctx.pool, ctx.config, follower, target, activity)
    return InboundState.DONE


async def handle_accept_follow(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """The actor we asked accepted: `object` is our Follow (embedded, or its id). A community
    elsewhere that accepts a member here is recorded, with the membership, as due for a
    backfill once the batch is done (its recent threads fetched, services.backfill), so the
    member does not find it empty."""
    follower_uri = await _our_follower(ctx, activity.get("object"))
    if follower_uri is None:
        raise Ignored("it accepts a Follow this node did not send")
    accepter = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    if accepter.actor_type == "Group" and not accepter.is_local:
        accepted = await backfill.join_accepted(ctx.pool, follower_uri, accepter)
    else:
        accepted = await follows.accepted(ctx.pool, follower_uri, accepter)
    return done_or_ignored(accepted, f"no follow of {accepter.uri} by {follower_uri} is waiting")


async def handle_reject_follow(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    follower_uri = await _our_follower(ctx, activity.get("object"))
    if follower_uri is None:
        raise Ignored("it rejects a Follow this node did not send")
    rejecter = str(id_of(activity["actor"]))
    done = await follows.refused(ctx.pool, follower_uri, rejecter)
    return done_or_ignored(done, f"no follow of {rejecter} by {follower_uri} is kept here")


async def handle_undo_follow(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """The follower withdraws. Only the follower itself may undo its Follow."""
    follow = activity.get("object")
    actor = id_of(activity["actor"])
    if isinstance(follow, dict):
        if id_of(follow.get("actor")) not in (None, actor):
            raise Ignored(f"it undoes a Follow by {id_of(follow.get('actor'))}, not by {actor}")
        followed = id_of(follow.get("object"))
    else:
        followed = await node_service.followed_by_follow_uri(ctx.pool, str(follow), str(actor))
    if followed is None:
        raise Ignored("it undoes a Follow this node does not know")
    done = await follows.removed(ctx.pool, str(actor), followed)
    return done_or_ignored(done, f"no follow of {followed} by {actor} is kept here")


async def _our_follower(ctx: HandlerContext, follow: object) -> str | None:
    """The local actor whose Follow this refers to, if it is one of ours."""
    if isinstance(follow, dict):
        follower = id_of(follow.get("actor"))
    else:
        follower = await node_service.actor_of_local_activity(ctx.pool, str(follow))
    if follower is None or not follower.startswith(ctx.config.base_url + "/"):
        return None
    return follower
