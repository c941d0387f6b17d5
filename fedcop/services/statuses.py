"""Posting and acting on posts through the client API, as Mastodon apps do it.

    status text "@stewards Retention schedules?\nHow do you..."     (no in_reply_to_id)
      -> the mentions that name communities (here by name, or @name@domain: stored, or
         looked up) are where it goes -> a thread: title = first line without the mentions,
         body = the rest; mentioning several communities posts it in each, linked as a
         cross-post, or in none if one of them refuses it
    status text + in_reply_to_id
      -> a reply in the community of the post it answers
    visibility 'direct' (or in_reply_to_id of a direct message)
      -> a direct message to the people the text names, or to everyone in the conversation
         it answers (services.messages.sending)

Favourites are Likes (services.votes); the rest reads and writes through services.posts and
services.post_changes, like the web pages do.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import N_, _
from fedcop.network import Network
from fedcop.services import (
    addressees,
    person_replies,
    post_changes,
    post_marks,
    posts,
    remote_actors,
    votes,
)
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.mail import addresses as mail_addresses
from fedcop.services.messages import sending as messages_sending
from fedcop.services.polls.drafts import PollDraft
from fedcop.store import actors as actor_store
from fedcop.store import bookmarks as bookmark_store
from fedcop.store import boosts as boost_store
from fedcop.store import post_extras
from fedcop.store import posts as post_store
from fedcop.store import timelines as timeline_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.store.users import User

log = logging.getLogger(__name__)

MAX_KEY = 200
MAX_LOOKUPS = 3  # mentions of unknown remote accounts looked up for one post
NO_COMMUNITY = N_(
    "Mention a community (@name, or @name@domain for one on another server) to post in it, "
    "or reply to a post"
)


@dataclass(frozen=True)
class Draft:
    text: str
    in_reply_to_id: int | None = None
    spoiler_text: str = ""
    sensitive: bool = False
    # 'public', 'unlisted', 'private' (members only) or 'direct'.
    visibility: str | None = None
    # A new thread's poll (services.polls).
    poll: PollDraft | None = None
    # The author's uploads it carries (services.post_files).
    media_ids: tuple[int, ...] = ()


async def visible(pool: Any, viewer: User | None, post_id: int) -> Post:
    """The post, if the viewer may read it (else NotFound, as if it did not exist)."""
    async with pool.acquire() as conn:
        found = await timeline_store.visible_post(
            conn, post_id, viewer.actor.id if viewer is not None else None
        )
    if found is None:
        raise NotFound(_("Record not found"))
    return found


async def compose(
    pool: Any,
    config: Config,
    network: Network,
    author: User,
    draft: Draft,
    idempotency_key: str | None = None,
) -> Post:
    """Write a post from a Mastodon app: a reply, or a thread in the community it mentions.
    The same Idempotency-Key gives back the post it first made."""
    key = idempotency_key.strip()[:MAX_KEY] if idempotency_key else None
    async with pool.acquire() as conn:
        # Direct messages and replies outside communities too (posts.write checks its own).
        await mail_addresses.check_may_post(conn, author.actor.id)
    if key:
        async with pool.acquire() as conn:
            earlier = await post_extras.post_for_key(conn, author.actor.id, key)
        if earlier is not None:
            return await visible(pool, author, earlier)
    if not draft.text.strip() and not draft.media_ids:
        raise InvalidInput(_("Validation failed: Text can't be blank"))
    if draft.visibility not in (None, "", "public", "unlisted", "private", "direct"):
        raise InvalidInput(_("visibility must be public, unlisted, private or direct"))
    if draft.visibility == "direct" and draft.poll is not None:
        raise InvalidInput(
            _("A poll starts a thread in a community: a direct message cannot carry one")
        )
    if draft.in_reply_to_id is not None and draft.poll is not None:
        raise InvalidInput(_("A poll starts a thread: a reply cannot carry one"))
    if draft.media_ids and draft.poll is not None:
        raise InvalidInput(_("A post carries files or a poll, not both"))
    if draft.in_reply_to_id is not None:
        parent = await _reply_target(pool, author, draft.in_reply_to_id)
        if parent.visibility == "direct" or draft.visibility == "direct":
            # An answer to a direct message stays between the same people.
            return await _direct(pool, config, network, author, draft, key, parent)
        if parent.community_id is None:
            return await _reply_outside_communities(pool, config, author, draft, parent, key)
        async with pool.acquire() as conn:
            community = await _actor(conn, parent.community_id)
        _check_visibility(draft, community)
        written = await posts.write(
            pool,
            config,
            network,
            author=author.actor.username,
            community_uri=community.uri,
            content=draft.text,
            in_reply_to=parent.uri,
            summary=draft.spoiler_text,
            sensitive=draft.sensitive,
            media_ids=list(draft.media_ids),
        )
    elif draft.visibility == "direct":
        return await _direct(pool, config, network, author, draft, key, None)
    else:
        community, *others = await mentioned_communities(pool, config, network, draft.text)
        for each in (community, *others):
            _check_visibility(draft, each)
        title, body = posts.title_and_body(draft.text, community, *others)
        written = await posts.write(
            pool,
            config,
            network,
            author=author.actor.username,
            community_uri=community.uri,
            content=body,
            title=title,
            summary=draft.spoiler_text,
            sensitive=draft.sensitive,
            also_in=[other.uri for other in others],
            poll=draft.poll,
            media_ids=list(draft.media_ids),
        )
    if key:
        async with pool.acquire() as conn:
            await post_extras.remember_key(conn, author.actor.id, key, written.id)
    return written


async def _direct(
    pool: Any,
    config: Config,
    network: Network,
    author: User,
    draft: Draft,
    key: str | None,
    parent: Post | None,
) -> Post:
    """A direct message (services.messages): to the people the text names, and, answering
    one, to everyone in its conversation; answering any other post, to its author too."""
    _no_files(draft, "a direct message")
    named = await addressees.named_in(pool, config, network, draft.text)
    answered: Post | None = None
    if parent is not None and parent.visibility == "direct":
        answered = parent
    elif parent is not None:
        async with pool.acquire() as conn:
            named = [await _actor(conn, parent.author_id), *named]
    written = await messages_sending.write(
        pool,
        config,
        author=author.actor.username,
        recipients=named,
        text=draft.text,
        in_reply_to=answered,
        summary=draft.spoiler_text,
        sensitive=draft.sensitive,
    )
    if key:
        async with pool.acquire() as conn:
            await post_extras.remember_key(conn, author.actor.id, key, written.id)
    return written


async def _reply_outside_communities(
    pool: Any, config: Config, author: User, draft: Draft, parent: Post, key: str | None
) -> Post:
    """A reply to a followed person's post (services.person_replies): public or unlisted."""
    _no_files(draft, "a reply to a post outside communities")
    if draft.visibility == "private":
        raise InvalidInput(
            _(
                "A reply to a post outside communities is public or "
                "unlisted: followers-only posts are not written here"
            )
        )
    written = await person_replies.reply(
        pool,
        config,
        author=author.actor.username,
        in_reply_to=parent.uri,
        content=draft.text,
        summary=draft.spoiler_text,
        sensitive=draft.sensitive,
        visibility="unlisted" if draft.visibility == "unlisted" else "public",
    )
    if key:
        async with pool.acquire() as conn:
            await post_extras.remember_key(conn, author.actor.id, key, written.id)
    return written


def _no_files(draft: Draft, what: str) -> None:
    """Files are shared in communities (where their library lists them): not yet elsewhere."""
    if draft.media_ids:
        raise InvalidInput(
            _(
                "Files are shared in communities: %(what)s cannot carry one "
                "yet. Put a link in the text instead",
                what=what,
            )
        )


async def _reply_target(pool: Any, author: User, post_id: int) -> Post:
    try:
        return await visible(pool, author, post_id)
    except NotFound:
        raise NotFound(_("The post you are trying to reply to does not appear to exist")) from None


def _check_visibility(draft: Draft, community: Actor) -> None:
    """A members-only post needs a community whose posts are for members only: elsewhere it
    would reach the public, which is not what its author asked for."""
    if draft.visibility == "private" and not community.members_only:
        raise InvalidInput(
            _(
                "%(community)s is a public community: its posts are public. "
                "Post publicly, or in a private community",
                community=community.display_name,
            )
        )


async def mentioned_communities(
    pool: Any, config: Config, network: Network, text: str
) -> list[Actor]:
    """The communities the text mentions, in order (at least one, else InvalidInput): local
    ones by name, stored remote ones by their handle, or ones looked up now on their server (a
    few at most: one post must not make this node call on every server its text names). A
    thread mentioning several is posted in each (posts.write's `also_in`)."""
    lookups = 0
    found: dict[int, Actor] = {}
    for name, domain in post_marks.mentions_in_text(text):
        here = domain is None or domain == config.domain.lower()
        async with pool.acquire() as conn:
            actor = await post_extras.actor_by_handle(conn, name, None if here else domain)
        if actor is None and not here and lookups < MAX_LOOKUPS:
            lookups += 1
            try:
                actor = await remote_actors.look_up(pool, network, f"{name}@{domain}", "Group")
            except Exception as error:  # an unknown or unreachable handle is not a community
                log.info("mention @%s@%s not resolved: %s", name, domain, error)
                continue
        if actor is not None and actor.actor_type == "Group":
            found.setdefault(actor.id, actor)
    if not found:
        raise InvalidInput(_(NO_COMMUNITY))
    return list(found.values())


async def _actor(conn: Any, actor_id: int) -> Actor:
    actor = await actor_store.find_by_id(conn, actor_id)
    assert actor is not None
    return actor


async def context(pool: Any, viewer: User | None, post: Post) -> tuple[list[Post], list[Post]]:
    """(ancestors, descendants) of a post the viewer may read."""
    viewer_id = viewer.actor.id if viewer is not None else None
    async with pool.acquire() as conn:
        above = await timeline_store.ancestors(conn, post, viewer_id)
        below = await timeline_store.descendants(conn, post, viewer_id)
    return above, below


async def delete(pool: Any, config: Config, author: User, post_id: int) -> Post:
    """The author deletes their post; the post as it was (others' posts: NotFound)."""
    post = await visible(pool, author, post_id)
    if post.author_id != author.actor.id:
        raise NotFound(_("Record not found"))
    await post_changes.delete(pool, config, author=author.actor.username, post_uri=post.uri)
    return post


async def favourite(pool: Any, config: Config, user: User, post_id: int) -> Post:
    post = await visible(pool, user, post_id)
    if await _vote_of(pool, user, post) != "like":
        await votes.vote(pool, config, voter=user.actor.username, post_uri=post.uri)
    return post


async def unfavourite(pool: Any, config: Config, user: User, post_id: int) -> Post:
    post = await visible(pool, user, post_id)
    if await _vote_of(pool, user, post) == "like":
        await votes.unvote(pool, config, voter=user.actor.username, post_uri=post.uri)
    return post


async def _vote_of(pool: Any, user: User, post: Post) -> str | None:
    """'like', 'dislike' or None: a favourite asked for twice is sent once."""
    async with pool.acquire() as conn:
        cast = await post_store.vote_by(conn, post.id, user.actor.id)
    return cast[1] if cast is not None else None


async def bookmark(pool: Any, user: User, post_id: int, *, saved: bool) -> Post:
    post = await visible(pool, user, post_id)
    async with pool.acquire() as conn:
        if saved:
            await bookmark_store.add(conn, user.actor.id, post.id)
        else:
            await bookmark_store.remove(conn, user.actor.id, post.id)
    return post


async def favourited_by(pool: Any, viewer: User | None, post_id: int, limit: int) -> list[Actor]:
    post = await visible(pool, viewer, post_id)
    async with pool.acquire() as conn:
        return await boost_store.likers(conn, post.id, limit)


async def reblogged_by(pool: Any, viewer: User | None, post_id: int, limit: int) -> list[Actor]:
    post = await visible(pool, viewer, post_id)
    async with pool.acquire() as conn:
        return await boost_store.boosters(conn, post.id, limit)
