"""Inbound Create (a post for a community here, or a reply into one of its threads), and
Announce from a remote community this node's members follow (its posts, stored as they come)."""

from __future__ import annotations

import logging
from typing import Any

from fedcop.handlers.context import HandlerContext
from fedcop.queues import InboundState
from fedcop.services import node as node_service
from fedcop.services import posts, remote_actors
from federation.fetch_errors import FetchError
from federation.vocab import first_type, id_of

log = logging.getLogger(__name__)


async def handle_create(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    try:
        post = await posts.receive_create(ctx.pool, ctx.config, ctx.network, activity)
    except posts.PostRefused as refusal:
        log.info("Create %s refused: %s", activity.get("id"), refusal)
        return InboundState.IGNORED
    return InboundState.DONE if post is not None else InboundState.IGNORED


async def handle_announce(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """A remote Group relays a post (FEP-1b12 `Announce(Create)`, or a bare object/id)."""
    group = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    if group.actor_type != "Group" or not await node_service.has_local_follower(ctx.pool, group.id):
        return InboundState.IGNORED
    inner = activity.get("object")
    inner_type = first_type(inner) if isinstance(inner, dict) else None
    if inner_type == "Create":
        create: dict[str, Any] = inner  # type: ignore[assignment]
    elif inner_type in posts.POST_TYPES or isinstance(inner, str):
        create = {"type": "Create", "id": None, "object": id_of(inner)}
    else:
        return InboundState.IGNORED  # announced votes, edits and removals: not kept yet
    try:
        post = await posts.receive_create(ctx.pool, ctx.config, ctx.network, create, via=group)
    except (posts.PostRefused, FetchError) as refusal:
        log.info("Announce %s not taken: %s", activity.get("id"), refusal)
        return InboundState.IGNORED
    return InboundState.DONE if post is not None else InboundState.IGNORED
