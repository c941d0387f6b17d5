"""Posts in communities: written here, or arriving from any server.

write here  -> stored, Create published by the author (fetchable at its id)
               local community:  the community relays it (services.relay)
               remote community: the Create is delivered to the community's inbox
Create in   -> which community?  audience / to / cc naming a local Group,
                                 else the inReplyTo chain reaching a stored post,
                                 else a public post that mentions a local Group (a thread
                                 from a microblog server: title from its first line)
            -> checks (author is the actor; thread not locked; posting restricted to
               facilitators) -> stored -> relayed if the community is local
            no community, sent by its author's server: services.followed_posts (a followed
               person's public post, or a reply under one) -> stored without community,
               else ignored with the reason
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.posts import POST_CONTEXT, addressing, post_object
from fedcop.network import Network
from fedcop.services import (
    followed_posts,
    markdown,
    outbox,
    post_marks,
    post_source,
    relay,
    remote_actors,
)
from fedcop.services.errors import Ignored, InvalidInput, NotFound, Refused
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import ids
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import NewPost, Post
from federation.html import escape, sanitize, to_text
from federation.vocab import PUBLIC_ALIASES, as_list, first_type, id_of, ids_of

MAX_TITLE = 200
MAX_CONTENT = 100_000
MAX_SUMMARY = 1000  # a content warning is a line, not a post
POST_TYPES = frozenset({"Note", "Page", "Article", "Question", "Event", "Video", "Image", "Audio"})
MAX_PARENT_FETCHES = 5


class PostRefused(Refused):
    """An inbound post the community does not take; the message says why."""


def local_post_uri(config: Config, post_id: int) -> str:
    return f"{config.base_url}/p/{post_id}"


# A web address, for attached links.
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


MAX_LINKS = 10


def link_attachments(links: list[str]) -> list[dict[str, Any]]:
    """Web addresses attached to a post (a link post, resources, slides...)."""
    if len(links) > MAX_LINKS:
        raise InvalidInput(f"a post carries at most {MAX_LINKS} links")
    attached = []
    for link in links:
        if not _URL.fullmatch(link.strip()) or len(link) > 2048:
            raise InvalidInput(f"{link!r} is not a web address (http:// or https://)")
        attached.append({"type": "Link", "url": link.strip(), "mediaType": "", "name": ""})
    return attached


# -- written here ----------------------------------------------------------------------------


async def write(
    pool: Any,
    config: Config,
    network: Network,
    *,
    author: str,
    community_uri: str,
    content: str,
    title: str | None = None,
    in_reply_to: str | None = None,
    links: list[str] | None = None,
    summary: str = "",
    sensitive: bool = False,
) -> Post:
    """A local user posts a thread (with a title) or a reply (to a post's id), optionally with
    links attached and a content warning (`summary`, plain text)."""
    attachments = link_attachments(links or [])
    if in_reply_to is None and not (title and title.strip()):
        raise InvalidInput("a new thread needs a title")
    if len(content) > MAX_CONTENT:
        raise InvalidInput(f"the post is too long: at most {MAX_CONTENT} characters")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"the content warning is too long: at most {MAX_SUMMARY} characters")
    if not content.strip():
        raise InvalidInput("the post is empty: write something")
    community = await remote_actors.get_actor(pool, network, community_uri)
    if community.actor_type != "Group":
        raise InvalidInput(f"{community_uri} is not a community")
    async with pool.acquire() as conn, conn.transaction():
        writer = await actor_store.find_local(conn, author)
        if writer is None or writer.actor.actor_type != "Person":
            raise NotFound(f"there is no user {author!r} on this node")
        parent = await _parent(conn, in_reply_to)
        if parent is not None and parent.community_id != community.id:
            raise InvalidInput("a reply belongs to the community of the post it answers")
        thread_id = None if parent is None else (parent.thread_id or parent.id)
        if thread_id is not None and await _locked(conn, thread_id):
            raise InvalidInput("this thread is locked: it takes no new replies")
        if parent is None and community.is_local:
            await _check_may_start_thread(conn, community, writer.actor)
        if await mod_store.is_banned(conn, community.id, writer.actor.id):
            raise InvalidInput(f"you are banned from {community.display_name}")
        post_id = await ids.next_id(conn)
        uri = local_post_uri(config, post_id)
        post = await post_store.insert(
            conn,
            NewPost(
                uri=uri,
                community_id=community.id,
                author_id=writer.actor.id,
                thread_id=thread_id,
                parent_id=parent.id if parent else None,
                in_reply_to_uri=in_reply_to,
                object_type="Article" if parent is None else "Note",
                title=title.strip()[:MAX_TITLE] if parent is None and title else None,
                content=markdown.render(post_source.written(content)),
                source=post_source.written(content),
                summary=escape(summary.strip()),
                url=None,
                attachments=attachments,
                sensitive=sensitive or bool(summary.strip()),
                visibility="followers" if community.members_only else "public",
                create_uri=None,
                published=None,
            ),
            post_id,
        )
        assert post is not None
        tags = await post_marks.mark_written(conn, config, post, f"{title or ''}\n{content}")
        document = post_object(replace(post, tags=tags), writer.actor, community, config)
        create = await outbox.publish(
            conn,
            config,
            writer.actor,
            {
                "type": "Create",
                "object": {k: v for k, v in document.items() if k != "@context"},
                "to": document["to"],
                "cc": document["cc"],
                "audience": community.uri,
            },
            [] if community.is_local else outbox.inbox_of(community),
            members_of=outbox.readers(community),
        )
        await post_store.set_create_uri(conn, post.id, create["id"])
        if community.is_local:
            await relay.relay(
                conn, config, community, create, new_thread_uri=uri if parent is None else None
            )
        found = await post_store.find(conn, post.id)
        assert found is not None
        return found


async def _parent(conn: asyncpg.Connection, in_reply_to: str | None) -> Post | None:
    if in_reply_to is None:
        return None
    parent = await post_store.find_by_uri(conn, in_reply_to)
    if parent is None or parent.is_gone:
        raise NotFound(f"there is no post {in_reply_to} to reply to")
    return parent


async def _locked(conn: asyncpg.Connection, thread_id: int) -> bool:
    thread = await post_store.find(conn, thread_id)
    return thread is not None and thread.locked


async def _check_may_start_thread(
    conn: asyncpg.Connection, community: Actor, author: Actor
) -> None:
    local = await actor_store.find_local(conn, community.username)
    if local is None or not local.posting_restricted_to_mods:
        return
    facilitators = {a.id for a in await actor_store.facilitators_of(conn, community.id)}
    if author.id not in facilitators:
        raise InvalidInput("only this community's facilitators may start threads here")


# -- arriving from other servers -------------------------------------------------------------


async def receive_create(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    *,
    via: Actor | None = None,
    backfill: bool = False,
) -> Post | None:
    """Take a Create from another server; the stored post, or None if it is not for us.

    `via` is the remote community that announced it: its posts are stored as they arrive for
    the members here. The post itself is then fetched from its origin, never taken from the
    announcement, since the community is not its author.

    `backfill` (with `via`): the post was listed in the community's outbox after a member here
    joined it (services.backfill). It is kept only if it is that community's own, and nobody is
    told about it: it is old news, not something that just happened.
    """
    actor_uri = str(id_of(create.get("actor")))
    if via is not None:
        object_id = id_of(create.get("object"))
        if object_id is None:
            raise PostRefused("the announced Create carries no object")
        note = await network.fetch(object_id)
        actor_uri = str(id_of(note.get("attributedTo")))
    else:
        note = await _object_of(network, create.get("object"), actor_uri)
    if first_type(note) not in POST_TYPES:
        raise PostRefused(f"a {first_type(note)} is not a post")
    if id_of(note.get("attributedTo")) != actor_uri:
        raise PostRefused(f"{note.get('id')} is attributed to someone other than {actor_uri}")
    async with pool.acquire() as conn:
        existing = await post_store.find_by_uri(conn, str(note["id"]))
    if existing is not None:
        return existing
    placement = await _place(pool, config, network, create, note, via)
    if placement is None:
        if via is None:
            return await _keep_outside_communities(pool, config, network, create, note, actor_uri)
        return None
    community, parent, thread_id = placement
    if backfill and (via is None or community.id != via.id):
        return None
    if not _reaches_community(note, create, community):
        # A direct message, or a reply meant only for its parent's author: not the community's
        # to keep, and never relayed to its members.
        raise Ignored(
            f"neither public nor addressed to the community {community.uri}: a direct or "
            "followers-only post is not the community's to keep"
        )
    author = await remote_actors.get_actor(pool, network, actor_uri)
    async with pool.acquire() as conn, conn.transaction():
        if await mod_store.is_banned(conn, community.id, author.id):
            raise PostRefused(f"{author.uri} is banned from {community.uri}")
        if community.is_local and community.members_only:
            await _check_member(conn, community, author)
        if thread_id is not None and await _locked(conn, thread_id):
            raise PostRefused("the thread is locked")
        if thread_id is None and community.is_local:
            try:
                await _check_may_start_thread(conn, community, author)
            except InvalidInput as error:
                raise PostRefused(str(error)) from None
        post = await post_store.insert(
            conn, _new_post(note, create, community, author, parent, thread_id)
        )
        if post is None:  # arrived twice at once
            return await post_store.find_by_uri(conn, str(note["id"]))
        await post_marks.mark_received(conn, post, note, notify=not backfill)
        if community.is_local:
            await relay.relay(
                conn,
                config,
                community,
                create,
                new_thread_uri=post.uri if thread_id is None else None,
            )
        return post


async def _keep_outside_communities(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    actor_uri: str,
) -> Post:
    """A person's post no community here takes: kept if someone here follows them or it names
    someone here, or if it answers a post kept that way (services.followed_posts decides, or
    says why not)."""
    placement = await followed_posts.place(pool, config, note, actor_uri)
    author = await remote_actors.get_actor(pool, network, actor_uri)
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.insert(
            conn, _new_post(note, create, None, author, placement.parent, placement.thread_id)
        )
        if post is None:  # arrived twice at once
            found = await post_store.find_by_uri(conn, str(note["id"]))
            assert found is not None
            return found
        await post_marks.mark_received(conn, post, note, notify=True)
        return post


async def _object_of(network: Network, value: object, actor_uri: str) -> dict[str, Any]:
    """The post a Create carries. An embedded object by its own author is taken as sent (the
    inbox checked it is on the author's host); an id alone is fetched."""
    if isinstance(value, dict):
        return value
    object_id = id_of(value)
    if object_id is None:
        raise PostRefused("the Create carries no object")
    return await network.fetch(object_id)


async def _place(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    via: Actor | None,
) -> tuple[Actor, Post | None, int | None] | None:
    """(community, parent, thread id) for an inbound post, or None if it is not for us."""
    in_reply_to = id_of(note.get("inReplyTo"))
    if via is not None and in_reply_to is None:
        # Announced by the community: its own post, or one addressed to it.
        audience = ids_of(note.get("audience")) + ids_of(note.get("to")) + ids_of(note.get("cc"))
        ours = via.uri in audience or id_of(note.get("attributedTo")) == via.uri
        return (via, None, None) if ours else None
    if in_reply_to is not None:
        parent = await _find_thread_post(pool, network, in_reply_to)
        if parent is None or parent.community_id is None:
            return None  # no thread here, or a followed person's: services.followed_posts
        async with pool.acquire() as conn:
            thread_community = await _actor_by_id(conn, parent.community_id)
        return thread_community, parent, parent.thread_id or parent.id
    named = await _named_local_community(pool, config, create, note)
    return None if named is None else (named, None, None)


async def _named_local_community(
    pool: Any, config: Config, create: dict[str, Any], note: dict[str, Any]
) -> Actor | None:
    """A local Group the post is addressed to (audience, to, cc) or, if public, mentions."""
    prefix = f"{config.base_url}/c/"
    candidates = [
        *ids_of(note.get("audience")),
        *ids_of(create.get("audience")),
        *ids_of(note.get("to")),
        *ids_of(note.get("cc")),
        *ids_of(create.get("to")),
        *ids_of(create.get("cc")),
    ]
    public = any(address in PUBLIC_ALIASES for address in candidates)
    if public:
        candidates += [
            str(tag.get("href"))
            for tag in as_list(note.get("tag"))
            if isinstance(tag, dict) and tag.get("type") == "Mention" and tag.get("href")
        ]
    async with pool.acquire() as conn:
        for candidate in dict.fromkeys(candidates):
            if candidate.startswith(prefix) and "/" not in candidate[len(prefix) :]:
                actor = await actor_store.find_by_uri(conn, candidate)
                if actor is not None and actor.actor_type == "Group":
                    return actor
    return None


async def _find_thread_post(pool: Any, network: Network, uri: str) -> Post | None:
    """The stored post `uri` names, following the inReplyTo chain up a few steps if needed."""
    for _ in range(MAX_PARENT_FETCHES):
        async with pool.acquire() as conn:
            found = await post_store.find_by_uri(conn, uri)
        if found is not None:
            return found
        try:
            parent = await network.fetch(uri)
        except Exception:  # an unreachable ancestor: the reply is not ours to take
            return None
        next_uri = id_of(parent.get("inReplyTo"))
        if next_uri is None:
            return None
        uri = next_uri
    return None


async def _actor_by_id(conn: asyncpg.Connection, actor_id: int) -> Actor:
    actor = await actor_store.find_by_id(conn, actor_id)
    assert actor is not None
    return actor


def _new_post(
    note: dict[str, Any],
    create: dict[str, Any],
    community: Actor | None,
    author: Actor,
    parent: Post | None,
    thread_id: int | None,
) -> NewPost:
    """The post to store; `community` None for a followed person's post outside communities
    (titled only by its `name`, with the visibility its author gave it)."""
    content = _clean_html(note.get("content"))
    if community is None:
        name = note.get("name")
        title = (_one_line(name) or None) if isinstance(name, str) and thread_id is None else None
        title_from_summary = False
    else:
        title, title_from_summary = (
            received_title(note, content, community) if thread_id is None else (None, False)
        )
    return NewPost(
        uri=str(note["id"]),
        community_id=community.id if community is not None else None,
        author_id=author.id,
        thread_id=thread_id,
        parent_id=parent.id if parent else None,
        in_reply_to_uri=id_of(note.get("inReplyTo")),
        object_type=first_type(note) or "Note",
        title=title,
        content=content,
        # Kept beside the HTML, never rendered: sent on as it came, and shown to edit.
        source=post_source.received_markdown(note),
        # A summary that became the title is not also a content warning.
        summary="" if title_from_summary else _clean_html(note.get("summary")),
        url=id_of(note.get("url")) if isinstance(id_of(note.get("url")), str) else None,
        attachments=_attachments(note.get("attachment")),
        sensitive=note.get("sensitive") is True,
        # A private community here is for its members, whatever the author's server (Mastodon
        # addresses everything to the public) says about the post.
        visibility="followers"
        if community is not None and community.is_local and community.members_only
        else _visibility(note),
        create_uri=create.get("id") if isinstance(create.get("id"), str) else None,
        published=_published(note.get("published")),
    )


def _published(value: object) -> datetime | None:
    """When the author's server says the post was written (never later than now: the store
    clamps it); None if it does not say in a form we read."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def _check_member(conn: asyncpg.Connection, community: Actor, author: Actor) -> None:
    """Only members (and facilitators) post in a private community."""
    if await follow_store.is_accepted_follower(conn, author.id, community.id):
        return
    if await mod_store.is_facilitator(conn, community.id, author.id):
        return
    raise PostRefused(f"{author.uri} is not a member of the private community {community.uri}")


def _clean_html(value: object) -> str:
    """Sanitised HTML, without NUL characters (PostgreSQL text cannot hold them)."""
    return sanitize(value).replace("\x00", "") if isinstance(value, str) else ""


# Objects that are threads by their type: their title is `name`, or `summary` where older Lemmy
# versions (before 0.12) put it; for anything else `summary` is a content warning.
TITLED_TYPES = frozenset({"Page", "Article"})


def received_title(note: dict[str, Any], content: str, community: Actor) -> tuple[str, bool]:
    """The title of a thread from another server, and whether it is the object's `summary`:
    `name`; else, for a Page or Article, its `summary` as one line of text; else the first
    line of the (sanitised) `content`, as for a microblog post."""
    name = note.get("name")
    if isinstance(name, str) and (title := _one_line(name)):
        return title, False
    summary = note.get("summary")
    if (
        first_type(note) in TITLED_TYPES
        and isinstance(summary, str)
        and (title := _one_line(to_text(sanitize(summary))))
    ):
        return title, True
    return _title_from_text(to_text(content), community), False


def _one_line(text: str) -> str:
    """Text as a title: NUL characters dropped, whitespace collapsed, at most MAX_TITLE."""
    return " ".join(text.replace("\x00", "").split())[:MAX_TITLE]


def _title_from_text(text: str, community: Actor) -> str:
    """A microblog post's first line, without the mention of the community."""
    return title_and_body(text, community)[0]


def title_and_body(text: str, community: Actor) -> tuple[str, str]:
    """A microblog post as a thread: its first line without the mention of the community is the
    title; the lines after it are the body (the whole text when there are none)."""
    mention = re.compile(rf"@{re.escape(community.username)}(@[\w.:-]+)?", re.IGNORECASE)
    lines = text.splitlines()
    for index, line in enumerate(lines):
        cleaned = " ".join(mention.sub("", line).split())
        if cleaned:
            rest = "\n".join(lines[index + 1 :]).strip()
            return cleaned[:MAX_TITLE], rest or text.strip()
    return "(untitled)", text.strip()


def _attachments(value: object) -> list[dict[str, Any]]:
    kept: list[dict[str, Any]] = []
    for item in as_list(value)[:20]:
        if isinstance(item, dict):
            url = item.get("href") if item.get("type") == "Link" else None
            url = url or id_of(item.get("url")) or item.get("href")
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                kept.append(
                    {
                        "type": str(item.get("type", "Link"))[:32],
                        "url": url[:2048],
                        "mediaType": str(item.get("mediaType", ""))[:128],
                        "name": str(item.get("name") or "")[:500],
                    }
                )
    return kept


def _reaches_community(note: dict[str, Any], create: dict[str, Any], community: Actor) -> bool:
    """Public (or unlisted) posts, and posts addressed to the community or its followers."""
    addressed = [
        *ids_of(note.get("to")),
        *ids_of(note.get("cc")),
        *ids_of(note.get("audience")),
        *ids_of(create.get("to")),
        *ids_of(create.get("cc")),
    ]
    followers = community.followers_url or f"{community.uri}/followers"
    return any(a in PUBLIC_ALIASES or a in (community.uri, followers) for a in addressed)


def _visibility(note: dict[str, Any]) -> str:
    if any(address in PUBLIC_ALIASES for address in ids_of(note.get("to"))):
        return "public"
    if any(address in PUBLIC_ALIASES for address in ids_of(note.get("cc"))):
        return "unlisted"
    return "followers"


__all__ = ["POST_CONTEXT", "PostRefused", "addressing", "receive_create", "write"]
