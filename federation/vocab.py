"""Reading compacted ActivityStreams JSON the way real servers send it.

fedcop never expands JSON-LD: it reads documents as plain JSON in the ActivityStreams context.
Peers send one property in several shapes, so every reader here accepts all of them:

    "actor": "https://a.example/u/1"                         a URI
    "actor": {"type": "Person", "id": "https://..."}        an object with an id
    "actor": [{"type": "Person", "id": "https://..."}]      an array of either (Prismo)
    "to": "as:Public" | "Public" | "https://www.w3.org/ns/activitystreams#Public"
    "type": "Note" | "as:Note" | "https://www.w3.org/ns/activitystreams#Note"
    "url": "https://..." | {"type": "Link", "href": "https://..."} | [Link, Link, ...]

These helpers only read; `federation.validate` decides whether a document is acceptable.
"""

from __future__ import annotations

import re
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


# The spellings of the ActivityStreams namespace a type name may carry: the compact prefix of
# the AS context, and the full IRI (http or https). "as:Hashtag" is "Hashtag".
_TYPE_PREFIXES = (
    "as:",
    "https://www.w3.org/ns/activitystreams#",
    "http://www.w3.org/ns/activitystreams#",
)


def normal_type(name: str) -> str:
    """A type name without its ActivityStreams prefix: "as:Note" and "https://www.w3.org/ns/
    activitystreams#Note" are "Note"; names of other vocabularies are left as they are."""
    for prefix in _TYPE_PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix) :]
    return name


def types_of(document: Mapping[str, Any]) -> list[str]:
    """A document's type names, without their AS prefix: `type` may be one string or an array."""
    return [
        normal_type(name)
        for name in as_list(document.get("type"))
        if isinstance(name, str) and name
    ]


def type_of(value: object) -> str | None:
    """The first type name of a value that may be anything (a tag, an attachment...)."""
    return first_type(value) if isinstance(value, Mapping) else None


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


_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: object) -> tuple[str, str, int] | None:
    """The origin (scheme, lower-cased host, port) of an absolute http(s) URL; None for
    anything else. A default port counts as absent: https://a.example and
    https://a.example:443 are one origin, https://a.example:8443 another.
    """
    host = host_of(url)
    if host is None:
        return None
    parts = urlsplit(str(url))
    scheme = parts.scheme.lower()
    try:
        port = parts.port or _DEFAULT_PORTS[scheme]
    except ValueError:  # a port that is not a number, or out of range
        return None
    return scheme, host, port


def same_origin(first: object, second: object) -> bool:
    """Whether two URLs are on one origin (scheme, host and port), neither being unreadable.

    The origin rule: an object is believed to be by the actor it names only when the two live
    on one origin. Another host, or another port of the same host, is another server, and a
    server vouches only for what it serves itself.
    """
    origin = origin_of(first)
    return origin is not None and origin == origin_of(second)


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


# -- links ---------------------------------------------------------------------------------------

COLLECTION_TYPES = frozenset(
    {"Collection", "OrderedCollection", "CollectionPage", "OrderedCollectionPage"}
)


def href_of(value: object, preferred_media_type: str | None = None) -> str | None:
    """The address a `url`-like property gives: a string, a Link's `href` (an object's `url` or
    `id` for anything else), or, for an array, the first entry of the preferred media type (a
    Link without one is text/html, as Mastodon reads it), else the first entry that has one."""
    candidates: list[tuple[str, str]] = []  # (address, media type)
    for item in as_list(value):
        if isinstance(item, str):
            if item:
                candidates.append((item, "text/html"))
        elif isinstance(item, Mapping):
            address = item.get("href")
            if not isinstance(address, str) or not address:
                nested = item.get("url")
                address = (
                    href_of(nested, preferred_media_type)
                    if nested is not None and nested is not item
                    else None
                )
                if address is None and not has_type(item, "Link"):
                    address = id_of(item)
            media_type = item.get("mediaType") or item.get("mimeType") or "text/html"
            if isinstance(address, str) and address:
                candidates.append((address, str(media_type)))
    if preferred_media_type is not None:
        for address, media_type in candidates:
            if media_type.split(";")[0].strip().lower() == preferred_media_type:
                return address
    return candidates[0][0] if candidates else None


def reference_of(value: object) -> str | None:
    """The object a reference-like property (inReplyTo, object...) points at: a URI, an
    object's `id`, a Link's `href`, or the first item of a collection given in its place."""
    for item in as_list(value):
        if isinstance(item, str):
            if item:
                return item
        elif isinstance(item, Mapping):
            if has_type(item, "Link") or (item.get("id") is None and "href" in item):
                found = item.get("href")
                if isinstance(found, str) and found:
                    return found
                continue
            if any(has_type(item, kind) for kind in COLLECTION_TYPES) or "id" not in item:
                for name in ("orderedItems", "items"):
                    found = reference_of(item.get(name))
                    if found is not None:
                        return found
                continue
            identifier = item.get("id")
            if isinstance(identifier, str) and identifier:
                return identifier
    return None


# -- language maps -------------------------------------------------------------------------------

# A BCP 47 tag as peers write it ("en", "pt-BR", "zh_Hant" once normalised); "und" and "@none"
# say no language, which fedcop keeps as none.
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,4}")
NO_LANGUAGE = frozenset({"und", "@none", ""})


def language_tag(value: object) -> str | None:
    """A language tag if `value` is a well-formed one (underscores read as hyphens), else None."""
    if not isinstance(value, str):
        return None
    tag = value.strip().replace("_", "-")
    if tag.lower() in NO_LANGUAGE or not _LANGUAGE_TAG.fullmatch(tag):
        return None
    return tag


def from_language_map(value: object) -> tuple[str | None, str] | None:
    """(language, text) of a language map's (contentMap, summaryMap, nameMap) first entry that
    holds text, as Mastodon takes the first; None for an absent or empty map."""
    if not isinstance(value, Mapping):
        return None
    for key, text in value.items():
        if isinstance(text, str) and text:
            return language_tag(key), text
    return None


def context_language(document: Mapping[str, Any]) -> str | None:
    """The default language a document's JSON-LD context declares (`"@language": "en"`)."""
    for entry in as_list(document.get("@context")):
        if isinstance(entry, Mapping) and (tag := language_tag(entry.get("@language"))):
            return tag
    return None
