"""The JSON-LD context fedcop emits. Every term outside ActivityStreams is declared here."""

from __future__ import annotations

from typing import Any

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# fedcop's own terms (FEDERATION.md): a community's lifecycle stage, a question's state.
FEDCOP_NAMESPACE = "https://fedcop.org/ns#"

EXTENSIONS: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "lemmy": "https://join-lemmy.org/ns#",
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "sensitive": "as:sensitive",
    "fedcop": FEDCOP_NAMESPACE,
}

ACTOR_CONTEXT: list[Any] = [AS_CONTEXT, SECURITY_CONTEXT, EXTENSIONS]
