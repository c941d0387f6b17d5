"""Inbound knowledge-base pages (services.knowledge): what comes before the ordinary posts'
handlers see an Update or an Announce.

    Update of an Article with fedcop:baseVersion   a member's edit of a page of a community
                                                   here (services.knowledge.member_edits)
    Update of an Article with fedcop:version       a page changes only through its community's
                                                   Announce: refused from anyone else
    Announce(Create|Update(Article with fedcop:version)) by a Group
                                                   a new version of a page of a community
                                                   members here belong to (.received)
    Accept/Reject of an Update sent from here      the community's answer to an edit made
                                                   here (.remote_edits)
    Create of a reply to a page here, or to its notice   a page takes no replies (a Mastodon
                                                   follower may answer the Note that told of
                                                   it): ignored, with the reason
Anything else goes on to handlers.posts.
"""

from __future__ import annotations

from typing import Any

from fedcop.documents import knowledge as wire
from fedcop.handlers import posts
from fedcop.handlers.context import HandlerContext, done_or_ignored
from fedcop.queues import InboundState
from fedcop.services import remote_actors
from fedcop.services.errors import Ignored, Refused
from fedcop.services.knowledge import member_edits, received, remote_edits
from federation.vocab import first_type, id_of


async def handle_create(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    document = activity.get("object")
    parent = id_of(document.get("inReplyTo")) if isinstance(document, dict) else None
    if isinstance(parent, str) and wire.is_page_address(parent, f"{ctx.config.base_url}/c/"):
        raise Ignored(
            f"a reply to {parent}, a knowledge-base page: pages take no replies; start a thread "
            "in the community to talk about it"
        )
    return await posts.handle_create(ctx, activity)


async def handle_update(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    document = activity.get("object")
    if wire.is_proposal(document):
        done = await member_edits.receive(ctx.pool, ctx.config, ctx.network, activity)
        return done_or_ignored(done, "the edit was taken already (a repeated delivery)")
    if wire.is_page(document):
        raise Refused(
            f"an Update of the page {id_of(document)} by {id_of(activity.get('actor'))}: a "
            "page's versions come from its community's Announce, and an edit of it carries "
            "fedcop:baseVersion"
        )
    return await posts.handle_update(ctx, activity)


async def handle_announce(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    inner = activity.get("object")
    if (
        isinstance(inner, dict)
        and first_type(inner) in ("Create", "Update")
        and wire.is_page(inner.get("object"))
    ):
        group = await remote_actors.get_actor(ctx.pool, ctx.network, str(id_of(activity["actor"])))
        if group.actor_type != "Group":
            raise Refused(f"{group.uri} is no community: only a page's community announces it")
        if wire.is_proposal(inner.get("object")):
            raise Refused("an announced edit proposal: a community announces its pages' versions")
        kept = await received.receive_announced(ctx.pool, ctx.config, ctx.network, group, inner)
        return done_or_ignored(kept, "that version of the page is kept here already")
    return await posts.handle_announce(ctx, activity)


async def handle_accept_update(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    done = await remote_edits.receive_verdict(
        ctx.pool, ctx.config, ctx.network, activity, accepted=True
    )
    return done_or_ignored(done, "the edit was answered already")


async def handle_reject_update(ctx: HandlerContext, activity: dict[str, Any]) -> InboundState:
    done = await remote_edits.receive_verdict(
        ctx.pool, ctx.config, ctx.network, activity, accepted=False
    )
    return done_or_ignored(done, "the edit was answered already")
