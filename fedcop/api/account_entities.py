"""Mastodon's entities about the signed-in user and their ties to others: CredentialAccount
(the Account plus `source` and `role`), Role and Relationship. Every field the Mastodon API
marks as required is present."""

from __future__ import annotations

from typing import Any

from fedcop.api import entities
from fedcop.config import Config
from fedcop.services import account_cards
from fedcop.services.account_cards import AccountCard
from fedcop.services.relationships import Relationship
from fedcop.store.actors import Actor
from federation.html import to_text

# Mastodon gives everyone without a role its built-in "everyone" role (id -99, permission
# bit 1 << 16, invite users); an administrator gets the Admin role (bit 0, administrator).
_EVERYONE = {"id": "-99", "name": "", "permissions": "65536", "color": "", "highlighted": False}
_ADMIN = {"id": "2", "name": "Admin", "permissions": "1", "color": "", "highlighted": True}


def role(is_admin: bool) -> dict[str, Any]:
    return dict(_ADMIN if is_admin else _EVERYONE)


def credential_account(
    card: AccountCard, config: Config, follow_requests_count: int
) -> dict[str, Any]:
    found = entities.account(card, config)
    found["source"] = {
        "privacy": "public",
        "sensitive": False,
        "language": "",
        "note": to_text(card.actor.summary),
        "fields": [
            {"name": name, "value": value, "verified_at": None} for name, value in card.fields
        ],
        "follow_requests_count": follow_requests_count,
        "indexable": found["indexable"],
        "hide_collections": found["hide_collections"],
        "discoverable": found["discoverable"],
        "attribution_domains": [],
    }
    found["role"] = role(card.is_admin)
    return found


def relationship(found: Relationship) -> dict[str, Any]:
    following = found.following or found.requested
    return {
        "id": str(found.account_id),
        "following": found.following,
        "showing_reblogs": following,
        "notifying": False,
        "followed_by": found.followed_by,
        "blocking": False,
        "blocked_by": False,
        "muting": False,
        "muting_notifications": False,
        "requested": found.requested,
        "requested_by": found.requested_by,
        "domain_blocking": False,
        "endorsed": False,
        "note": "",
        "languages": None,
    }


async def accounts(pool: Any, config: Config, actors: list[Actor]) -> list[dict[str, Any]]:
    """Account entities for `actors`, in the same order."""
    async with pool.acquire() as conn:
        found = await account_cards.cards(conn, actors)
    return [entities.account(found[actor.id], config) for actor in actors]
