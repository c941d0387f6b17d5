"""A reply written here to a post outside communities (a followed person's), as an ActivityStreams
`Note`, addressed as Mastodon addresses a reply: to the public (in `to`, or in `cc` when
unlisted) and the writer's followers, with the author of the post it answers in `cc` and tagged
as a `Mention`, so their server files it under their post and tells them.

    {"type": "Note", "inReplyTo": "https://masto.example/users/mona/statuses/1",
     "to": ["…#Public"], "cc": ["https://here/u/ann/followers", "https://masto.example/users/mona"],
     "tag": [{"type": "Mention", "href": "https://masto.example/users/mona",
              "name": "@mona@masto.example"}], ...}
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fedcop.config import Config
from fedcop.documents.actors import utc_timestamp
from fedcop.documents.context import AS_CONTEXT, PUBLIC
from fedcop.documents.posts import POST_CONTEXT, handle_of
from fedcop.store.actors import Actor
from fedcop.store.posts import Post


def person_reply_addressing(
    visibility: str, writer: Actor, answered: Actor
) -> dict[str, list[str]]:
    """`to` and `cc` of a public or unlisted reply to `answered`'s post."""
    followers = writer.followers_url or f"{writer.uri}/followers"
    if visibility == "unlisted":
        return {"to": [followers], "cc": [PUBLIC, answered.uri]}
    return {"to": [PUBLIC], "cc": [followers, answered.uri]}


def person_reply_object(
    post: Post, writer: Actor, answered: Actor, config: Config
) -> dict[str, Any]:
    """The reply `post` by `writer` to a post of `answered`'s (a Tombstone once deleted)."""
    if post.deleted_at is not None:
        return {
            "@context": AS_CONTEXT,
            "id": post.uri,
            "type": "Tombstone",
            "formerType": post.object_type,
            "deleted": utc_timestamp(post.deleted_at),
        }
    document: dict[str, Any] = {
        "@context": POST_CONTEXT,
        "id": post.uri,
        "type": "Note",
        "attributedTo": writer.uri,
        "inReplyTo": post.in_reply_to_uri,
        "content": post.content,
        "mediaType": "text/html",
        "published": utc_timestamp(post.published),
        "url": post.uri,
        **person_reply_addressing(post.visibility, writer, answered),
        "tag": [
            {"type": "Mention", "href": answered.uri, "name": handle_of(answered, config)},
            *(
                {
                    "type": "Hashtag",
                    "href": f"{config.base_url}/tags/{quote(tag)}",
                    "name": f"#{tag}",
                }
                for tag in post.tags
            ),
        ],
        "sensitive": post.sensitive,
    }
    if post.summary:
        document["summary"] = post.summary
    if post.updated is not None:
        document["updated"] = utc_timestamp(post.updated)
    return document
