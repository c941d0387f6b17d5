"""Posts as ActivityStreams objects.

A reply is a `Note` with `inReplyTo`. A thread (a post with a title) has two wire forms:

    fetched form (FETCHED)        the document served at the thread's id, and what microblog
                                  servers get: a `Note` with `name` (the title) whose content
                                  starts with the title, as a bold first paragraph. Mastodon,
                                  Takahē, Misskey and microblog.pub show a Note in full (an
                                  Article or Page only as a title and a link, or not at all);
                                  Lemmy and PieFed take a Note with `name` and no `inReplyTo`
                                  as a post titled `name`.
    threadiverse form (THREADIVERSE)  embedded in the Create/Update sent to communities and
                                  relayed in their Announce(activity): a `Page` with `name`
                                  and the body alone, the type Lemmy, PieFed and Mbin (which
                                  makes a Note a microblog post, not a thread) write threads as.

Every post carries `audience` (its community, FEP-1b12), is addressed to the community and tags
it as a `Mention`, so replies written on any server reach the community. The people it answers
or names are in `cc` and tagged as `Mention`s (services.addressees). Its hashtags are `Hashtag`
tags linking to the tag's page here, so microblog servers file it under them. A thread posted
in several communities at once ends with a paragraph linking the others (Lemmy has no field
for cross-posts).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape
from typing import Any, Literal
from urllib.parse import quote

from fedcop.config import Config
from fedcop.documents.actors import utc_timestamp
from fedcop.documents.attachments import ATTACHMENT_CONTEXT, attachment_on_wire
from fedcop.documents.context import AS_CONTEXT, PUBLIC
from fedcop.documents.questions import QUESTION_CONTEXT, question_fields
from fedcop.documents.summaries import summary_fields
from fedcop.services.post_source import source_field
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.html import escape

POST_CONTEXT: list[Any] = [
    AS_CONTEXT,
    {"sensitive": "as:sensitive", "lemmy": "https://join-lemmy.org/ns#"},
    QUESTION_CONTEXT,
    ATTACHMENT_CONTEXT,
]


FETCHED: Literal["fetched"] = "fetched"
THREADIVERSE: Literal["threadiverse"] = "threadiverse"
WireForm = Literal["fetched", "threadiverse"]


def handle_of(actor: Actor, config: Config) -> str:
    return f"@{actor.username}@{actor.domain or config.domain}"


def addressing(post_visibility: str, community: Actor) -> dict[str, list[str]]:
    followers = community.followers_url or f"{community.uri}/followers"
    if post_visibility == "followers":
        return {"to": [community.uri, followers], "cc": []}
    if post_visibility == "unlisted":
        return {"to": [community.uri], "cc": [PUBLIC, followers]}
    return {"to": [PUBLIC, community.uri], "cc": [followers]}


def post_object(
    post: Post,
    author: Actor,
    community: Actor,
    config: Config,
    *,
    mentioned: Sequence[Actor] = (),
    also_in: Sequence[tuple[str, Actor]] = (),
    form: WireForm = FETCHED,
) -> dict[str, Any]:
    """The post as JSON. `mentioned`: the people it answers or names; `also_in`: (thread id,
    community) of the other threads of a cross-post; `form`: see the module's docstring."""
    if post.deleted_at is not None:
        return {
            "@context": AS_CONTEXT,
            "id": post.uri,
            "type": "Tombstone",
            "formerType": _wire_type(post, form, config),
            "deleted": utc_timestamp(post.deleted_at),
        }
    addressed = addressing(post.visibility, community)
    addressed["cc"] += [actor.uri for actor in mentioned if actor.uri not in addressed["cc"]]
    document: dict[str, Any] = {
        "@context": POST_CONTEXT,
        "id": post.uri,
        "type": _wire_type(post, form, config),
        "attributedTo": author.uri,
        "content": _content(post, form, also_in, config),
        "mediaType": "text/html",
        "published": utc_timestamp(post.published),
        "url": post.url or post.uri,
        "audience": community.uri,
        **addressed,
        "tag": [
            {"type": "Mention", "href": community.uri, "name": handle_of(community, config)},
            *(
                {"type": "Mention", "href": actor.uri, "name": handle_of(actor, config)}
                for actor in mentioned
            ),
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
        document["attachment"] = [attachment_on_wire(item) for item in post.attachments]
    document.update(question_fields(post))
    document.update(summary_fields(post))
    return document


def _is_thread_written_here(post: Post, config: Config) -> bool:
    """A thread from elsewhere (listed in a community's outbox here) keeps its own form."""
    return (
        post.title is not None
        and post.thread_id is None
        and post.uri.startswith(f"{config.base_url}/")
    )


def _wire_type(post: Post, form: WireForm, config: Config) -> str:
    if not _is_thread_written_here(post, config):
        return post.object_type
    if post.object_type == "Question":
        # A thread with a poll is a Question in both forms (FEDERATION.md, "Polls").
        return "Question"
    return "Page" if form == THREADIVERSE else "Note"


def _content(
    post: Post, form: WireForm, also_in: Sequence[tuple[str, Actor]], config: Config
) -> str:
    content = post.content
    if post.title is not None and _is_thread_written_here(post, config) and form == FETCHED:
        content = title_paragraph(post.title) + content
    if also_in:
        links = ", ".join(
            f'<a href="{escape(uri)}">{escape(handle_of(community, config))}</a>'
            for uri, community in also_in
        )
        content += f'<p class="crossposts">Also posted in {links}</p>'
    return content


def title_paragraph(title: str) -> str:
    """The first paragraph of a thread's fetched form: its title, in bold."""
    return f"<p><strong>{escape(title)}</strong></p>"


_TITLE_PARAGRAPH = re.compile(r"\A\s*<p>\s*<strong>(.*?)</strong>\s*</p>\s*", re.DOTALL)


def without_title_paragraph(content: str, title: str) -> str:
    """A thread's text as received in the fetched form (a Note from fedcop, NodeBB...): the
    bold first paragraph that repeats its title is not part of the body."""
    match = _TITLE_PARAGRAPH.match(content)
    if match is None or " ".join(unescape(match.group(1)).split()) != " ".join(title.split()):
        return content
    return content[match.end() :]
