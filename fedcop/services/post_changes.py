"""Authors edit (Update) and delete (Delete -> Tombstone) their own posts, here or elsewhere.

author here, community here     -> stored; Update/Delete published; the community relays it
author here, community elsewhere -> stored; Update/Delete delivered to the community
Update/Delete in                -> only the post's author may; stored; relayed if the
                                   community is local
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.posts import without_title_paragraph
from fedcop.i18n.current import _
from fedcop.media.entries import is_upload
from fedcop.network import Network
from fedcop.services import (
    addressees,
    lifecycle,
    markdown,
    person_replies,
    post_delivery,
    post_fields,
    post_marks,
    post_source,
    questions,
    relay,
    summary_flags,
)
from fedcop.services.errors import InvalidInput, NotFound, NotYours, Refused
from fedcop.services.media import post_files
from fedcop.services.media import received as received_media
from fedcop.services.messages import sending as messages_sending
from fedcop.services.polls import received as poll_received
from fedcop.services.posts import MAX_CONTENT, MAX_SUMMARY, MAX_TITLE, received_title
from fedcop.store import actors as actor_store
from fedcop.store import addressees as addressee_store
from fedcop.store import post_versions as version_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from federation.fetch_errors import GoneError, NotFoundError
from federation.html import escape
from federation.vocab import first_type, id_of


async def _own_post(conn: asyncpg.Connection, author: str, post_uri: str) -> tuple[Actor, Post]:
    writer = await actor_store.find_local(conn, author)
    post = await post_store.find_by_uri(conn, post_uri)
    if writer is None or post is None or post.is_gone:
        raise NotFound(_("there is no post %(post_uri)s", post_uri=post_uri))
    if post.author_id != writer.actor.id:
        raise NotYours(_("only its author can change a post"))
    return writer.actor, post


async def edit(
    pool: Any,
    config: Config,
    *,
    author: str,
    post_uri: str,
    content: str,
    title: str | None = None,
    summary: str | None = None,
    sensitive: bool | None = None,
    files: post_files.FileChange | None = None,
) -> Post:
    """The author changes their post: its text (Markdown), a thread's title and, when given,
    its content warning (plain text), sensitivity and files (services.post_files: None keeps
    them). The version it replaces is kept. Saved unchanged, nothing changes: no new version,
    no Update sent."""
    text = post_source.written(content)
    if len(text) > MAX_CONTENT:
        raise InvalidInput(
            _("a post needs 1 to %(max_content)s characters", max_content=MAX_CONTENT)
        )
    if summary is not None and len(summary) > MAX_SUMMARY:
        raise InvalidInput(
            _(
                "the content warning is too long: at most %(max_summary)s characters",
                max_summary=MAX_SUMMARY,
            )
        )
    async with pool.acquire() as conn, conn.transaction():
        writer, post = await _own_post(conn, author, post_uri)
        if post.visibility == "direct":
            raise InvalidInput(_("a direct message is not edited here: write another one"))
        if post.community_id is not None:
            # A Closed community is an archive: nobody edits what it keeps (deleting one's own
            # post stays possible: see delete).
            lifecycle.ensure_open(await _written_in(conn, post))
        # The people it addressed stay linked (who it addresses is set when it is written).
        mentioned = await addressee_store.mentions_of(conn, post.id)
        html = addressees.link_mentions(markdown.render(text), mentioned, config)
        wanted_title = title.strip() if title and post.is_thread else ""
        new_title = wanted_title[:MAX_TITLE] or None
        new_summary = post.summary if summary is None else escape(summary.strip())
        new_sensitive = (post.sensitive if sensitive is None else sensitive) or bool(new_summary)
        attachments = await post_files.changed(
            conn,
            config,
            owner_id=writer.id,
            post_id=post.id,
            attachments=post.attachments,
            change=files,
            sensitive=new_sensitive,
        )
        if not text.strip() and not any(is_upload(item) for item in attachments):
            raise InvalidInput(
                _("a post needs 1 to %(max_content)s characters", max_content=MAX_CONTENT)
            )
        # Unchanged: the same Markdown, or (a client app's edit box trims the text; an older
        # post kept no Markdown) the same HTML from Markdown that is the same but for its ends.
        same_text = text == post.source or (
            html == post.content and (post.source is None or text.strip() == post.source.strip())
        )
        if (
            same_text
            and (new_title or post.title) == post.title
            and new_summary == post.summary
            and new_sensitive == post.sensitive
            and attachments == post.attachments
        ):
            return post
        await version_store.keep_current(conn, post.id)
        await post_store.update_content(
            conn,
            post.id,
            title=new_title,
            content=html,
            summary=new_summary,
            attachments=attachments,
            sensitive=new_sensitive,
            source=text,
        )
        await post_marks.retag(conn, post.id, f"{new_title or post.title or ''}\n{text}")
        edited = await post_store.find(conn, post.id)
        community = await _written_in(conn, post)
        assert edited is not None
        update = await post_delivery.publish(conn, config, "Update", edited, writer, community)
        if community.is_local:
            await relay.relay(conn, config, community, update)
        return edited


async def delete(pool: Any, config: Config, *, author: str, post_uri: str) -> None:
    """The author deletes their post. Also in a Closed community: an archive keeps what its
    members said, but a member may still take back their own words (their privacy, their
    right to erasure, weighs more than the archive being complete); nobody may change them."""
    async with pool.acquire() as conn, conn.transaction():
        writer, post = await _own_post(conn, author, post_uri)
        if post.visibility == "direct":
            # A direct message: the Delete goes to its recipients alone.
            await messages_sending.withdraw(conn, config, writer, post)
            return
        if post.community_id is None:
            # A reply to a followed person's post: no community relays its Delete.
            await person_replies.withdraw(conn, config, writer, post)
            return
        community = await _written_in(conn, post)
        await post_store.mark_deleted(conn, post.id)
        deletion = await post_delivery.publish_delete(conn, config, post, writer, community)
        if community.is_local:
            await relay.relay(conn, config, community, deletion)


# -- arriving from other servers -------------------------------------------------------------


class ChangeRefused(Refused):
    """An Update or Delete that may not be applied; the message says why."""


async def receive_update(pool: Any, config: Config, update: dict[str, Any]) -> bool:
    """An author edits a post we keep. The inbox checked that the object is on its host."""
    note = update.get("object")
    if not isinstance(note, dict):
        raise ChangeRefused(_("an Update must carry the object it changes"))
    # A facilitator's, not the author's: it changes a question's state alone, if anything.
    try:
        by_facilitator = await questions.receive_from_facilitator(pool, config, update, via=None)
    except Refused as refusal:
        raise ChangeRefused(str(refusal)) from None
    if by_facilitator is not None:
        return by_facilitator
    actor_uri = id_of(update.get("actor"))
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.find_by_uri(conn, str(note.get("id")))
        if post is None or post.is_gone:
            return False
        author = await actor_store.find_by_id(conn, post.author_id)
        if author is None or author.uri != actor_uri or not _names_author(note, actor_uri):
            raise ChangeRefused(_("only the author of %(post)s may edit it", post=post.uri))
        fields = post_fields.read(note)
        content, summary = fields.content, fields.summary
        title = None
        community = (
            await actor_store.find_by_id(conn, post.community_id)
            if post.community_id is not None
            else None
        )
        if community is not None and community.is_local and community.is_closed:
            raise ChangeRefused(lifecycle.closed_sentence(community))
        if post.is_thread and community is not None:
            # The same rule as when it arrived: a Page's summary may be its title.
            title, summary_is_title = received_title(note, content, community)
            if summary_is_title:
                summary = ""
            if isinstance(note.get("name"), str):
                content = without_title_paragraph(content, title)
        source = post_source.received_markdown(note)
        sensitive = fields.sensitive
        attachments = _attachments_after(post, note, fields)
        now = (content, summary, sensitive, source, title or post.title, attachments)
        before = (post.content, post.summary, post.sensitive, post.source, post.title)
        if now != (*before, post.attachments):
            # Edits made elsewhere have a history here too; the same Update again (or one that
            # changes nothing) is no edit.
            await version_store.keep_current(conn, post.id)
            await post_store.update_content(
                conn,
                post.id,
                title=title,
                content=content,
                summary=summary,
                attachments=attachments,
                sensitive=sensitive,
                source=source,
            )
        if fields.language != post.language:
            await post_store.set_language(conn, post.id, fields.language)
        await post_marks.retag_received(conn, post.id, note)
        await questions.apply_received(conn, post, note, config=config)
        await poll_received.apply_update(conn, post, note)
        await summary_flags.apply_received(conn, post, note)
        await _relay_if_local(conn, config, post.community_id, update)
        return True


def _names_author(note: dict[str, Any], actor_uri: str | None) -> bool:
    """Whether the edited object is its sender's (an absent attributedTo counts, as when the
    post arrived: services.post_fields.author_of)."""
    try:
        post_fields.author_of(note, actor_uri)
    except post_fields.FieldError:
        return False
    return True


def _attachments_after(
    post: Post, note: dict[str, Any], fields: post_fields.PostFields
) -> list[dict[str, Any]]:
    """An edit's attachments: as it lists them, else the ones kept, marked as sensitive as the
    post now is."""
    if note.get("attachment") is not None:
        return received_media.keep_proxy_tokens(post.attachments, fields.attachments)
    return [{**item, "sensitive": fields.sensitive} for item in post.attachments]


async def receive_delete(pool: Any, config: Config, delete: dict[str, Any]) -> bool:
    """An author deletes a post we keep."""
    target = id_of(delete.get("object"))
    actor_uri = id_of(delete.get("actor"))
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.find_by_uri(conn, str(target))
        if post is None or post.deleted_at is not None:
            return False
        author = await actor_store.find_by_id(conn, post.author_id)
        if author is None or author.uri != actor_uri:
            raise ChangeRefused(_("only the author of %(post)s may delete it", post=post.uri))
        await post_store.mark_deleted(conn, post.id)
        await _relay_if_local(conn, config, post.community_id, delete)
        return True


async def _written_in(conn: asyncpg.Connection, post: Post) -> Actor:
    """The community of a post written here (always in one)."""
    community = (
        await actor_store.find_by_id(conn, post.community_id)
        if post.community_id is not None
        else None
    )
    if community is None:
        raise NotFound(_("%(post)s is not a post written in a community here", post=post.uri))
    return community


async def _relay_if_local(
    conn: asyncpg.Connection, config: Config, community_id: int | None, activity: dict[str, Any]
) -> None:
    if community_id is None:
        return  # a followed person's post outside communities: nobody here relays it
    community = await actor_store.find_by_id(conn, community_id)
    if community is not None and community.is_local:
        await relay.relay(conn, config, community, activity)


async def apply_announced_change(
    pool: Any, config: Config, network: Network, inner: dict[str, Any]
) -> bool:
    """An Update or Delete a remote community relayed. The community is not the author, so the
    post is read again from its origin: a live document is an edit, a 404/410/Tombstone a
    deletion."""
    target = id_of(inner.get("object"))
    if target is None:
        return False
    async with pool.acquire() as conn:
        post = await post_store.find_by_uri(conn, target)
    if post is None:
        return False
    try:
        current = await network.fetch(target)
    except (GoneError, NotFoundError):
        current = {"type": "Tombstone"}
    author_uri = id_of(inner.get("actor"))
    if first_type(current) == "Tombstone":
        return await receive_delete(
            pool, config, {"type": "Delete", "actor": author_uri, "object": target}
        )
    return await receive_update(
        pool, config, {"type": "Update", "actor": author_uri, "object": current}
    )
