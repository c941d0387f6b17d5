"""A watched page's change in the client API.

Mastodon apps hide notification types they do not know, so a 'page_changed' notification is
given as an `update` ("a post you interacted with was edited"), from the page's editor, whose
status describes the change and links to the page: its title, the version, the editor's note.
That status is no post: its id is the notification's, and `GET /api/v1/statuses/:id` answers
404 for it (apps open its `url`, the page, in a browser).
"""

from __future__ import annotations

from html import escape
from typing import Any

from fedcop.api.entities import acct, timestamp
from fedcop.config import Config
from fedcop.services.knowledge.notices import PageNotice
from fedcop.store.notifications import Notification

CLIENT_KIND = "update"


def page_status(
    item: Notification, notice: PageNotice, editor: dict[str, Any], config: Config
) -> dict[str, Any]:
    """The Status entity standing for the change `notice` told by `item`."""
    url = config.base_url + notice.path
    version = notice.version
    what = f"restored version {version.restored_from} of" if version.restored_from else "changed"
    content = (
        f'<p>{what.capitalize()} the page <a href="{escape(url)}">{escape(version.title)}</a> '
        f"(version {version.version}) in {escape(notice.community.display_name)}</p>"
    )
    if version.note:
        content += f"<p>“{escape(version.note)}”</p>"
    community = notice.community
    return {
        "id": str(item.id),
        "uri": notice.page.ap_id,
        "url": url,
        "created_at": timestamp(version.created_at),
        "edited_at": None,
        "account": editor,
        "content": content,
        "text": None,
        "spoiler_text": "",
        "sensitive": False,
        "visibility": "private" if community.members_only else "public",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "mentions": [
            {
                "id": str(community.id),
                "username": community.username,
                "acct": acct(community),
                "url": community.uri,
            }
        ],
        "tags": [],
        "emojis": [],
        "media_attachments": [],
        "card": None,
        "poll": None,
        "application": None,
        "language": None,
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "quotes_count": 0,
        "reblog": None,
        "filtered": [],
        "favourited": False,
        "reblogged": False,
        "bookmarked": False,
        "muted": False,
        "pinned": False,
    }
