"""A community's lifecycle stage: where it stands, from Inquire to Closed.

Facilitators set it on the Facilitate page. The change is logged in the moderation log and
published as an `Update` of the Group (its actor document carries `fedcop:stage`), as a
change of title or purpose is, so that every fedcop node that caches the community shows it.
A facilitator on another node sets it from their own node's Facilitate page: their `Update`
of the Group, carrying the stage alone, goes to the community, whose node takes it only from
one of its facilitators, then logs and announces it the same way.

A Closed community is a read-only archive: every page and thread stays readable, and it takes
no new threads, replies, votes or joins — from the web, the client API, or other servers.
`ensure_open` is the one check all of those paths call. Nobody edits what it keeps, boosts
it, settles its questions or writes summaries in it any more; a member may still delete their
own post (their privacy outweighs the archive's completeness), and its facilitators may still
remove posts (an archive is still moderated).
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.context import AS_CONTEXT, FEDCOP_NAMESPACE
from fedcop.documents.lifecycle import CLOSED, STAGE_TERM, STAGES, stage_of
from fedcop.i18n.catalogues import translations
from fedcop.i18n.current import N_, _, language
from fedcop.services import outbox
from fedcop.services.errors import InvalidInput, Refused
from fedcop.services.facilitation import _facilitated, _facilitated_remote, publish_profile
from fedcop.store import actors as actor_store
from fedcop.store import facilitation as fac_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor
from fedcop.store.users import User
from federation.vocab import id_of

# The moderation log's action for a change of stage; its reason is the new stage.
STAGE_ACTION = "set_stage"


class ClosedCommunity(InvalidInput):
    """Something new was asked of a Closed community."""


# The stages' names as the pages show them, in the reader's language (the wire keeps STAGES).
STAGE_NAMES = {
    "Inquire": N_("Inquire"),
    "Design": N_("Design"),
    "Prototype": N_("Prototype"),
    "Launch": N_("Launch"),
    "Grow": N_("Grow"),
    "Sustain": N_("Sustain"),
}
# "Closed" alone is also a registration mode (plural in French: "Fermées"); the stage has its
# own context ("community stage") in the catalogues.


def stage_name(stage: str | None) -> str:
    """A stage as the reader's language names it ("" for none)."""
    if stage == CLOSED:
        return translations(language()).pgettext("community stage", "Closed")
    return _(STAGE_NAMES[stage]) if stage in STAGE_NAMES else (stage or "")


def closed_sentence(community: Actor) -> str:
    return _(
        "%(community)s is closed: it is kept as a read-only archive, so it takes "
        "no new threads, replies, votes or joins",
        community=community.display_name,
    )


def ensure_open(community: Actor) -> None:
    """Refuse anything new in a Closed community (here, or a remote one that says so)."""
    if community.stage == CLOSED:
        raise ClosedCommunity(closed_sentence(community))


async def set_stage(pool: Any, config: Config, name: str, user: User, stage: str) -> None:
    """A facilitator sets the stage of a community here (`name`), or asks the node of one
    elsewhere (`name@domain`) to set it."""
    if stage not in STAGES:
        raise InvalidInput(_("a community's stage is one of: %(stages)s", stages=", ".join(STAGES)))
    if "@" in name:
        await _ask_elsewhere(pool, config, name, user, stage)
        return
    async with pool.acquire() as conn, conn.transaction():
        local = await _facilitated(conn, name, user)
        await _change(conn, config, local.actor, user.actor.id, stage)


async def _change(
    conn: asyncpg.Connection, config: Config, community: Actor, by_id: int, stage: str
) -> bool:
    """Set a community's stage here, log it, and send its Group's Update to its members'
    servers; False if it is that stage already."""
    if community.stage == stage:
        return False
    await fac_store.set_stage(conn, community.id, stage)
    await mod_store.log_action(conn, community.id, by_id, STAGE_ACTION, community.uri, stage)
    await publish_profile(conn, config, community.username)
    return True


async def _ask_elsewhere(pool: Any, config: Config, handle: str, user: User, stage: str) -> None:
    """A facilitator here of a community on another node: their Update of the Group, carrying
    only the stage, goes to the community. Its node decides (receive_stage) and, if it takes
    it, announces the Group's Update, which brings the new stage here too."""
    async with pool.acquire() as conn, conn.transaction():
        community = await _facilitated_remote(conn, handle, user)
        if community.stage == stage:
            return
        await outbox.publish(
            conn,
            config,
            user.actor,
            {
                "@context": [AS_CONTEXT, {"fedcop": FEDCOP_NAMESPACE}],
                "type": "Update",
                "object": {"id": community.uri, "type": "Group", STAGE_TERM: stage},
                "to": [community.uri],
                "audience": community.uri,
            },
            outbox.inbox_of(community),
        )


async def receive_stage(
    pool: Any, config: Config, update: dict[str, Any], group: dict[str, Any]
) -> bool | None:
    """Someone's Update of a community here (not the community's own): a facilitator on another
    node setting its stage. Only the stage is read from it, and only from one of its
    facilitators; logged and announced as a facilitator's change here is. None: the Update is
    not about a community here; False: it is that stage already."""
    stage = stage_of(group)
    async with pool.acquire() as conn, conn.transaction():
        community = await actor_store.find_by_uri(conn, str(group.get("id")))
        if community is None or not community.is_local or community.actor_type != "Group":
            return None
        sender = await actor_store.find_by_uri(conn, str(id_of(update.get("actor"))))
        if sender is None or not await mod_store.is_facilitator(conn, community.id, sender.id):
            raise Refused(_("only facilitators of %(uri)s may change it", uri=community.uri))
        if stage is None:
            raise Refused(
                _(
                    "a facilitator's Update of %(uri)s sets its stage (fedcop:stage, one "
                    "of %(stages)s), and nothing else",
                    uri=community.uri,
                    stages=", ".join(STAGES),
                )
            )
        return await _change(conn, config, community, sender.id, stage)
