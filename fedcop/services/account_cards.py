"""Accounts as the client API shows them: an actor with its counts and, for local users, the
roles and profile fields they keep here. Communities are accounts too (`group: true`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.documents.lifecycle import CLOSED
from fedcop.documents.profile_fields import named_fields
from fedcop.store import account_facts
from fedcop.store import users as user_store
from fedcop.store.account_facts import Counts
from fedcop.store.actors import Actor
from fedcop.store.people import profiles as profile_store

_NO_COUNTS = Counts(0, 0, 0, None)


@dataclass(frozen=True)
class AccountCard:
    actor: Actor
    counts: Counts
    # Local users only: their profile fields and whether they administer the node; a
    # community's field is its lifecycle stage, when one is recorded.
    is_admin: bool = False
    fields: tuple[tuple[str, str], ...] = ()
    # A person's other profile fields (a remote actor's, as its server sends them): (name,
    # sanitised HTML), shown after `fields`.
    html_fields: tuple[tuple[str, str], ...] = ()
    # Whether the account chose to be listed in directories (always true for communities).
    discoverable: bool = True


async def cards(conn: Any, actors: list[Actor]) -> dict[int, AccountCard]:
    """Cards for many actors at once (keyed by actor id)."""
    counts = await account_facts.counts_of(conn, [actor.id for actor in actors])
    users = await user_store.find_by_ids(
        conn, [actor.id for actor in actors if actor.is_local and actor.actor_type == "Person"]
    )
    people = [actor.id for actor in actors if actor.actor_type not in _NOT_PEOPLE]
    stated = await profile_store.profiles_of(conn, people)
    found: dict[int, AccountCard] = {}
    for actor in actors:
        is_admin = False
        fields: tuple[tuple[str, str], ...] = ()
        html_fields: tuple[tuple[str, str], ...] = ()
        discoverable = actor.actor_type == "Group"
        user = users.get(actor.id)
        if user is not None:
            is_admin = user.is_admin
        if actor.actor_type not in _NOT_PEOPLE:
            # Organisation, Sector, Role, Expertise: written here, or read from the person's
            # actor document elsewhere (services/people/remote_profiles.py).
            profile = stated.get(actor.id, profile_store.EMPTY)
            fields = tuple(named_fields(profile))
            html_fields = tuple((f.name, f.value_html) for f in profile.other_fields)
            discoverable = profile.discoverable
        elif actor.actor_type == "Group" and actor.stage is not None:
            # A community's lifecycle stage (services.lifecycle), here or as a fedcop community
            # elsewhere states it: a profile field is what every Mastodon app shows of an
            # account without knowing the term. Closed says what it means for a member.
            fields = ((STAGE_FIELD, _stage_value(actor.stage)),)
        found[actor.id] = AccountCard(
            actor,
            counts.get(actor.id, _NO_COUNTS),
            is_admin,
            fields,
            html_fields,
            discoverable,
        )
    return found


_NOT_PEOPLE = frozenset({"Group", "Application"})


STAGE_FIELD = "Stage"


def _stage_value(stage: str) -> str:
    if stage == CLOSED:
        return "Closed (a read-only archive)"
    return stage


async def card(pool: Any, actor: Actor) -> AccountCard:
    async with pool.acquire() as conn:
        return (await cards(conn, [actor]))[actor.id]
