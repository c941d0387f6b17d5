"""Everything the client API shows with a list of posts, gathered in a few queries whatever the
length of the list: authors (with their counts), communities, the posts they answer, counts,
hashtags and the viewer's own marks.

    posts -> facts (one query) -> actors (one query) -> account cards (one query for counts)
          -> [StatusView], in the order given, without the posts the viewer may not read
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.services.account_cards import AccountCard, cards
from fedcop.store import status_facts
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.store.status_facts import Facts


@dataclass(frozen=True)
class StatusView:
    post: Post
    author: AccountCard
    community: Actor
    facts: Facts


async def views(pool: Any, viewer_id: int | None, posts: list[Post]) -> list[StatusView]:
    if not posts:
        return []
    async with pool.acquire() as conn:
        facts = await status_facts.facts_of(conn, [post.id for post in posts], viewer_id)
        shown = [post for post in posts if post.id in facts and facts[post.id].visible]
        actors = await status_facts.actors_by_ids(
            conn,
            [post.author_id for post in shown] + [post.community_id for post in shown],
        )
        author_cards = await cards(conn, [actors[post.author_id] for post in shown])
    return [
        StatusView(post, author_cards[post.author_id], actors[post.community_id], facts[post.id])
        for post in shown
    ]


async def account_cards(pool: Any, actors: list[Actor]) -> dict[int, AccountCard]:
    """Cards for the accounts a list shows (notifications, who favourited...)."""
    if not actors:
        return {}
    async with pool.acquire() as conn:
        return await cards(conn, actors)


async def actors(pool: Any, actor_ids: list[int]) -> dict[int, Actor]:
    if not actor_ids:
        return {}
    async with pool.acquire() as conn:
        return await status_facts.actors_by_ids(conn, actor_ids)


async def posts(pool: Any, post_ids: list[int]) -> dict[int, Post]:
    if not post_ids:
        return {}
    async with pool.acquire() as conn:
        return await status_facts.posts_by_ids(conn, post_ids)
