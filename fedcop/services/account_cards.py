"""Accounts as the client API shows them: an actor with its counts and, for local users, the
roles and profile fields they keep here. Communities are accounts too (`group: true`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.documents.lifecycle import CLOSED
from fedcop.store import account_facts
from fedcop.store import users as user_store
from fedcop.store.account_facts import Counts
from fedcop.store.actors import Actor

_NO_COUNTS = Counts(0, 0, 0, None)


@dataclass(frozen=True)
class AccountCard:
    actor: Actor
    counts: Counts
    # Local users only: their profile fields and whether they administer the node; a
    # community's field is its lifecycle stage, when one is recorded.
    is_admin: bool = False
    fields: tuple[tuple[str, str], ...] = ()


async def cards(conn: Any, actors: list[Actor]) -> dict[int, AccountCard]:
    """Cards for many actors at once (keyed by actor id)."""
    counts = await account_facts.counts_of(conn, [actor.id for actor in actors])
    users = await user_store.find_by_ids(
        conn, [actor.id for actor in actors if actor.is_local and actor.actor_type == "Person"]
    )
    found: dict[int, AccountCard] = {}
    for actor in actors:
        is_admin = False
        fields: tuple[tuple[str, str], ...] = ()
        user = users.get(actor.id)
        if user is not None:
            is_admin = user.is_admin
            fields = tuple(
                (name, value)
                for name, value in (
                    ("Organisation", user.organisation),
                    ("Sector", user.sector),
                    ("Role", user.job_role),
                    ("Expertise", ", ".join(user.expertise)),
                )
                if value
            )
        elif actor.actor_type == "Group" and actor.stage is not None:
            # A community's lifecycle stage (services.lifecycle), here or as a fedcop community
            # elsewhere states it: a profile field is what every Mastodon app shows of an
            # account without knowing the term. Closed says what it means for a member.
            fields = ((STAGE_FIELD, _stage_value(actor.stage)),)
        found[actor.id] = AccountCard(actor, counts.get(actor.id, _NO_COUNTS), is_admin, fields)
    return found


STAGE_FIELD = "Stage"


def _stage_value(stage: str) -> str:
    if stage == CLOSED:
        return "Closed (a read-only archive)"
    return stage


async def card(pool: Any, actor: Actor) -> AccountCard:
    async with pool.acquire() as conn:
        return (await cards(conn, [actor]))[actor.id]
