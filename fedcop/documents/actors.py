"""Actor documents (Person, Group, Application) and their collections.

What peers read from an actor: `preferredUsername` and `inbox` (required by all), `publicKey`
(to verify our signatures), `endpoints.sharedInbox` (one delivery per server), `outbox`,
`followers`, `following`; a Group adds `attributedTo` (its moderators, FEP-1b12), `featured`,
`postingRestrictedToMods`; a Person adds `featured` (their pinned posts) and `featuredTags`.
Private keys never appear here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fedcop.documents.context import ACTOR_CONTEXT, AS_CONTEXT
from fedcop.documents.lifecycle import STAGE_TERM
from fedcop.documents.profile_fields import add_profile
from fedcop.store.actors import Actor, LocalActor
from fedcop.urls import Urls


def utc_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with a Z, the form every peer parses, to the millisecond (so that posts
    written in the same second keep their order everywhere)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def actor_document(
    local: LocalActor, urls: Urls, icon: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`icon`: the uploaded avatar or community icon (services.avatars.icon), an Image."""
    actor = local.actor
    uri = actor.uri
    document: dict[str, Any] = {
        "@context": ACTOR_CONTEXT,
        "id": uri,
        "type": actor.actor_type,
        "preferredUsername": actor.username,
        "name": actor.display_name,
        "summary": actor.summary,
        "url": urls.profile_page(uri),
        "inbox": actor.inbox_url,
        "outbox": actor.outbox_url,
        "followers": actor.followers_url,
        "following": urls.collection(uri, "following"),
        "endpoints": {"sharedInbox": actor.shared_inbox_url},
        "publicKey": {
            "id": actor.public_key_id,
            "owner": uri,
            "publicKeyPem": actor.public_key_pem,
        },
        "published": utc_timestamp(actor.created_at),
        "manuallyApprovesFollowers": local.manually_approves_followers,
        "discoverable": True,
    }
    if icon is not None:
        document["icon"] = icon
    if actor.actor_type == "Group":
        document["attributedTo"] = urls.collection(uri, "moderators")
        document["featured"] = urls.collection(uri, "featured")
        document["postingRestrictedToMods"] = local.posting_restricted_to_mods
        document["sensitive"] = False
        if actor.stage is not None:
            document[STAGE_TERM] = actor.stage
    elif actor.actor_type == "Person":
        document["featured"] = urls.collection(uri, "featured")
        document["featuredTags"] = urls.collection(uri, "featured_tags")
        # organisation, sector, role and expertise, as Mastodon reads profile fields
        add_profile(document, local.profile, urls)
    elif actor.actor_type == "Application":
        # The instance actor follows nobody and is followed by nobody; it only signs fetches.
        document["manuallyApprovesFollowers"] = True
        document["discoverable"] = False
        document["url"] = urls.base + "/"
    return document


def ordered_collection(
    collection_id: str, items: list[Any] | None = None, total: int | None = None
) -> dict[str, Any]:
    """A complete, unpaged OrderedCollection (for small collections such as moderators)."""
    ordered = items or []
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": len(ordered) if total is None else total,
        "orderedItems": ordered,
    }


def counted_collection(collection_id: str, total: int) -> dict[str, Any]:
    """A collection whose size is public but whose members are not listed."""
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
    }


def moderators_collection(
    community: Actor, facilitators: list[Actor], urls: Urls
) -> dict[str, Any]:
    return ordered_collection(
        urls.collection(community.uri, "moderators"), [a.uri for a in facilitators]
    )


def featured_tags_collection(
    collection_id: str, names: list[str], tag_url: Callable[[str], str]
) -> dict[str, Any]:
    """A person's featured hashtags, as Mastodon reads them: `Hashtag` objects."""
    return ordered_collection(
        collection_id,
        [{"type": "Hashtag", "href": tag_url(name), "name": f"#{name}"} for name in names],
    )
