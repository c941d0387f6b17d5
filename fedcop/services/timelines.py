"""Timelines for the client API: home, public, a hashtag, an account's posts, a user's
favourites and bookmarks. Each is one page of posts the viewer may read, newest first; the home
timeline and a person's statuses also hold boosts (`Entry`)."""

from __future__ import annotations

from typing import Any, TypeVar

from fedcop.i18n.current import _
from fedcop.services.errors import NotFound
from fedcop.store import actors as actor_store
from fedcop.store import profile_pins
from fedcop.store import timelines as store
from fedcop.store.posts import Post
from fedcop.store.timelines import Entry, Window
from fedcop.store.users import User

__all__ = ["Entry", "Window", "account", "bookmarks", "favourites", "home", "public", "tagged"]


_Item = TypeVar("_Item")


def _newest_first(items: list[_Item], window: Window) -> list[_Item]:
    return list(reversed(items)) if window.oldest_first else items


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.actor.id if viewer is not None else None


async def home(pool: Any, user: User, window: Window) -> list[Entry]:
    async with pool.acquire() as conn:
        return _newest_first(await store.home(conn, user.actor.id, window), window)


async def public(
    pool: Any, viewer: User | None, window: Window, *, local: bool | None
) -> list[Post]:
    async with pool.acquire() as conn:
        found = await store.public(conn, _viewer_id(viewer), window, local=local)
    return _newest_first(found, window)


async def tagged(pool: Any, viewer: User | None, tag: str, window: Window) -> list[Post]:
    name = tag.strip().removeprefix("#").lower()
    if not name:
        return []
    async with pool.acquire() as conn:
        found = await store.tagged(conn, name, _viewer_id(viewer), window)
    return _newest_first(found, window)


async def account(
    pool: Any,
    viewer: User | None,
    account_id: int,
    window: Window,
    *,
    exclude_replies: bool,
    exclude_reblogs: bool,
    pinned: bool,
    tagged: str | None = None,
) -> list[Entry]:
    """What an account posted: a person's posts and boosts, or a community's threads; with
    `pinned`, the community's pinned threads, or the posts the person pinned on their profile
    (one short list: there is no page after the first); with `tagged`, only the posts carrying
    that hashtag (no boosts)."""
    viewer_id = _viewer_id(viewer)
    async with pool.acquire() as conn:
        actor = await actor_store.find_by_id(conn, account_id)
        if actor is None or actor.actor_type == "Application":
            raise NotFound(_("Record not found"))
        if tagged is not None and not pinned:
            tag = tagged.strip().removeprefix("#").lower()
            found_tagged = await store.tagged_by(
                conn,
                actor.id,
                tag,
                viewer_id,
                window,
                community=actor.actor_type == "Group",
                threads_only=exclude_replies,
            )
            return _newest_first([Entry(post) for post in found_tagged], window)
        if actor.actor_type == "Group":
            if pinned:
                # Pins are one short list: there is no page after the first.
                paged = window.before is not None or window.after is not None
                pins = [] if paged else await store.pinned_in(conn, actor.id, viewer_id)
                return [Entry(post) for post in pins]
            threads = await store.threads_in(conn, actor.id, viewer_id, window)
            return _newest_first([Entry(post) for post in threads], window)
        if pinned:
            paged = window.before is not None or window.after is not None
            pins = [] if paged else await profile_pins.pinned_posts(conn, actor.id, viewer_id)
            return [Entry(post) for post in pins]
        found = await store.by_author(
            conn,
            actor.id,
            viewer_id,
            window,
            threads_only=exclude_replies,
            with_boosts=not exclude_reblogs,
        )
    return _newest_first(found, window)


async def favourites(pool: Any, user: User, window: Window) -> list[Post]:
    async with pool.acquire() as conn:
        found = await store.favourited_by(conn, user.actor.id, window)
    return _newest_first(found, window)


async def bookmarks(pool: Any, user: User, window: Window) -> list[tuple[int, Post]]:
    """(bookmark id, post), the latest saved first; pages go by the bookmark id."""
    async with pool.acquire() as conn:
        found = await store.bookmarked_by(conn, user.actor.id, window)
    return list(reversed(found)) if window.oldest_first else found
