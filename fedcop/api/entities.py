"""Mastodon's entities (Account, ...) built from fedcop's records. Every field the Mastodon
API marks as required is present, with a neutral value where fedcop has nothing to say."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from typing import Any

from fedcop import shown
from fedcop.config import Config
from fedcop.services.account_cards import AccountCard
from fedcop.store.actors import Actor
from federation.html import sanitize

_BOT_TYPES = frozenset({"Service", "Application"})


def timestamp(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds, as Mastodon writes it."""
    if moment is None:
        return None
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def acct(actor: Actor) -> str:
    """`name` for accounts here, `name@domain` for the others."""
    return actor.username if actor.is_local else f"{actor.username}@{actor.domain}"


def account(card: AccountCard, config: Config) -> dict[str, Any]:
    actor = card.actor
    avatar = f"{config.base_url}/static/avatar.png"
    header = f"{config.base_url}/static/header.png"
    created = actor.created_at.replace(hour=0, minute=0, second=0, microsecond=0)
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct(actor),
        "url": shown.link(actor.uri, _page_here(actor, config)),
        "uri": actor.uri,
        "display_name": actor.display_name or actor.username,
        "note": shown.profile_html(actor),
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "locked": actor.members_only,
        "fields": [
            {"name": name, "value": escape(value), "verified_at": None}
            for name, value in card.fields
        ]
        + [
            # a remote server's field values are HTML, kept sanitised, sanitised again here
            {"name": name, "value": sanitize(value), "verified_at": None}
            for name, value in card.html_fields
        ],
        "emojis": [],
        "bot": actor.actor_type in _BOT_TYPES,
        "group": actor.actor_type == "Group",
        "discoverable": card.discoverable,
        "indexable": False,
        "noindex": False,
        "hide_collections": False,
        "created_at": timestamp(created),
        "last_status_at": (
            card.counts.last_status_at.date().isoformat() if card.counts.last_status_at else None
        ),
        "statuses_count": card.counts.statuses,
        "followers_count": card.counts.followers,
        "following_count": card.counts.following,
        "roles": [],
    }


def _page_here(actor: Actor, config: Config) -> str:
    """The actor's page on this node: where a link goes when the actor's own address is not one
    a person may follow (fedcop.shown)."""
    kind = "c" if actor.actor_type == "Group" else "u"
    return f"{config.base_url}/{kind}/{actor.username}" + (
        "" if actor.is_local else f"@{actor.domain}"
    )
