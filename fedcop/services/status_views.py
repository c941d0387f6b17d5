"""Everything the client API shows with a list of posts, gathered in a few queries whatever the
length of the list: authors (with their counts), communities, the posts they answer, counts,
hashtags and the viewer's own marks.

    posts -> facts (one query) -> actors (one query) -> account cards (one query for counts)
          -> [StatusView], in the order given, without the posts the viewer may not read

A timeline's boosts (`entry_views`) come with their boosters' cards, gathered in the same
queries as the authors'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.services.account_cards import AccountCard, cards
from fedcop.store import boosts as boost_store
from fedcop.store import status_facts
from fedcop.store.actors import Actor
from fedcop.store.boosts import Boost
from fedcop.store.messages import recipients as recipient_store
from fedcop.store.posts import Post
from fedcop.store.status_facts import Facts
from fedcop.store.timelines import Entry


@dataclass(frozen=True)
class StatusView:
    post: Post
    author: AccountCard
    # None for a post outside any community (a followed person's).
    community: Actor | None
    facts: Facts
    # A direct message's recipients (shown as its mentions); empty for any other post.
    recipients: tuple[Actor, ...] = ()


@dataclass(frozen=True)
class EntryView:
    """A timeline entry: the post's view, and for a boost the boost and its booster's card."""

    view: StatusView
    boost: Boost | None
    booster: AccountCard | None


async def views(pool: Any, viewer_id: int | None, posts: list[Post]) -> list[StatusView]:
    shown = await entry_views(pool, viewer_id, [Entry(post) for post in posts])
    return [entry.view for entry in shown]


async def entry_views(pool: Any, viewer_id: int | None, entries: list[Entry]) -> list[EntryView]:
    """Views of the entries, in the order given, without those whose post the viewer may not
    read (a boost of such a post included)."""
    if not entries:
        return []
    async with pool.acquire() as conn:
        facts = await status_facts.facts_of(conn, [e.post.id for e in entries], viewer_id)
        shown = [e for e in entries if e.post.id in facts and facts[e.post.id].visible]
        boosters = [e.boost.actor_id for e in shown if e.boost is not None]
        actors = await status_facts.actors_by_ids(
            conn,
            [e.post.author_id for e in shown]
            + [e.post.community_id for e in shown if e.post.community_id is not None]
            + boosters,
        )
        people = {e.post.author_id for e in shown} | set(boosters)
        found_cards = await cards(conn, [actors[actor_id] for actor_id in people])
        recipients = {
            e.post.id: tuple(await recipient_store.of_post(conn, e.post.id))
            for e in shown
            if e.post.visibility == "direct"
        }
    return [
        EntryView(
            StatusView(
                e.post,
                found_cards[e.post.author_id],
                actors[e.post.community_id] if e.post.community_id is not None else None,
                facts[e.post.id],
                recipients.get(e.post.id, ()),
            ),
            e.boost,
            found_cards[e.boost.actor_id] if e.boost is not None else None,
        )
        for e in shown
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


async def entries_by_ids(pool: Any, ids: list[int]) -> list[Entry]:
    """The posts and boosts these ids name (they share one sequence), in the order given, once
    each; ids that name neither are left out. Visibility is the caller's (entry_views)."""
    if not ids:
        return []
    async with pool.acquire() as conn:
        found_posts = await status_facts.posts_by_ids(conn, ids)
        found_boosts = await boost_store.by_ids(conn, [i for i in ids if i not in found_posts])
        boosted = await status_facts.posts_by_ids(conn, [b.post_id for b in found_boosts.values()])
    entries = []
    for wanted in dict.fromkeys(ids):
        if wanted in found_posts:
            entries.append(Entry(found_posts[wanted]))
        elif wanted in found_boosts and found_boosts[wanted].post_id in boosted:
            boost = found_boosts[wanted]
            entries.append(Entry(boosted[boost.post_id], boost))
    return entries
