"""An actor's `icon` from elsewhere (Mastodon's avatar, Lemmy's community icon), kept to be
shown through the media proxy.

    "icon": {"type": "Image", "url": "https://…/a.png"}     the usual form
    "icon": "https://…/a.png", a Link ({"href": …}), a list   taken too: the first usable one
    anything else, or an address that is not http(s)         no icon: a generated picture
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fedcop.services.media.received import new_proxy_token
from fedcop.store import remote_icons as store
from federation.html import safe_url

MAX_CANDIDATES = 5


def icon_url(document: Mapping[str, Any]) -> str | None:
    """The address of the picture an actor document states as its icon, if any."""
    stated = document.get("icon")
    candidates = stated[:MAX_CANDIDATES] if isinstance(stated, list) else [stated]
    for candidate in candidates:
        url: object = candidate
        if isinstance(candidate, Mapping):
            url = candidate.get("url", candidate.get("href"))
            if isinstance(url, list):
                url = url[0] if url else None
            if isinstance(url, Mapping):
                url = url.get("href")
        found = safe_url(url)
        if found is not None:
            return found
    return None


async def keep(conn: Any, actor_id: int, document: Mapping[str, Any]) -> None:
    """Remember (or forget) a remote actor's icon, as its document now states it."""
    await store.keep(conn, actor_id, icon_url(document), new_proxy_token())
