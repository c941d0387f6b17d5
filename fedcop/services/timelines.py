"""Timelines for the client API: home, public, a hashtag, an account's posts, a user's
favourites and bookmarks. Each is one page of posts the viewer may read, newest first."""

from __future__ import annotations

from typing import Any

from fedcop.services.errors import NotFound
from fedcop.store import actors as actor_store
from fedcop.store import timelines as store
from fedcop.store.posts import Post
from fedcop.store.timelines import Window
from fedcop.store.users import User

__all__ = ["Window", "account", "bookmarks", "favourites", "home", "public", "tagged"]


def _newest_first(posts: list[Post], window: Window) -> list[Post]:
    return list(reversed(posts)) if window.oldest_first else posts


def _viewer_id(viewer: User | None) -> int | None:
    return viewer.actor.id if viewer is not None else None


async def home(pool: Any, user: User, window: Window) -> list[Post]:
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
    pinned: bool,
) -> list[Post]:
    """What an account posted: a person's posts, or a community's threads (its pins when
    `pinned`; people pin nothing here)."""
    viewer_id = _viewer_id(viewer)
    async with pool.acquire() as conn:
        actor = await actor_store.find_by_id(conn, account_id)
        if actor is None or actor.actor_type == "Application":
            raise NotFound("Record not found")
        if actor.actor_type == "Group":
            if pinned:
                # Pins are one short list: there is no page after the first.
                paged = window.before is not None or window.after is not None
                return [] if paged else await store.pinned_in(conn, actor.id, viewer_id)
            found = await store.threads_in(conn, actor.id, viewer_id, window)
        elif pinned:
            return []
        else:
            found = await store.by_author(
                conn, actor.id, viewer_id, window, threads_only=exclude_replies
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
