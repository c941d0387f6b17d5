"""Posts in communities: written here, or arriving from any server.

write here  -> stored, Create published by the author (fetchable at its id)
               local community:  the community relays it (services.relay)
               remote community: the Create is delivered to the community's inbox
Create in   -> its fields read as Mastodon reads them (services.post_fields)
            -> which community?  audience / to / cc naming a local Group,
                                 else the inReplyTo chain reaching a stored post (fetched,
                                 when the reply is for someone here: services.placement),
                                 else a public post that mentions a local Group (a thread
                                 from a microblog server: title from its first line)
            -> checks (author is the actor; thread not locked; posting restricted to
               facilitators) -> stored -> relayed if the community is local
            no community, sent by its author's server: services.followed_posts (a followed
               person's public post, or a reply under one) -> stored without community,
               else ignored with the reason
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.posts import POST_CONTEXT, addressing
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import (
    addressees,
    followed_posts,
    lifecycle,
    markdown,
    placement,
    post_delivery,
    post_fields,
    post_marks,
    post_source,
    questions,
    relay,
    remote_actors,
    summary_flags,
)
from fedcop.services.errors import Ignored, InvalidInput, NotFound, Refused
from fedcop.services.mail import addresses as mail_addresses
from fedcop.services.media import post_files
from fedcop.services.messages import receiving as messages_receiving
from fedcop.services.polls import drafts as poll_drafts
from fedcop.services.polls import writing as poll_writing

# Where they were defined before services.post_fields read inbound posts; still found here.
from fedcop.services.post_fields import MAX_TITLE as MAX_TITLE
from fedcop.services.post_fields import POST_TYPES as POST_TYPES
from fedcop.store import actors as actor_store
from fedcop.store import addressees as addressee_store
from fedcop.store import follows as follow_store
from fedcop.store import ids
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import NewPost, Post
from federation.html import escape
from federation.vocab import first_type, id_of, ids_of

log = logging.getLogger(__name__)

MAX_CONTENT = 100_000
MAX_SUMMARY = 1000  # a content warning is a line, not a post


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
        raise InvalidInput(_("a post carries at most %(max_links)s links", max_links=MAX_LINKS))
    attached = []
    for link in links:
        if not _URL.fullmatch(link.strip()) or len(link) > 2048:
            raise InvalidInput(
                _("%(link)s is not a web address (http:// or https://)", link=repr(link))
            )
        attached.append({"type": "Link", "url": link.strip(), "mediaType": "", "name": ""})
    return attached


# -- written here ----------------------------------------------------------------------------


MAX_COMMUNITIES = 5  # communities one thread may be posted in at once (a cross-post)


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
    also_in: list[str] | None = None,
    question: bool = False,
    facilitator_summary: bool = False,
    poll: poll_drafts.PollDraft | None = None,
    media_ids: list[int] | None = None,
) -> Post:
    """A local user posts a thread (with a title) or a reply (to a post's id), optionally with
    links attached and a content warning (`summary`, plain text).

    `also_in`: the ids of other communities the same thread starts in (a cross-post). Each gets
    a thread of its own, linked to the others; they are all written, or none is (the first
    refusal is the answer). The thread in `community_uri` is returned. `question`: the thread
    asks one (services.questions). `facilitator_summary`: the reply is a facilitator's summary
    of the thread it answers (services.summary_flags). `poll`: the thread carries one
    (services.polls), in one community only. `media_ids`: the writer's own uploads it carries
    (services.post_files), stored with it in the same transaction."""
    attachments = link_attachments(links or [])
    media_ids = post_files.checked_ids(config, media_ids)
    if in_reply_to is None and not (title and title.strip()):
        raise InvalidInput(_("a new thread needs a title"))
    if len(content) > MAX_CONTENT:
        raise InvalidInput(
            _("the post is too long: at most %(max_content)s characters", max_content=MAX_CONTENT)
        )
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            _(
                "the content warning is too long: at most %(max_summary)s characters",
                max_summary=MAX_SUMMARY,
            )
        )
    if not content.strip() and not media_ids:
        raise InvalidInput(_("the post is empty: write something"))
    targets = list(dict.fromkeys([community_uri, *(also_in or [])]))
    if len(targets) > 1 and in_reply_to is not None:
        raise InvalidInput(_("a reply belongs to the community of the post it answers alone"))
    if len(targets) > MAX_COMMUNITIES:
        raise InvalidInput(
            _(
                "a thread may be posted in at most %(max_communities)s communities",
                max_communities=MAX_COMMUNITIES,
            )
        )
    if poll is not None:
        if in_reply_to is not None or len(targets) > 1:
            raise InvalidInput(
                _("a poll starts a thread, in one community (its votes are counted once)")
            )
        poll = poll_drafts.checked(poll)
    communities = [await _community(pool, network, uri) for uri in targets]
    if len(communities) > 1 and any(c.members_only for c in communities):
        raise InvalidInput(
            _(
                "a thread in a members-only community is for its members "
                "alone: post it there on its own, not together with other "
                "communities"
            )
        )
    named = await addressees.named_in(pool, config, network, f"{title or ''}\n{content}")
    draft = _Draft(
        content=post_source.written(content),
        title=title.strip()[:MAX_TITLE] if in_reply_to is None and title else None,
        in_reply_to=in_reply_to,
        attachments=attachments,
        summary=summary,
        sensitive=sensitive,
        named=named,
        poll=poll is not None,
    )
    async with pool.acquire() as conn, conn.transaction():
        writer = await actor_store.find_local(conn, author)
        if writer is None or writer.actor.actor_type != "Person":
            raise NotFound(_("there is no user %(author)s on this node", author=repr(author)))
        await mail_addresses.check_may_post(conn, writer.actor.id)
        files = await post_files.chosen(conn, config, writer.actor.id, media_ids)
        if files:
            uploads = post_files.entries(
                config, files, sensitive=draft.sensitive or bool(draft.summary.strip())
            )
            draft = replace(draft, attachments=[*uploads, *draft.attachments])
        parent = await _parent(conn, in_reply_to)
        post_ids = [await ids.next_id(conn) for _ in communities]
        written = []
        for post_id, community in zip(post_ids, communities, strict=True):
            written.append(
                await _write_in(conn, config, writer.actor, community, post_id, parent, draft)
            )
            await post_files.attach(conn, config, post_id, writer.actor.id, files)
        await addressee_store.link_crossposts(conn, [post.id for post in written])
        if poll is not None:
            await poll_writing.attach(conn, written[0].id, poll)
        if question and in_reply_to is None:
            written = await questions.asked(conn, written)
        if facilitator_summary:
            written = await summary_flags.flag_written(conn, writer.actor, communities[0], written)
        for post, community in zip(written, communities, strict=True):
            await _send(conn, config, writer.actor, community, post)
        found = await post_store.find(conn, written[0].id)
        assert found is not None
        return found


@dataclass(frozen=True)
class _Draft:
    """What the author wrote, checked, as every community it goes to gets it."""

    content: str
    title: str | None
    in_reply_to: str | None
    attachments: list[dict[str, Any]]
    summary: str
    sensitive: bool
    named: list[Actor]
    # The thread carries a poll: it is a Question on the wire.
    poll: bool = False


async def _community(pool: Any, network: Network, uri: str) -> Actor:
    community = await remote_actors.get_actor(pool, network, uri)
    if community.actor_type != "Group":
        raise InvalidInput(_("%(uri)s is not a community", uri=uri))
    return community


async def _write_in(
    conn: asyncpg.Connection,
    config: Config,
    writer: Actor,
    community: Actor,
    post_id: int,
    parent: Post | None,
    draft: _Draft,
) -> Post:
    """Store the post in one community (checked as that community's rules say) with the people
    it is addressed to; nothing is sent yet."""
    if parent is not None and parent.community_id != community.id:
        raise InvalidInput(_("a reply belongs to the community of the post it answers"))
    lifecycle.ensure_open(community)
    thread_id = None if parent is None else (parent.thread_id or parent.id)
    if thread_id is not None and await _locked(conn, thread_id):
        raise InvalidInput(_("this thread is locked: it takes no new replies"))
    if parent is None and community.is_local:
        await _check_may_start_thread(conn, community, writer)
    if await mod_store.is_banned(conn, community.id, writer.id):
        raise InvalidInput(_("you are banned from %(community)s", community=community.display_name))
    if community.is_local and community.members_only:
        try:
            await _check_member(conn, community, writer)
        except PostRefused:
            raise InvalidInput(
                _(
                    "%(community)s is members-only: join it (and be accepted) to post there",
                    community=community.display_name or community.username,
                )
            ) from None
    answered = await _answered(conn, parent)
    people = await addressees.of_post(
        conn, community=community, writer=writer, answered=answered, named=draft.named
    )
    # Everyone named in the text is linked, in or out of the audience: the link is the
    # person's page, what Mastodon does for any handle it knows.
    linked = list({a.id: a for a in [*people, *draft.named]}.values())
    post = await post_store.insert(
        conn,
        NewPost(
            uri=local_post_uri(config, post_id),
            community_id=community.id,
            author_id=writer.id,
            thread_id=thread_id,
            parent_id=parent.id if parent else None,
            in_reply_to_uri=draft.in_reply_to,
            object_type="Question" if draft.poll else "Page" if parent is None else "Note",
            title=draft.title,
            content=addressees.link_mentions(markdown.render(draft.content), linked, config),
            source=draft.content,
            summary=escape(draft.summary.strip()),
            url=None,
            attachments=draft.attachments,
            sensitive=draft.sensitive or bool(draft.summary.strip()),
            visibility="followers" if community.members_only else "public",
            create_uri=None,
            published=None,
        ),
        post_id,
    )
    assert post is not None
    await addressee_store.set_mentions(conn, post.id, [actor.id for actor in people])
    await post_marks.mark_written(
        conn, config, post, f"{draft.title or ''}\n{draft.content}", [a.uri for a in people]
    )
    found = await post_store.find(conn, post.id)
    assert found is not None
    return found


async def _answered(conn: asyncpg.Connection, parent: Post | None) -> list[Actor]:
    """The authors a reply answers: its parent's, and its thread's (who asked)."""
    if parent is None:
        return []
    authors = [parent.author_id]
    if parent.thread_id is not None:
        thread = await post_store.find(conn, parent.thread_id)
        if thread is not None:
            authors.append(thread.author_id)
    found = [await actor_store.find_by_id(conn, author_id) for author_id in authors]
    return [actor for actor in found if actor is not None]


async def _send(
    conn: asyncpg.Connection, config: Config, writer: Actor, community: Actor, post: Post
) -> None:
    """Publish the Create of a stored post; a community here relays it to its members."""
    create = await post_delivery.publish(conn, config, "Create", post, writer, community)
    await post_store.set_create_uri(conn, post.id, create["id"])
    if community.is_local:
        await relay.relay(
            conn, config, community, create, new_thread_uri=await _shown_alone(conn, post)
        )


async def _shown_alone(conn: asyncpg.Connection, post: Post) -> str | None:
    """The id announced by itself to the community's microblog followers (relay): a new
    thread's, a facilitator's summary's, or an answer to a question (a reply to the question
    itself), which they see as a boosted reply. Other replies are not boosted: a follower
    reads a conversation from the thread, and a boost of every reply would flood them."""
    if post.is_thread or post.facilitator_summary:
        return post.uri
    if post.thread_id is None or post.parent_id != post.thread_id:
        return None
    thread = await post_store.find(conn, post.thread_id)
    return post.uri if thread is not None and thread.is_question else None


async def _parent(conn: asyncpg.Connection, in_reply_to: str | None) -> Post | None:
    if in_reply_to is None:
        return None
    parent = await post_store.find_by_uri(conn, in_reply_to)
    if parent is None or parent.is_gone:
        raise NotFound(_("there is no post %(in_reply_to)s to reply to", in_reply_to=in_reply_to))
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
        raise InvalidInput(_("only this community's facilitators may start threads here"))


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
    """Take a Create from another server; the stored post. One that is not for us raises
    Ignored with why (recorded on the inbound row). Its fields are read by services.post_fields;
    where it goes (and the conversation above a reply, fetched) is services.placement's, or,
    in no community, services.followed_posts'.

    `via` is the remote community that announced it: its posts are stored as they arrive for
    the members here. The post itself is then fetched from its origin, never taken from the
    announcement, since the community is not its author.

    `backfill` (with `via`): the post was listed in the community's outbox after a member here
    joined it (services.backfill). It is kept only if it is that community's own, and nobody is
    told about it: it is old news, not something that just happened.
    """
    if via is not None:
        object_id = id_of(create.get("object"))
        if object_id is None:
            raise PostRefused(_("the announced Create carries no object"))
        note = await network.fetch(object_id)
    else:
        note = await _object_of(network, create.get("object"))
    if first_type(note) not in POST_TYPES:
        raise PostRefused(_("a %(kind)s is not a post", kind=first_type(note)))
    author_uri = _author(note, create, via)
    async with pool.acquire() as conn:
        existing = await post_store.find_by_uri(conn, str(note["id"]))
    if existing is not None:
        return existing
    if via is None and not backfill:
        # A direct message for someone here is theirs alone: no community takes it.
        direct = await messages_receiving.receive(pool, config, network, create, note, author_uri)
        if direct is not None:
            return direct
    placed = await placement.place(pool, config, network, create, note, via)
    if isinstance(placed, str) and via is None:
        # No community here takes it: a followed person's post, or a reply under one.
        return await _keep_outside_communities(
            pool, config, network, create, note, author_uri, placed
        )
    if backfill and isinstance(placed, placement.Placement) and placed.community.id != _via_id(via):
        placed = "a backfilled post must belong to the community whose outbox listed it"
    if isinstance(placed, placement.Placement) and not _reaches_community(
        note, create, placed.community
    ):
        # A direct message, or a reply meant only for its parent's author: not the community's
        # to keep, and never relayed to its members.
        placed = f"it is neither public nor addressed to {placed.community.uri}"
    if isinstance(placed, str):
        log.info("post %s not kept: %s", note.get("id"), placed)
        raise Ignored(f"not kept: {placed}")
    community = placed.community
    author = await remote_actors.get_actor(pool, network, author_uri)
    async with pool.acquire() as conn, conn.transaction():
        if await mod_store.is_banned(conn, community.id, author.id):
            raise PostRefused(
                _(
                    "%(author)s is banned from %(community)s",
                    author=author.uri,
                    community=community.uri,
                )
            )
        if community.is_local and community.is_closed:
            raise PostRefused(lifecycle.closed_sentence(community))
        if community.is_local and community.members_only:
            await _check_member(conn, community, author)
        parent, thread_id = placed.parent, placed.thread_id
        if thread_id is not None and await _locked(conn, thread_id):
            raise PostRefused(_("the thread is locked"))
        if thread_id is None and community.is_local and not placed.ancestors:
            try:
                await _check_may_start_thread(conn, community, author)
            except InvalidInput as error:
                raise PostRefused(str(error)) from None
        for document, ancestor_author in placed.ancestors:
            parent = await _keep_ancestor(conn, document, community, ancestor_author, parent)
            thread_id = thread_id or parent.id
        post = await post_store.insert(
            conn,
            post_fields.new_post(
                note,
                create,
                community=community,
                author=author,
                parent=parent,
                thread_id=thread_id,
            ),
        )
        if post is None:  # arrived twice at once
            return await post_store.find_by_uri(conn, str(note["id"]))
        await post_marks.mark_received(conn, post, note, notify=not backfill, config=config)
        post = await summary_flags.apply_received(conn, post, note)
        if community.is_local:
            await relay.relay(
                conn, config, community, create, new_thread_uri=await _shown_alone(conn, post)
            )
        return post


async def _keep_outside_communities(
    pool: Any,
    config: Config,
    network: Network,
    create: dict[str, Any],
    note: dict[str, Any],
    author_uri: str,
    why_not_in_a_community: str,
) -> Post:
    """A person's post no community here takes: kept if someone here follows them or it names
    someone here, or if it answers a post kept that way (services.followed_posts decides, or
    says why not)."""
    try:
        placed = await followed_posts.place(pool, config, note, author_uri)
    except Ignored as outside:
        log.info("post %s not kept: %s; %s", note.get("id"), why_not_in_a_community, outside)
        raise Ignored(f"not kept: {why_not_in_a_community}; {outside}") from None
    author = await remote_actors.get_actor(pool, network, author_uri)
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.insert(
            conn,
            post_fields.new_post(
                note,
                create,
                community=None,
                author=author,
                parent=placed.parent,
                thread_id=placed.thread_id,
            ),
        )
        if post is None:  # arrived twice at once
            found = await post_store.find_by_uri(conn, str(note["id"]))
            assert found is not None
            return found
        await post_marks.mark_received(conn, post, note, notify=True)
        return post


def _via_id(via: Actor | None) -> int | None:
    return via.id if via is not None else None


def _author(note: dict[str, Any], create: dict[str, Any], via: Actor | None) -> str:
    """The post's author. A post announced by a community was fetched from its origin: its
    `attributedTo` is believed if that author is on the same origin; a post sent by its author
    must name that author (or no one). The origin rule is post_fields.author_of's."""
    sender = id_of(create.get("actor"))
    try:
        if via is not None and ids_of(note.get("attributedTo")):
            return post_fields.author_of(note, None)
        return post_fields.author_of(note, sender)
    except post_fields.FieldError as error:
        raise PostRefused(str(error)) from None


async def _object_of(network: Network, value: object) -> dict[str, Any]:
    """The post a Create carries. An embedded object by its own author is taken as sent (the
    inbox checked it is on the author's host); an id alone is fetched."""
    if isinstance(value, dict):
        return value
    object_id = id_of(value)
    if object_id is None:
        raise PostRefused(_("the Create carries no object"))
    return await network.fetch(object_id)


async def _keep_ancestor(
    conn: asyncpg.Connection,
    document: dict[str, Any],
    community: Actor,
    author: Actor,
    parent: Post | None,
) -> Post:
    """A post fetched above a reply (services.placement), kept under `parent`, or as the
    thread at the top. Old news: nobody is notified, and nothing is relayed (its servers
    delivered it to whom it was for; members' servers fetch it as this node did)."""
    if await mod_store.is_banned(conn, community.id, author.id):
        raise PostRefused(
            _(
                "it answers a post by %(author)s, who is banned from %(community)s",
                author=author.uri,
                community=community.uri,
            )
        )
    if parent is None and community.is_local:
        try:
            await _check_may_start_thread(conn, community, author)
        except InvalidInput as error:
            raise PostRefused(
                _("the conversation it belongs to may not be here: %(error)s", error=error)
            ) from None
    thread_id = None if parent is None else (parent.thread_id or parent.id)
    kept = await post_store.insert(
        conn,
        post_fields.new_post(
            document, {}, community=community, author=author, parent=parent, thread_id=thread_id
        ),
    )
    if kept is None:  # kept meanwhile by another worker
        found = await post_store.find_by_uri(conn, str(document["id"]))
        assert found is not None
        return found
    await post_marks.mark_received(conn, kept, document, notify=False)
    return kept


async def _check_member(conn: asyncpg.Connection, community: Actor, author: Actor) -> None:
    """Only members (and facilitators) post in a private community."""
    if await follow_store.is_accepted_follower(conn, author.id, community.id):
        return
    if await mod_store.is_facilitator(conn, community.id, author.id):
        return
    raise PostRefused(
        _(
            "%(author)s is not a member of the private community %(community)s",
            author=author.uri,
            community=community.uri,
        )
    )


def received_title(note: dict[str, Any], content: str, community: Actor) -> tuple[str, bool]:
    """The title of a thread from another server, and whether it is the object's `summary`
    (services.post_fields.received_title)."""
    return post_fields.received_title(note, content, community.username)


def title_and_body(text: str, community: Actor, *others: Actor) -> tuple[str, str]:
    """A microblog post as a thread: its first line without the mention of the community (and
    of the `others` it is cross-posted to) is the title; the lines after it are the body (the
    whole text when there are none)."""
    return post_fields.title_and_body(text, community.username, *(c.username for c in others))


def _reaches_community(note: dict[str, Any], create: dict[str, Any], community: Actor) -> bool:
    followers = community.followers_url or f"{community.uri}/followers"
    return post_fields.reaches_community(note, create, community.uri, followers)


__all__ = ["POST_CONTEXT", "PostRefused", "addressing", "receive_create", "write"]
