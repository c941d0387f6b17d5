"""Inbound Create (a post for a community here, or a reply into one of its threads), and
Announce from a remote community this node's members follow (its posts, stored as they come)."""

from __future__ import annotations

import logging
from typing import Any

from fedcop.handlers.context import HandlerContext, done_or_ignored
from fedcop.queues import InboundState
from fedcop.services import (
    boosts,
    lifecycle,
    moderation,
    post_changes,
    posts,
    questions,
    reading,
    remote_actors,
    remote_facilitators,
    reports,
    votes,
)
from fedcop.services import node as node_service
from fedcop.services.account_data import departures, moves
from fedcop.services.errors import Ignored, Refused
from fedcop.services.polls import voting as poll_voting
from federation.vocab import first_type, id_of

log = logging.getLogger(__name__)


async def handle_create(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    if await poll_voting.receive_vote(ctx.pool, ctx.config, ctx.network, activity):
        return InboundState.DONE  # a vote in a poll here: counted, never kept as a reply
    post = await posts.receive_create(ctx.pool, ctx.config, ctx.network, activity)
    return done_or_ignored(post, "the post is for no community here")


async def handle_announce(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """A remote Group relays a post (FEP-1b12 `Announce(Create)`, or a bare object/id); a
    person's Announce is a boost."""
    group = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    if group.actor_type != "Group":
        # A person's boost of a post we keep (its author here is told).
        boosted = await boosts.receive_announce(ctx.pool, group, activity)
        return done_or_ignored(
            boosted,
            "a boost of a post not kept here (or followers-only), or a boost already recorded",
        )
    inner = activity.get("object")
    if not await node_service.has_local_follower(ctx.pool, group.id) and not (
        isinstance(inner, dict)
        and remote_facilitators.names_a_member_here(ctx.config, group, inner)
    ):
        raise Ignored(f"nobody here is a member of {group.uri}, which announced it")
    inner_type = first_type(inner) if isinstance(inner, dict) else None
    if (
        isinstance(inner, dict)
        and inner_type == "Delete"
        and id_of(inner.get("object")) == id_of(inner.get("actor"))
    ):
        # An account's Delete of itself, relayed by a community it posted in.
        gone = await departures.relayed_account_deletion(ctx.pool, ctx.config, ctx.network, inner)
        return done_or_ignored(gone, "the deleted account had no posts and no follows here")
    if (
        isinstance(inner, dict)
        and inner_type in MODERATION_TYPES
        and (inner_type != "Delete" or await _removed_by_someone_else(ctx, inner))
    ):
        changed = await moderation.receive(ctx.pool, ctx.config, ctx.network, inner, via=group)
        return done_or_ignored(changed, _NO_MODERATION_CHANGE)
    if inner_type == "Update" and isinstance(inner, dict):
        # A facilitator's change of a question's state (the community's decision to announce).
        by_facilitator = await questions.receive_from_facilitator(
            ctx.pool, ctx.config, inner, via=group
        )
        if by_facilitator is not None:
            return InboundState.DONE
    if inner_type in ("Update", "Delete") and isinstance(inner, dict):
        # A peer that is down is waited for, and a refusal recorded, by the inbox worker.
        changed = await post_changes.apply_announced_change(
            ctx.pool, ctx.config, ctx.network, inner
        )
        return done_or_ignored(
            changed, "the announced change is about a post not kept here, or is applied already"
        )
    if inner_type == "Create":
        create: dict[str, Any] = inner  # type: ignore[assignment]
    elif inner_type in posts.POST_TYPES or isinstance(inner, str):
        create = {"type": "Create", "id": None, "object": id_of(inner)}
    else:
        raise Ignored(
            f"an announced {inner_type or 'activity'}: votes are counted on the community's "
            "own node, and fedcop keeps nothing else announced"
        )
    post = await posts.receive_create(ctx.pool, ctx.config, ctx.network, create, via=group)
    return done_or_ignored(
        post,
        f"{group.uri} announced a post that is neither its own, nor addressed to it, nor an "
        "answer in one of its threads kept here",
    )


MODERATION_TYPES = frozenset({"Lock", "Add", "Remove", "Block", "Undo", "Delete"})
_NO_MODERATION_CHANGE = (
    "the facilitators' action changes nothing kept here (unknown community, post or person, "
    "or applied already)"
)


async def _removed_by_someone_else(ctx: HandlerContext, delete: dict[str, Any]) -> bool:
    """Whether an announced Delete is a facilitator's removal rather than the author's own."""
    view = await reading.post_by_uri(ctx.pool, str(id_of(delete.get("object"))))
    return view is not None and view.author.uri != id_of(delete.get("actor"))


async def handle_update(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    obj = activity.get("object")
    if isinstance(obj, dict) and first_type(obj) in remote_actors.ACTOR_TYPES:
        return await _update_actor(ctx, activity, obj)
    done = await post_changes.receive_update(ctx.pool, ctx.config, activity)
    return done_or_ignored(done, "the edited post is not kept here, or is deleted or removed")


async def _update_actor(
    ctx: HandlerContext, activity: dict[str, Any], actor_document: dict[str, Any]
) -> InboundState:
    """An actor changed its profile (or key): keep the new document, if it is its own."""
    if actor_document.get("id") != id_of(activity.get("actor")):
        # A facilitator elsewhere setting the stage of a community here, or no one's business.
        changed = await lifecycle.receive_stage(ctx.pool, ctx.config, activity, actor_document)
        if changed is None:
            raise Ignored(f"an update of {actor_document.get('id')}: an actor updates only itself")
        return done_or_ignored(changed, "the community is at that stage already")
    try:
        await remote_actors.store_actor(ctx.pool, actor_document)
    except remote_actors.ActorError as refusal:
        # Recorded on the row (rejected): an Update whose key fedcop refuses is not kept, so
        # the key it already has goes on verifying the actor.
        raise Refused(f"the actor's new profile is refused: {refusal}") from None
    return InboundState.DONE


async def handle_delete(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    if id_of(activity.get("object")) == id_of(activity.get("actor")):
        gone = await departures.remote_account_deleted(ctx.pool, ctx.config, activity)
        return done_or_ignored(gone, "the deleted account had no posts and no follows here")
    try:
        done = await post_changes.receive_delete(ctx.pool, ctx.config, activity)
    except post_changes.ChangeRefused as refusal:
        # Not the author: a facilitator removing a post, or no one allowed to.
        done = await moderation.receive(ctx.pool, ctx.config, ctx.network, activity, via=None)
        return done_or_ignored(done, f"{refusal}; nor is it a facilitator's removal here")
    return done_or_ignored(done, "the deleted post is not kept here, or is deleted already")


async def handle_move(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """An account elsewhere moved: members here who followed it follow the new one."""
    moved = await moves.receive_move(ctx.pool, ctx.config, ctx.network, activity)
    return done_or_ignored(moved, "nobody here followed the account that moved")


async def handle_moderation(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """Lock, Add/Remove (pins, facilitators), Block, and their Undo, sent to a community here."""
    done = await moderation.receive(ctx.pool, ctx.config, ctx.network, activity, via=None)
    return done_or_ignored(done, _NO_MODERATION_CHANGE)


async def handle_vote(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    voter = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    done = await votes.receive_vote(ctx.pool, ctx.config, activity, voter)
    return done_or_ignored(
        done, "a vote on a post not kept here (or deleted), or the voter's vote already"
    )


async def handle_undo_vote(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    voter = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    if not _undoes_its_own(activity):
        raise Ignored(f"{voter.uri} undoes a vote that is someone else's")
    done = await votes.receive_undo_vote(ctx.pool, ctx.config, activity, voter)
    return done_or_ignored(
        done, f"no vote by {voter.uri} matching {id_of(activity.get('object'))} is kept here"
    )


async def handle_undo_announce(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """A person takes a boost back. Only the booster may: the boost is found by its actor."""
    if not _undoes_its_own(activity):
        raise Ignored(f"{id_of(activity.get('actor'))} undoes a boost that is someone else's")
    booster = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
    undone = await boosts.receive_undo(ctx.pool, booster, activity)
    return done_or_ignored(
        undone, f"no boost {id_of(activity.get('object'))} by {booster.uri} is kept here"
    )


async def handle_undo_of_unknown(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    """An Undo naming, by id alone, an activity never seen here: nothing it could withdraw is
    known (an embedded one would be matched by meaning)."""
    raise Ignored(
        f"it names {id_of(activity.get('object'))} by id only, an activity never seen here"
    )


def _undoes_its_own(undo: dict[str, Any]) -> bool:
    """Whether an Undo withdraws its own actor's activity (an embedded one names its actor; one
    named by id only is looked up with its actor in the services)."""
    inner = undo.get("object")
    return not isinstance(inner, dict) or id_of(inner.get("actor")) in (None, id_of(undo["actor"]))


async def handle_flag(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    done = await reports.receive_flag(ctx.pool, ctx.network, activity)
    return done_or_ignored(
        done, "a report about nothing this node is responsible for, or one already received"
    )
