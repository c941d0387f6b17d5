"""Posts as ActivityStreams objects.

A thread written here is an `Article` with a `name` (its title), which threadiverse servers
(Lemmy, PieFed, Mbin, NodeBB) show as a thread, and a `preview` Note holding the title and the
whole text, which microblog servers (Mastodon and friends) show in full where an Article alone
would shrink to a title and a link. A reply is a `Note` with `inReplyTo`.

Every post carries `audience` (its community, FEP-1b12), is addressed to the community and tags
it as a `Mention`, so replies written on any server reach the community. Its hashtags are
`Hashtag` tags linking to the tag's page here, so microblog servers file it under them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fedcop.config import Config
from fedcop.documents.actors import utc_timestamp
from fedcop.documents.context import AS_CONTEXT, PUBLIC
from fedcop.services.post_source import source_field
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.html import escape

POST_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {"sensitive": "as:sensitive", "lemmy": "https://join-lemmy.org/ns#"},
]


def handle_of(actor: Actor, config: Config) -> str:
    return f"@{actor.username}@{actor.domain or config.domain}"


def addressing(post_visibility: str, community: Actor) -> dict[str, list[str]]:
    followers = community.followers_url or f"{community.uri}/followers"
    if post_visibility == "followers":
        return {"to": [community.uri, followers], "cc": []}
    if post_visibility == "unlisted":
        return {"to": [community.uri], "cc": [PUBLIC, followers]}
    return {"to": [PUBLIC, community.uri], "cc": [followers]}


def post_object(post: Post, author: Actor, community: Actor, config: Config) -> dict[str, Any]:
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
        "type": post.object_type,
        "attributedTo": author.uri,
        "content": post.content,
        "mediaType": "text/html",
        "published": utc_timestamp(post.published),
        "url": post.url or post.uri,
        "audience": community.uri,
        **addressing(post.visibility, community),
        "tag": [
            {"type": "Mention", "href": community.uri, "name": handle_of(community, config)},
            *(
                {
                    "type": "Hashtag",
                    "href": f"{config.base_url}/tags/{quote(tag)}",
                    "name": f"#{tag}",
                }
                for tag in post.tags
            ),
        ],
        "replies": f"{post.uri}/replies",
        "sensitive": post.sensitive,
    }
    if post.title is not None:
        document["name"] = post.title
    if post.object_type == "Article" and post.title is not None:
        document["preview"] = {
            "type": "Note",
            "attributedTo": author.uri,
            "content": f"<p><strong>{escape(post.title)}</strong></p>{post.content}",
            "mediaType": "text/html",
            "published": document["published"],
        }
    if post.source is not None:
        # The Markdown it was written in, which Lemmy, PieFed and Mbin show and edit.
        document["source"] = source_field(post.source)
    if post.summary:
        document["summary"] = post.summary
    if post.in_reply_to_uri:
        document["inReplyTo"] = post.in_reply_to_uri
    if post.updated is not None:
        document["updated"] = utc_timestamp(post.updated)
    if post.attachments:
        document["attachment"] = [_attachment(item) for item in post.attachments]
    return document


def _attachment(item: dict[str, Any]) -> dict[str, Any]:
    """A stored attachment on the wire: a Link has `href`, a Document (or Image...) a `url`."""
    if item.get("type") == "Link":
        link: dict[str, Any] = {"type": "Link", "href": item["url"]}
    else:
        link = {"type": item.get("type") or "Document", "url": item["url"]}
    if item.get("mediaType"):
        link["mediaType"] = item["mediaType"]
    if item.get("name"):
        link["name"] = item["name"]
    return link
