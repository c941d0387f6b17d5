"""A post's files and links as they go on the wire (`attachment`).

    a link            {"type": "Link", "href": U, "url": U, "mediaType": "text/html"}
                      `href` is what Lemmy and PieFed read; Takahē needs `url` and `mediaType`
                      on every attachment (without them it keeps the post as an empty stub)
    a picture         {"type": "Image", "url": U, "mediaType": "image/webp", "name": ALT,
                       "blurhash": "...", "width": 800, "height": 600, "size": 48213}
    any other file    {"type": "Document", "url": U, "mediaType": "application/pdf",
                       "name": DESCRIPTION, "size": 1234567}

Pictures and files are written the way Mastodon writes them (and reads them: `name` is the
description, `blurhash` is `toot:blurhash`, `width`/`height` are ActivityStreams'), which is also
what Misskey, GoToSocial, Lemmy and PieFed read. Only the wire keys below leave this node: the
`size` (bytes, `fedcop:size`; PeerTube writes
the same key) lets other servers say how large a file is before anyone opens it. The
bookkeeping of an entry (`fedcop.media.entries.LOCAL_KEYS`: the media row, the thumbnail, the
proxy token...) never does.
"""

from __future__ import annotations

from typing import Any

from fedcop.documents.context import FEDCOP_NAMESPACE
from fedcop.media.entries import LOCAL_KEYS

# `blurhash` is Mastodon's term; declared so JSON-LD processors read it as toot:blurhash.
ATTACHMENT_CONTEXT: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "blurhash": "toot:blurhash",
    "fedcop": FEDCOP_NAMESPACE,
    "size": "fedcop:size",
}

# What a file's entry may send besides its type and url, with the Python type each must have.
_FILE_FIELDS: tuple[tuple[str, type], ...] = (
    ("mediaType", str),
    ("name", str),
    ("blurhash", str),
    ("width", int),
    ("height", int),
    ("size", int),
)


def attachment_on_wire(item: dict[str, Any]) -> dict[str, Any]:
    """A stored attachment entry (shape: `fedcop.media`) as an `attachment` on the wire."""
    if item.get("type") == "Link":
        link: dict[str, Any] = {
            "type": "Link",
            "href": item["url"],
            "url": item["url"],
            "mediaType": item.get("mediaType") or "text/html",
        }
        if item.get("name"):
            link["name"] = item["name"]
        return link
    document: dict[str, Any] = {"type": item.get("type") or "Document", "url": item["url"]}
    for key, kind in _FILE_FIELDS:
        value = item.get(key)
        if key in LOCAL_KEYS or not _sendable(value, kind):
            continue
        document[key] = value
    return document


def _sendable(value: object, kind: type) -> bool:
    """A non-empty string, or a positive whole number (bool is an int in Python: `true` is
    no width)."""
    if kind is str:
        return isinstance(value, str) and value != ""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
