"""Read-side questions about posts: what a page or a GET shows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store import questions as question_store
from fedcop.store import timelines as timeline_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post


@dataclass(frozen=True)
class PostView:
    post: Post
    author: Actor
    # None for a post outside any community (a followed person's: services.followed_posts).
    community: Actor | None


async def _view(conn: Any, post: Post) -> PostView:
    author = await actor_store.find_by_id(conn, post.author_id)
    community = (
        await actor_store.find_by_id(conn, post.community_id)
        if post.community_id is not None
        else None
    )
    assert author is not None and (community is not None or post.community_id is None)
    return PostView(post, author, community)


async def local_post(pool: Any, config: Config, post_id: int) -> PostView | None:
    """A post written on this node, by its number."""
    async with pool.acquire() as conn:
        post = await post_store.find_by_uri(conn, f"{config.base_url}/p/{post_id}")
        return await _view(conn, post) if post is not None else None


async def post_by_uri(pool: Any, uri: str) -> PostView | None:
    async with pool.acquire() as conn:
        post = await post_store.find_by_uri(conn, uri)
        return await _view(conn, post) if post is not None else None


async def reply_uris(pool: Any, post_id: int) -> list[str]:
    async with pool.acquire() as conn:
        return await post_store.direct_replies(conn, post_id)


async def thread(pool: Any, thread_id: int) -> list[PostView]:
    """A thread's replies in order, each with its author and community."""
    async with pool.acquire() as conn:
        return [await _view(conn, reply) for reply in await post_store.replies_of(conn, thread_id)]


async def threads(
    pool: Any, community_id: int, before_id: int | None, limit: int
) -> list[PostView]:
    async with pool.acquire() as conn:
        found = await post_store.threads_of(conn, community_id, before_id=before_id, limit=limit)
        return [await _view(conn, post) for post in found]


async def thread_count(pool: Any, community_id: int) -> int:
    async with pool.acquire() as conn:
        return await post_store.count_threads(conn, community_id)


async def post_by_id(pool: Any, post_id: int) -> PostView | None:
    async with pool.acquire() as conn:
        post = await post_store.find(conn, post_id)
        return await _view(conn, post) if post is not None else None


async def active_threads(pool: Any, community_id: int, limit: int) -> list[PostView]:
    async with pool.acquire() as conn:
        found = await post_store.active_threads_of(conn, community_id, limit)
        return [await _view(conn, post) for post in found]


async def question_threads(pool: Any, community_id: int, state: str, limit: int) -> list[PostView]:
    """A community's questions in one state ('unanswered' or 'solved'), newest first."""
    async with pool.acquire() as conn:
        found = await question_store.threads_of(conn, community_id, state, limit=limit)
        return [await _view(conn, post) for post in found]


async def readable(pool: Any, views: list[PostView], viewer_id: int | None) -> list[PostView]:
    """The views whose posts the viewer may read: members-only posts only for members (and
    facilitators and their authors). Deleted posts are kept (pages show them as deleted)."""
    if not views:
        return []
    async with pool.acquire() as conn:
        allowed = await timeline_store.readable(conn, [v.post.id for v in views], viewer_id)
    return [view for view in views if view.post.id in allowed]


async def may_read(pool: Any, view: PostView, viewer_id: int | None) -> bool:
    return bool(await readable(pool, [view], viewer_id))
