"""A direct message as an ActivityStreams `Note`, in the shape Mastodon sends and reads as a
`direct` status: addressed (`to`) to the people it is for and nobody else — no Public, no
followers collection, no community, no `audience`, an empty `cc` — each tagged as a `Mention`
(Mastodon files a status as direct when its audience is only the people it mentions).

    {"type": "Note", "id": "https://here/p/7", "attributedTo": "https://here/u/fa",
     "to": ["https://beta.example/u/bea"], "cc": [],
     "tag": [{"type": "Mention", "href": "https://beta.example/u/bea",
              "name": "@bea@beta.example"}],
     "inReplyTo": null, "content": "<p>Hello Bea, …</p>", ...}
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import utc_timestamp
from fedcop.documents.context import AS_CONTEXT
from fedcop.documents.posts import handle_of
from fedcop.store.actors import Actor
from fedcop.store.posts import Post

DIRECT_CONTEXT: list[Any] = [AS_CONTEXT, {"sensitive": "as:sensitive"}]


def direct_note(
    post: Post, writer: Actor, recipients: list[Actor], config: Config
) -> dict[str, Any]:
    """The message `post` by `writer` to `recipients` (a Tombstone once deleted)."""
    if post.deleted_at is not None:
        return {
            "@context": AS_CONTEXT,
            "id": post.uri,
            "type": "Tombstone",
            "formerType": "Note",
            "deleted": utc_timestamp(post.deleted_at),
        }
    document: dict[str, Any] = {
        "@context": DIRECT_CONTEXT,
        "id": post.uri,
        "type": "Note",
        "attributedTo": writer.uri,
        "inReplyTo": post.in_reply_to_uri,
        "content": post.content,
        "mediaType": "text/html",
        "published": utc_timestamp(post.published),
        "url": post.uri,
        "to": [actor.uri for actor in recipients],
        "cc": [],
        "tag": [
            {"type": "Mention", "href": actor.uri, "name": handle_of(actor, config)}
            for actor in recipients
        ],
        "sensitive": post.sensitive,
    }
    if post.summary:
        document["summary"] = post.summary
    if post.updated is not None:
        document["updated"] = utc_timestamp(post.updated)
    return document
