"""Inbound side effects, one module per activity type, dispatched by a dict.

Accept, Reject and Undo dispatch again on the type of what they wrap ("Undo:Follow"). An
activity with no handler is recorded as 'ignored'.
"""

from __future__ import annotations

from typing import Any

from fedcop.handlers import follow, knowledge, posts
from fedcop.handlers.context import Handler, HandlerContext
from fedcop.services import node as node_service
from federation.vocab import first_type, id_of

WRAPPERS = frozenset({"Accept", "Reject", "Undo"})

HANDLERS: dict[str, Handler] = {
    "Follow": follow.handle_follow,
    "Accept:Follow": follow.handle_accept_follow,
    "Reject:Follow": follow.handle_reject_follow,
    "Undo:Follow": follow.handle_undo_follow,
    "Create": knowledge.handle_create,
    "Announce": knowledge.handle_announce,
    "Undo:Announce": posts.handle_undo_announce,
    "Update": knowledge.handle_update,
    "Accept:Update": knowledge.handle_accept_update,
    "Reject:Update": knowledge.handle_reject_update,
    "Delete": posts.handle_delete,
    "Like": posts.handle_vote,
    "Dislike": posts.handle_vote,
    "Undo:Like": posts.handle_undo_vote,
    "Undo:Dislike": posts.handle_undo_vote,
    "Undo:Unknown": posts.handle_undo_of_unknown,
    "Lock": posts.handle_moderation,
    "Undo:Lock": posts.handle_moderation,
    "Add": posts.handle_moderation,
    "Remove": posts.handle_moderation,
    "Block": posts.handle_moderation,
    "Undo:Block": posts.handle_moderation,
    "Flag": posts.handle_flag,
    "Move": posts.handle_move,
}


async def dispatch_key(ctx: HandlerContext, activity: dict[str, Any]) -> str:
    activity_type = first_type(activity) or ""
    if activity_type not in WRAPPERS:
        return activity_type
    inner = activity.get("object")
    # An embedded activity says what it is, even under an id never seen here (Lemmy and PieFed
    # send an Undo with a fresh id for the vote it withdraws: services.votes matches by
    # meaning); one named by id alone is known only if its id is.
    inner_type = first_type(inner) if isinstance(inner, dict) else None
    if inner_type is None:
        inner_type = await node_service.type_of_known_activity(ctx.pool, id_of(inner) or "")
    return f"{activity_type}:{inner_type or 'Unknown'}"


__all__ = ["HANDLERS", "Handler", "HandlerContext", "dispatch_key"]
