"""Reading a post's stored attachment entries (the shape is in `fedcop/media/__init__.py`)."""

from __future__ import annotations

from typing import Any

# Keys of an entry that are fedcop's own bookkeeping, never sent to other servers.
LOCAL_KEYS = frozenset({"media_id", "preview_url", "file_name", "proxy", "sensitive"})

PROXY_PATH = "/media/proxy/"


def is_upload(item: dict[str, Any]) -> bool:
    """Whether the entry is a file uploaded here (it has a `media` row)."""
    return isinstance(item.get("media_id"), int)


def proxy_path(item: dict[str, Any]) -> str | None:
    """The path on this node that shows a file from elsewhere through the media proxy, or None
    when the file is not proxied (a link, or a file the proxy does not take)."""
    token = item.get("proxy")
    if not isinstance(token, str) or not token:
        return None
    return PROXY_PATH + token
