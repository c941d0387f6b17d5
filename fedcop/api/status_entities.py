"""Status entities for posts, as a given viewer sees them.

A thread shows its title first (`<p><strong>Title</strong></p>`), then its body and its links.
Every status mentions its community, so a Mastodon app's reply (prefilled from the mentions)
stays in the community. A boost in a timeline is the booster's status wrapping the original in
`reblog` (`reblog_status`).
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import quote

from fedcop import shown
from fedcop.api.entities import account, acct, timestamp
from fedcop.api.media_entities import attachment_entity
from fedcop.api.polls import attach_polls
from fedcop.config import Config
from fedcop.media.entries import is_upload
from fedcop.services import status_views
from fedcop.services.post_fields import is_media
from fedcop.services.post_source import editable_text
from fedcop.services.status_views import StatusView
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.store.timelines import Entry
from fedcop.store.users import User
from federation.html import to_text
from federation.vocab import host_of

VISIBILITY = {
    "public": "public",
    "unlisted": "unlisted",
    "followers": "private",
    "direct": "direct",
}


async def render_statuses(
    pool: Any, config: Config, viewer: User | None, posts: list[Post]
) -> list[dict[str, Any]]:
    """Mastodon Status entities for `posts`, in the same order, as `viewer` sees them
    (favourited/bookmarked/reblogged flags); posts the viewer may not see are left out."""
    viewer_id = viewer.actor.id if viewer is not None else None
    found = await status_views.views(pool, viewer_id, posts)
    rendered = [status(view, config, with_viewer=viewer is not None) for view in found]
    await attach_polls(pool, viewer_id, rendered)
    return rendered


async def render_entries(
    pool: Any, config: Config, viewer: User | None, entries: list[Entry]
) -> list[dict[str, Any]]:
    """Status entities for timeline entries, in the same order: a post as itself, a boost as
    its wrapper; entries whose post the viewer may not see are left out."""
    viewer_id = viewer.actor.id if viewer is not None else None
    rendered = []
    for found in await status_views.entry_views(pool, viewer_id, entries):
        original = status(found.view, config, with_viewer=viewer is not None)
        boost = found.boost
        if boost is None or found.booster is None:
            rendered.append(original)
            continue
        booster = account(found.booster, config)
        rendered.append(
            reblog_status(boost.id, boost.activity_uri, boost.created_at, booster, original)
        )
    await attach_polls(pool, viewer_id, rendered)
    return rendered


async def render_status(
    pool: Any, config: Config, viewer: User | None, post: Post
) -> dict[str, Any] | None:
    found = await render_statuses(pool, config, viewer, [post])
    return found[0] if found else None


def status(view: StatusView, config: Config, *, with_viewer: bool) -> dict[str, Any]:
    post, facts, community = view.post, view.facts, view.community
    entity: dict[str, Any] = {
        "id": str(post.id),
        "uri": post.uri,
        "url": _url(post, config),
        "created_at": timestamp(post.published),
        "edited_at": timestamp(post.updated),
        "account": account(view.author, config),
        "content": _content(post),
        "spoiler_text": to_text(post.summary) if post.summary else "",
        "sensitive": post.sensitive or bool(post.summary),
        "visibility": VISIBILITY.get(post.visibility, "public"),
        "in_reply_to_id": str(facts.reply_to_id) if facts.reply_to_id is not None else None,
        "in_reply_to_account_id": (
            str(facts.reply_to_author_id) if facts.reply_to_author_id is not None else None
        ),
        "mentions": _community_mention(community, config)
        + [_person_mention(actor, config) for actor in view.recipients],
        "tags": [
            {"name": tag, "url": f"{config.base_url}/tags/{quote(tag)}"} for tag in facts.tags
        ],
        "emojis": [],
        "media_attachments": media_attachments(post, config),
        "card": None,
        "poll": None,
        "application": None,
        "language": post.language,
        "replies_count": facts.replies,
        "reblogs_count": facts.reblogs,
        "favourites_count": post.like_count,
        "quotes_count": 0,
        "reblog": None,
        "filtered": [],
    }
    if with_viewer:
        entity.update(
            favourited=facts.favourited,
            reblogged=facts.reblogged,
            bookmarked=facts.bookmarked,
            muted=facts.muted,
            pinned=facts.pinned,
        )
    return entity


def _community_mention(community: Actor | None, config: Config) -> list[dict[str, Any]]:
    """The community a post is in, as its one mention (none for a post outside communities)."""
    if community is None:
        return []
    return [
        {
            "id": str(community.id),
            "username": community.username,
            "acct": acct(community),
            "url": shown.link(community.uri, config.base_url),
        }
    ]


def _person_mention(actor: Actor, config: Config) -> dict[str, Any]:
    """A person a direct message is for, as one of its mentions."""
    return {
        "id": str(actor.id),
        "username": actor.username,
        "acct": acct(actor),
        "url": shown.link(actor.uri, config.base_url),
    }


def _url(post: Post, config: Config) -> str:
    if post.visibility == "direct" and post.uri.startswith(config.base_url + "/"):
        return f"{config.base_url}/messages/{post.thread_id or post.id}"
    if post.uri.startswith(config.base_url + "/"):
        if post.thread_id is None:
            return f"{config.base_url}/t/{post.id}"
        return f"{config.base_url}/t/{post.thread_id}#post-{post.id}"
    # As Mastodon: a page elsewhere than the post's own server (a link post's article) is not
    # the status's address.
    if shown.safe_url(post.url) and host_of(post.url) == host_of(post.uri):
        return str(post.url)
    return shown.link(post.uri, f"{config.base_url}/t/{post.thread_id or post.id}")


def _content(post: Post) -> str:
    """The title of a thread (unless the post came from a microblog, whose title is only its
    first line), the body, then the links attached to it."""
    parts = []
    if post.title and _shows_title(post):
        parts.append(f"<p><strong>{escape(post.title)}</strong></p>")
    parts.append(post.content)
    for item in post.attachments:
        if is_media(item) or is_upload(item):
            continue  # in media_attachments, where apps hide it if the post is sensitive
        url = shown.safe_url(item.get("url"))
        if url is not None:
            label = escape(str(item.get("name") or url))
            parts.append(f'<p><a href="{escape(url)}" rel="nofollow noopener">{label}</a></p>')
    return "".join(parts)


def _shows_title(post: Post) -> bool:
    """Whether a thread's title goes above its text: always, unless the text begins with it (a
    microblog post, titled by its first line). A `Note` with a `name`, as fedcop and others
    send threads to microblog servers, keeps its text without the title."""
    if not post.title or post.thread_id is not None:
        return False
    if post.object_type not in ("Note", "Question"):  # a Question: a poll, shown as a Note
        return True
    first_line = next(iter(to_text(post.content).splitlines()), "")
    return " ".join(post.title.split()) not in " ".join(first_line.split())


def media_attachments(post: Post, config: Config) -> list[dict[str, Any]]:
    """A post's files as MediaAttachment entities (api.media_entities): every file uploaded
    here, and the pictures, videos and sounds of a post from elsewhere (through this node's
    media proxy when it shows them, else at their origin). Apps blur them when the status is
    `sensitive`."""
    entities = []
    for index, item in enumerate(item for item in post.attachments if shown_as_media(item)):
        entities.append(attachment_entity(item, config, fallback_id=f"{post.id}{index:02d}"))
    return entities


def shown_as_media(item: dict[str, Any]) -> bool:
    """Whether an attachment is in `media_attachments` (else it is a link in the text)."""
    if is_upload(item):
        return True
    return is_media(item) and shown.safe_url(item.get("url")) is not None


def source_text(post: Post, community_acct: str) -> str:
    """The post as its author wrote it (Markdown), the `text` Mastodon returns when a status is
    deleted, so that an app can offer to redraft it, and the text an app edits (StatusSource):
    a thread starts with the mention that puts it back in its community, then its title."""
    body = editable_text(post)
    if post.thread_id is None and post.title:
        if not _shows_title(post):
            return body
        return f"@{community_acct} {post.title}\n\n{body}"
    return body


def reblog_status(
    boost_id: int,
    activity_uri: str,
    created_at: Any,
    booster: dict[str, Any],
    original: dict[str, Any],
) -> dict[str, Any]:
    """The status Mastodon returns for a boost: the booster's own, wrapping the original."""
    return {
        **original,
        "id": str(boost_id),
        "uri": activity_uri,
        "url": None,
        "created_at": timestamp(created_at),
        "edited_at": None,
        "account": booster,
        "content": "",
        "spoiler_text": "",
        "sensitive": False,
        "visibility": "public",
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
        "mentions": [],
        "tags": [],
        "replies_count": 0,
        "reblogs_count": 0,
        "favourites_count": 0,
        "reblog": original,
    }


def content_of(post: Post) -> str:
    """A post's `content` as a status shows it (title, body, links): also a past version's."""
    return _content(post)
