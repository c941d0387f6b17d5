"""A community's lifecycle stage: where it stands, from Inquire to Closed.

Facilitators set it on the Facilitate page. The change is logged in the moderation log and
published as an `Update` of the Group (its actor document carries `fedcop:stage`), as a
change of title or purpose is, so that every fedcop node that caches the community shows it.

A Closed community is a read-only archive: every page and thread stays readable, and it takes
no new threads, replies, votes or joins — from the web, the client API, or other servers.
`ensure_open` is the one check all of those paths call.
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.documents.lifecycle import CLOSED, STAGES
from fedcop.services.errors import InvalidInput
from fedcop.services.facilitation import _facilitated, publish_profile
from fedcop.store import facilitation as fac_store
from fedcop.store import moderation as mod_store
from fedcop.store.actors import Actor
from fedcop.store.users import User

# The moderation log's action for a change of stage; its reason is the new stage.
STAGE_ACTION = "set_stage"


class ClosedCommunity(InvalidInput):
    """Something new was asked of a Closed community."""


def closed_sentence(community: Actor) -> str:
    return (
        f"{community.display_name} is closed: it is kept as a read-only archive, so it takes "
        "no new threads, replies, votes or joins"
    )


def ensure_open(community: Actor) -> None:
    """Refuse anything new in a Closed community (here, or a remote one that says so)."""
    if community.stage == CLOSED:
        raise ClosedCommunity(closed_sentence(community))


async def set_stage(pool: Any, config: Config, name: str, user: User, stage: str) -> None:
    if stage not in STAGES:
        raise InvalidInput(f"a community's stage is one of: {', '.join(STAGES)}")
    async with pool.acquire() as conn, conn.transaction():
        local = await _facilitated(conn, name, user)
        if local.actor.stage == stage:
            return
        await fac_store.set_stage(conn, local.actor.id, stage)
        await mod_store.log_action(
            conn, local.actor.id, user.actor.id, STAGE_ACTION, local.actor.uri, stage
        )
        await publish_profile(conn, config, name)
