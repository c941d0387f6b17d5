"""What a post from another server says, read the way Mastodon reads it.

Peers write one field in many valid shapes; everything fedcop keeps of an inbound post is read
here, once, so the shapes are handled alike wherever a post arrives (a Create, an Announce, an
Update, a backfill, a fetched ancestor):

    content      `content`, else the first text of `contentMap`          -> sanitised HTML
    language     the first key of contentMap / nameMap / summaryMap, else `language`, else the
                 context's `@language`; "und" is none                    -> "en", "pt-BR", None
    summary      `summary`, else summaryMap's first; a summary whose text is empty (`<p></p>`,
                 `<br>`) is no content warning at all                    -> sanitised HTML or ""
    name         `name`, else nameMap's first                            -> text or None
    url          a string, a Link, or an array of them (text/html preferred)
    inReplyTo    a URI, an object, a Link or a collection holding one
    attachment   objects with `url` (a string, a Link or an array) or Links with `href`; each
                 marked sensitive when the post is
    author       `attributedTo` (one of its ids must be the sender); when it is null or absent,
                 the actor of the Create, if the object lives on that actor's origin; either
                 way on the object's own origin (scheme, host, port): the origin rule
    types        "as:Note", "https://www.w3.org/ns/activitystreams#Note" are "Note" (vocab)

`null` is read as absent everywhere. Nothing here touches the network or the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fedcop.documents.posts import without_title_paragraph
from fedcop.i18n.current import _
from fedcop.services import post_source
from fedcop.services.media import received as received_media
from fedcop.store.actors import Actor
from fedcop.store.posts import NewPost, Post
from federation.html import safe_url, sanitize, to_text
from federation.vocab import (
    PUBLIC_ALIASES,
    as_list,
    context_language,
    first_type,
    from_language_map,
    href_of,
    ids_of,
    language_tag,
    reference_of,
    same_origin,
)

MAX_TITLE = 200
# What fedcop keeps as a post (anything else in a Create is refused).
POST_TYPES = frozenset({"Note", "Page", "Article", "Question", "Event", "Video", "Image", "Audio"})
MAX_ATTACHMENTS = 20
MEDIA_TYPES = frozenset({"Image", "Video", "Audio", "Document"})


class FieldError(ValueError):
    """A post that cannot be read as one (no author, say); the message says why."""


@dataclass(frozen=True)
class PostFields:
    """The fields fedcop keeps of an inbound post, read and cleaned."""

    content: str  # sanitised HTML
    summary: str  # sanitised HTML; "" when there is no content warning
    name: str | None  # the object's own title, as text
    language: str | None
    url: str | None
    in_reply_to: str | None
    attachments: list[dict[str, Any]]
    sensitive: bool


def read(note: dict[str, Any]) -> PostFields:
    sensitive = note.get("sensitive") is True
    return PostFields(
        content=content_of(note),
        summary=summary_of(note),
        name=name_of(note),
        language=language_of(note),
        url=url_of(note),
        in_reply_to=in_reply_to_of(note),
        attachments=attachments_of(note, sensitive=sensitive),
        sensitive=sensitive,
    )


def clean_html(value: object) -> str:
    """Sanitised HTML, without NUL characters (PostgreSQL text cannot hold them)."""
    return sanitize(value).replace("\x00", "") if isinstance(value, str) else ""


def _text_or_map(note: dict[str, Any], name: str) -> str | None:
    """A natural-language property: its plain value if present, else its map's first text."""
    value = note.get(name)
    if isinstance(value, str) and value:
        return value
    found = from_language_map(note.get(f"{name}Map"))
    return found[1] if found is not None else None


def content_of(note: dict[str, Any]) -> str:
    return clean_html(_text_or_map(note, "content"))


def summary_of(note: dict[str, Any]) -> str:
    """The content warning: markup without any text in it (`<p></p>`) is none."""
    summary = clean_html(_text_or_map(note, "summary"))
    return summary if to_text(summary).strip() else ""


def name_of(note: dict[str, Any]) -> str | None:
    name = _text_or_map(note, "name")
    return name.replace("\x00", "") if name is not None else None


def language_of(note: dict[str, Any]) -> str | None:
    """As Mastodon: the key of the first contentMap (else nameMap, summaryMap) entry; then an
    explicit `language`, then the `@language` of the document's context."""
    for name in ("contentMap", "nameMap", "summaryMap"):
        found = from_language_map(note.get(name))
        if found is not None:
            return found[0]
    return language_tag(note.get("language")) or context_language(note)


def _web_address(value: object) -> str | None:
    """An http(s) address (federation.html.safe_url: the one URL policy), or None."""
    return safe_url(value)


def url_of(note: dict[str, Any]) -> str | None:
    """The post's page for people (text/html preferred among several Links)."""
    return _web_address(href_of(note.get("url"), "text/html"))


def in_reply_to_of(note: dict[str, Any]) -> str | None:
    return reference_of(note.get("inReplyTo"))


def attachments_of(note: dict[str, Any], *, sensitive: bool) -> list[dict[str, Any]]:
    """Attachments as stored: {"type", "url", "mediaType", "name", "sensitive"}, with
    "blurhash", "width", "height", "size" when valid and a "proxy" token for pictures (see
    services/media/received.py). A media file's description is its `summary` or `name`
    (Mastodon's order); a Link is kept as a link."""
    kept: list[dict[str, Any]] = []
    for item in as_list(note.get("attachment"))[:MAX_ATTACHMENTS]:
        if isinstance(item, str):
            item = {"type": "Link", "href": item}
        if not isinstance(item, dict):
            continue
        address = _web_address(href_of(item.get("href")) or href_of(item.get("url")))
        if address is None:
            continue
        media_type = item.get("mediaType") or _nested_media_type(item.get("url"))
        description = next(
            (
                text
                for text in (item.get("summary"), item.get("name"))
                if isinstance(text, str) and text.strip()
            ),
            "",
        )
        entry: dict[str, Any] = {
            "type": (first_type(item) or "Link")[:32],
            "url": address,
            "mediaType": str(media_type or "")[:128],
            # Plain text, escaped wherever it is shown.
            "name": description.strip().replace("\x00", "")[:1500],
            "sensitive": sensitive,
            **received_media.file_details(item),
        }
        if received_media.is_picture(entry):
            entry["proxy"] = received_media.new_proxy_token()
        kept.append(entry)
    return kept


def _nested_media_type(url: object) -> str | None:
    for link in as_list(url):
        if isinstance(link, dict) and isinstance(link.get("mediaType"), str):
            return str(link["mediaType"])
    return None


def is_media(attachment: dict[str, Any]) -> bool:
    """Whether a stored attachment is a picture, a video or a sound (not a link to a page)."""
    media_type = str(attachment.get("mediaType") or "")
    if media_type.startswith(("image/", "video/", "audio/")):
        return True
    return attachment.get("type") in MEDIA_TYPES - {"Document"}


def author_of(note: dict[str, Any], sender: str | None) -> str:
    """Who wrote the post: the sender when `attributedTo` names it (among others, as PeerTube's
    [Person, Group] does); when `attributedTo` is null or absent, the sender, if the object is
    on the sender's origin (it could not have been written elsewhere). With no sender (a post
    fetched by its id: relayed by a community, above a reply, backfilled, looked up), the
    first author it names.

    Whatever path brought the post, its author must live on the object's own origin (scheme,
    host and port: `federation.vocab.same_origin`). A server vouches only for what it serves:
    an object served by one server that names a person on another is not that person's post.
    """
    named = ids_of(note.get("attributedTo"))
    object_id = note.get("id")
    if not named:
        if sender is not None and same_origin(object_id, sender):
            return sender
        if sender is None:
            raise FieldError(
                _(
                    "%(object_id)s names no author (attributedTo is empty) and "
                    "is not on the origin of the actor who sent it",
                    object_id=object_id,
                )
            )
        raise FieldError(
            _(
                "%(object_id)s names no author (attributedTo is empty) and "
                "is not on the origin of %(sender)s",
                object_id=object_id,
                sender=sender,
            )
        )
    if sender is not None and sender not in named:
        raise FieldError(
            _(
                "%(object_id)s is attributed to %(named)s, not to %(sender)s who sent it",
                object_id=object_id,
                named=named[0],
                sender=sender,
            )
        )
    author = sender if sender is not None else named[0]
    if not same_origin(object_id, author):
        raise FieldError(
            _(
                "%(object_id)s is attributed to %(author)s, who is not on "
                "the object's origin: a server vouches only for its own "
                "people's posts",
                object_id=object_id,
                author=author,
            )
        )
    return author


# -- titles ----------------------------------------------------------------------------------

# Objects that are threads by their type: their title is `name`, or `summary` where older Lemmy
# versions (before 0.12) put it; for anything else `summary` is a content warning.
TITLED_TYPES = frozenset({"Page", "Article"})


def received_title(note: dict[str, Any], content: str, community_name: str) -> tuple[str, bool]:
    """The title of a thread from another server, and whether it is the object's `summary`:
    `name`; else, for a Page or Article, its `summary` as one line of text; else the first
    line of the (sanitised) `content`, as for a microblog post."""
    name = name_of(note)
    if name is not None and (title := one_line(name)):
        return title, False
    summary = summary_of(note)
    if first_type(note) in TITLED_TYPES and summary and (title := one_line(to_text(summary))):
        return title, True
    return title_and_body(to_text(content), community_name)[0], False


def one_line(text: str) -> str:
    """Text as a title: NUL characters dropped, whitespace collapsed, at most MAX_TITLE."""
    return " ".join(text.replace("\x00", "").split())[:MAX_TITLE]


def title_and_body(text: str, community_name: str, *others: str) -> tuple[str, str]:
    """A microblog post as a thread: its first line without the mention of the community (and
    of the `others` a cross-post names) is the title; the lines after it are the body (the
    whole text when there are none)."""
    names = "|".join(re.escape(name) for name in (community_name, *others))
    mention = re.compile(rf"@(?:{names})(@[\w.:-]+)?", re.IGNORECASE)
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cleaned = " ".join(mention.sub("", line).split())
        if cleaned:
            rest = "\n".join(lines[index + 1 :]).strip()
            return cleaned[:MAX_TITLE], rest or text.strip()
    return "(untitled)", text.strip()


# -- addressing and dates --------------------------------------------------------------------


def reaches_community(
    note: dict[str, Any], create: dict[str, Any], community_uri: str, followers_uri: str
) -> bool:
    """Public (or unlisted) posts, and posts addressed to the community or its followers."""
    addressed = [
        *ids_of(note.get("to")),
        *ids_of(note.get("cc")),
        *ids_of(note.get("audience")),
        *ids_of(create.get("to")),
        *ids_of(create.get("cc")),
    ]
    return any(a in PUBLIC_ALIASES or a in (community_uri, followers_uri) for a in addressed)


def visibility_of(note: dict[str, Any]) -> str:
    if any(address in PUBLIC_ALIASES for address in ids_of(note.get("to"))):
        return "public"
    if any(address in PUBLIC_ALIASES for address in ids_of(note.get("cc"))):
        return "unlisted"
    return "followers"


def published_of(note: dict[str, Any]) -> datetime | None:
    """When the author's server says the post was written (never later than now: the store
    clamps it); None if it does not say in a form we read."""
    value = note.get("published")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


# -- as stored -------------------------------------------------------------------------------


def new_post(
    note: dict[str, Any],
    create: dict[str, Any],
    *,
    community: Actor | None,
    author: Actor,
    parent: Post | None,
    thread_id: int | None,
) -> NewPost:
    """The row an inbound post becomes, in `community`, under `parent` (None: a new thread).
    `community` None: a followed person's post outside communities (services.followed_posts),
    titled only by its `name`, with the visibility its author gave it."""
    fields = read(note)
    title: str | None
    if community is None:
        name = name_of(note)
        title = (one_line(name) or None) if name is not None and thread_id is None else None
        title_from_summary = False
    else:
        title, title_from_summary = (
            received_title(note, fields.content, community.username)
            if thread_id is None
            else (None, False)
        )
    content = fields.content
    if title is not None and name_of(note) is not None:
        # A thread in its microblog-friendly form repeats its title as a first paragraph.
        content = without_title_paragraph(content, title)
    return NewPost(
        uri=str(note["id"]),
        community_id=community.id if community is not None else None,
        author_id=author.id,
        thread_id=thread_id,
        parent_id=parent.id if parent else None,
        in_reply_to_uri=fields.in_reply_to,
        object_type=first_type(note) or "Note",
        title=title,
        content=content,
        # Kept beside the HTML, never rendered: sent on as it came, and shown to edit.
        source=post_source.received_markdown(note),
        # A summary that became the title is not also a content warning.
        summary="" if title_from_summary else fields.summary,
        url=fields.url,
        attachments=fields.attachments,
        sensitive=fields.sensitive,
        # A private community here is for its members, whatever the author's server (Mastodon
        # addresses everything to the public) says about the post.
        visibility="followers"
        if community is not None and community.is_local and community.members_only
        else visibility_of(note),
        create_uri=create.get("id") if isinstance(create.get("id"), str) else None,
        published=published_of(note),
        language=fields.language,
    )
