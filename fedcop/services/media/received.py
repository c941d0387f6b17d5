"""What fedcop keeps of a file that came with a post from elsewhere, besides its address.

    blurhash     a string of Blurhash's alphabet, 6 to 100 characters   (Mastodon, Misskey...)
    width        a whole number of pixels, 1 to 100000     (on the attachment or its url Link)
    height       the same
    size         a whole number of bytes, 1 to 2^40        (on the attachment or its url Link)
    proxy        a fresh unguessable token when the file is a picture this node shows through
                 its media proxy (`GET /media/proxy/TOKEN`, fedcop.web.media.proxy)

A value of the wrong type or out of bounds is left out, never guessed from. Pictures are told
by their `mediaType` (image/*, but not SVG, which can carry scripts), else by the type `Image`.
The proxy serves only files named by a token kept in a stored post (so it is no open proxy),
and a token is random (so a private post's files cannot be guessed at).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from typing import Any

from federation.vocab import as_list

MAX_PIXELS_SIDE = 100_000
MAX_SIZE = 2**40
# Blurhash's base-83 alphabet; a real hash is 6 characters and up (30 for 4x3 components).
_BLURHASH = re.compile(r"[0-9A-Za-z#$%*+,\-.:;=?@\[\]^_{|}~]{6,100}")
# Pictures a browser shows and the proxy checks by their bytes (fedcop.media.proxy_fetch).
_NOT_PICTURES = frozenset({"image/svg+xml"})


def file_details(item: dict[str, Any]) -> dict[str, Any]:
    """`blurhash`, `width`, `height`, `size` of an inbound attachment, when valid."""
    nested = [link for link in as_list(item.get("url")) if isinstance(link, dict)]
    details: dict[str, Any] = {}
    blurhash = item.get("blurhash")
    if isinstance(blurhash, str) and _BLURHASH.fullmatch(blurhash):
        details["blurhash"] = blurhash
    for key, most in (("width", MAX_PIXELS_SIDE), ("height", MAX_PIXELS_SIDE), ("size", MAX_SIZE)):
        for source in (item, *nested):
            number = _whole(source.get(key), most)
            if number is not None:
                details[key] = number
                break
    return details


def _whole(value: object, most: int) -> int | None:
    """A positive whole number up to `most`; JSON's 800.0 is 800, "800" and true are not."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and 0 < value <= most:
        return value
    return None


def is_picture(entry: dict[str, Any]) -> bool:
    """Whether a stored entry is a picture the proxy may show (by mediaType, else type)."""
    media_type = str(entry.get("mediaType") or "").lower()
    if media_type:
        return media_type.startswith("image/") and media_type not in _NOT_PICTURES
    return entry.get("type") == "Image"


def new_proxy_token() -> str:
    """An unguessable name for a file shown through the proxy (24 random bytes)."""
    return secrets.token_urlsafe(24)


def keep_proxy_tokens(
    before: Sequence[dict[str, Any]], after: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """An edited post's entries, each picture keeping the token it had for the same address:
    its cached copy stays valid, and the same edit received twice changes nothing."""
    tokens = {
        item["url"]: item["proxy"]
        for item in before
        if isinstance(item.get("proxy"), str) and isinstance(item.get("url"), str)
    }
    return [
        {**item, "proxy": tokens[item["url"]]}
        if "proxy" in item and item.get("url") in tokens
        else item
        for item in after
    ]
