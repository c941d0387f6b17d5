"""MediaAttachment entities: the files of a post, and a member's own uploads, as Mastodon apps
read them.

Every entity is made from a stored attachment entry (the shape in `fedcop/media/__init__.py`):

    uploaded here      id = the upload's id; url = /media/TOKEN/FILE_NAME on this node (or the
                       public address of the bucket), preview_url = its thumbnail; remote_url null
    from elsewhere     url = this node's media proxy (/media/proxy/TOKEN) when the proxy shows it,
                       else the file's origin; remote_url = its origin
    still processing   url and preview_url null (Mastodon's "not yet": apps poll until set)

Pictures are `image`; a document is `unknown` (Mastodon's type for a file an app can only link
to), which apps show as a link with its description.
"""

from __future__ import annotations

from typing import Any

from fedcop import shown
from fedcop.config import Config
from fedcop.media.entries import is_upload, proxy_path

# Mastodon's attachment types by the start of the media type.
_KINDS_BY_MEDIA_TYPE = (("image/", "image"), ("video/", "video"), ("audio/", "audio"))
_KINDS_BY_TYPE = {"Image": "image", "Video": "video", "Audio": "audio"}


def kind_of(item: dict[str, Any]) -> str:
    """image | video | audio | unknown, from the file's media type, else its ActivityStreams
    type (a remote `Document` whose type is a picture's is a picture)."""
    media_type = str(item.get("mediaType") or "")
    for prefix, kind in _KINDS_BY_MEDIA_TYPE:
        if media_type.startswith(prefix):
            return kind
    return _KINDS_BY_TYPE.get(str(item.get("type")), "unknown")


def attachment_entity(
    item: dict[str, Any], config: Config, *, fallback_id: str, ready: bool = True
) -> dict[str, Any]:
    """The MediaAttachment for one stored entry. `fallback_id` names a file from elsewhere
    (which has no row here); `ready` False: an upload still being processed."""
    kind = kind_of(item)
    origin = shown.safe_url(item.get("url"))
    if is_upload(item):
        url = origin if ready else None
        # A picture's thumbnail; a document has none (apps would load it as a picture).
        preview = (shown.safe_url(item.get("preview_url")) or url) if ready else None
        if kind != "image":
            preview = None
        remote = None
        entity_id = str(item["media_id"])
    else:
        proxied = proxy_path(item)
        url = config.base_url + proxied if proxied is not None else origin
        preview = url if kind == "image" else None
        remote = origin
        entity_id = fallback_id
    description = str(item.get("name") or "")
    return {
        "id": entity_id,
        "type": kind,
        "url": url,
        "preview_url": preview,
        "remote_url": remote,
        "preview_remote_url": None,
        "text_url": None,
        "meta": _meta(item),
        "description": description or None,
        "blurhash": item.get("blurhash") if isinstance(item.get("blurhash"), str) else None,
    }


def _meta(item: dict[str, Any]) -> dict[str, Any] | None:
    """`original` (and `small`, the thumbnail's size at most 400 pixels wide or high) of a
    picture whose size is known; None otherwise, as Mastodon gives for a file it did not
    measure."""
    width, height = item.get("width"), item.get("height")
    if not _positive(width) or not _positive(height):
        return None
    assert isinstance(width, int) and isinstance(height, int)
    scale = min(1.0, 400 / max(width, height))
    small_width, small_height = max(1, round(width * scale)), max(1, round(height * scale))
    return {
        "original": _dimensions(width, height),
        "small": _dimensions(small_width, small_height),
    }


def _dimensions(width: int, height: int) -> dict[str, Any]:
    return {
        "width": width,
        "height": height,
        "size": f"{width}x{height}",
        "aspect": width / height,
    }


def _positive(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1_000_000
