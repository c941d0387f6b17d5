"""Reading compacted ActivityStreams JSON the way real servers send it.

fedcop never expands JSON-LD: it reads documents as plain JSON in the ActivityStreams context.
Peers send one property in several shapes, so every reader here accepts all of them:

    "actor": "https://a.example/u/1"                         a URI
    "actor": {"type": "Person", "id": "https://..."}        an object with an id
    "actor": [{"type": "Person", "id": "https://..."}]      an array of either (Prismo)
    "to": "as:Public" | "Public" | "https://www.w3.org/ns/activitystreams#Public"

These helpers only read; `federation.validate` decides whether a document is acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
# The compact forms are what the AS context makes of PUBLIC; peers send all three.
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

ADDRESSING_PROPERTIES = ("to", "cc", "bto", "bcc", "audience")


def as_list(value: object) -> list[Any]:
    """A property's values as a list: [] for absent or null, the list itself, or [value]."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def id_of(value: object) -> str | None:
    """The id a property refers to: a URI string, an object's `id`, or the first of an array's."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        identifier = value.get("id")
        return identifier if isinstance(identifier, str) and identifier else None
    if isinstance(value, list):
        return next((found for item in value if (found := id_of(item)) is not None), None)
    return None


def ids_of(value: object) -> list[str]:
    """Every id a property refers to, in order; entries without one are skipped."""
    return [found for item in as_list(value) if (found := id_of(item)) is not None]


def types_of(document: Mapping[str, Any]) -> list[str]:
    """A document's type names: `type` may be one string or an array of them."""
    return [name for name in as_list(document.get("type")) if isinstance(name, str) and name]


def first_type(document: Mapping[str, Any]) -> str | None:
    """The first type name of a document, or None when it has none."""
    names = types_of(document)
    return names[0] if names else None


def has_type(document: Mapping[str, Any], type_name: str) -> bool:
    return type_name in types_of(document)


def host_of(url: object) -> str | None:
    """The lower-cased host of an absolute http(s) URL, without port; None for anything else.

    Origin checks compare these: an object's host must match its actor's host.
    """
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # e.g. a malformed [IPv6] literal
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return host


def is_public_address(address: str) -> bool:
    return address in PUBLIC_ALIASES


def audience_of(document: Mapping[str, Any]) -> list[str]:
    """Everyone a document is addressed to (to, cc, bto, bcc, audience), without duplicates.

    Any spelling of the public collection comes back as PUBLIC. (FEP-1b12's `audience`, the
    community a post belongs to, is `ids_of(document.get("audience"))`.)
    """
    seen: dict[str, None] = {}
    for name in ADDRESSING_PROPERTIES:
        for address in ids_of(document.get(name)):
            seen[PUBLIC if is_public_address(address) else address] = None
    return list(seen)


def is_public(document: Mapping[str, Any]) -> bool:
    """Whether `to` or `cc` holds the public collection (in `cc` only: Mastodon's "unlisted")."""
    return any(
        is_public_address(address)
        for name in ("to", "cc")
        for address in ids_of(document.get(name))
    )


def declares_as_context(document: Mapping[str, Any]) -> bool:
    """Whether `@context` includes the ActivityStreams context (Mastodon requires it on actors)."""
    return AS_CONTEXT in as_list(document.get("@context"))
