"""Hashtags and mentions in a post: found in the text of a post written here, or read from the
`tag` list of a post from elsewhere; kept with the post, and the people named told.

    "@stewards@alpha.example Retention #Records"  -> mentions [("stewards", "alpha.example")]
                                                     hashtags ["records"]
    tag: [{"type": "Hashtag", "name": "#Records"}, {"type": "Mention", "href": "https://..."}]
                                                  -> hashtags ["records"], mentioned [href]
"""

from __future__ import annotations

import re
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.services import notifications, questions
from fedcop.services.mail import post_mail
from fedcop.services.polls import received as poll_received
from fedcop.store import post_extras
from fedcop.store.posts import Post
from fedcop.urls import Urls
from federation.vocab import as_list, type_of

MAX_TAGS = 30
MAX_TAG_LENGTH = 100

# `#word` not inside a word, a URL fragment or an HTML entity; at least one letter.
_HASHTAG = re.compile(r"(?<![\w/#&])#(\w*[^\W\d_]\w*)")
# `@name` or `@name@domain[:port]`, not inside a word or an e-mail address.
_MENTION = re.compile(
    r"(?<![\w@/.])@(\w(?:[\w.-]*\w)?)(?:@([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?))?"
)


def hashtags_in_text(text: str) -> list[str]:
    """Hashtags in plain text, lower case, without '#', in order, each once."""
    found = (match.group(1).lower() for match in _HASHTAG.finditer(text))
    return list(dict.fromkeys(tag for tag in found if len(tag) <= MAX_TAG_LENGTH))[:MAX_TAGS]


def mentions_in_text(text: str) -> list[tuple[str, str | None]]:
    """(name, domain or None) of every `@name[@domain]` in plain text, in order, each once."""
    found = (
        (match.group(1), match.group(2).lower() if match.group(2) else None)
        for match in _MENTION.finditer(text)
    )
    return list(dict.fromkeys(found))


def hashtags_in_tags(tags: object) -> list[str]:
    """The Hashtag entries of an ActivityStreams `tag` list (the first MAX_TAGS, each once)."""
    names: dict[str, None] = {}
    for tag in as_list(tags):
        if isinstance(tag, dict) and type_of(tag) == "Hashtag":
            name = tag.get("name")
            if isinstance(name, str):
                cleaned = name.strip().removeprefix("#").lower().replace("\x00", "")
                if (
                    cleaned
                    and len(cleaned) <= MAX_TAG_LENGTH
                    and not any(c.isspace() for c in cleaned)
                ):
                    names[cleaned] = None
                    if len(names) >= MAX_TAGS:
                        break  # the first MAX_TAGS are kept: the rest is not read
    return list(names)


def mentioned_in_tags(tags: object) -> list[str]:
    """The actor ids the Mention entries of a `tag` list point at (the first MAX_TAGS)."""
    hrefs: dict[str, None] = {}
    for tag in as_list(tags):
        if isinstance(tag, dict) and type_of(tag) == "Mention":
            href = tag.get("href")
            if isinstance(href, str):
                hrefs[href] = None
                if len(hrefs) >= MAX_TAGS:
                    break  # the first MAX_TAGS people are told: the rest is not read
    return list(hrefs)


async def mark_written(
    conn: asyncpg.Connection,
    config: Config,
    post: Post,
    text: str,
    addressed: list[str] | None = None,
) -> list[str]:
    """Hashtags of a post written here (returned, for the object sent out), and notifications
    for the people it answers or names: `addressed` (their ids, found by services.addressees),
    else those the text names here (`@name` or `@name@this-domain`)."""
    tags = hashtags_in_text(text)
    if tags:
        await post_extras.set_tags(conn, post.id, tags)
    if addressed is None:
        urls = Urls(config)
        addressed = [
            urls.user(name)
            for name, domain in mentions_in_text(text)
            if domain in (None, config.domain)
        ]
    await notifications.post_stored(conn, post, addressed)
    await post_mail.post_stored(conn, config, post)
    return tags


async def retag(conn: asyncpg.Connection, post_id: int, text: str) -> list[str]:
    """An edited post's hashtags, from its new text (nobody is notified again)."""
    tags = hashtags_in_text(text)
    await post_extras.set_tags(conn, post_id, tags)
    return tags


async def retag_received(conn: asyncpg.Connection, post_id: int, note: dict[str, Any]) -> None:
    """An edited post from elsewhere: its hashtags as the Update's object lists them."""
    await post_extras.set_tags(conn, post_id, hashtags_in_tags(note.get("tag")))


async def mark_received(
    conn: asyncpg.Connection,
    post: Post,
    note: dict[str, Any],
    *,
    notify: bool = True,
    config: Config | None = None,
) -> None:
    """Hashtags of a post from elsewhere, and notifications for the people it answers or
    names (unless `notify` is False: a backfilled post is old news)."""
    tags = hashtags_in_tags(note.get("tag"))
    if tags:
        await post_extras.set_tags(conn, post.id, tags)
    await questions.apply_received(conn, post, note, notify=notify, config=config)
    await poll_received.keep(conn, post, note)
    if notify:
        await notifications.post_stored(conn, post, mentioned_in_tags(note.get("tag")))
        if config is not None:  # mailed to its readers here (the members' choices)
            await post_mail.post_stored(conn, config, post)
