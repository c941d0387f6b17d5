"""Read-side questions about this node: who lives here, and how many."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from fedcop.config import Config
from fedcop.store import actors as store
from fedcop.store import follows as follow_store
from fedcop.store import moderation as mod_store
from fedcop.store import node as node_store
from fedcop.store import outbound as outbound_store
from fedcop.store import posts as post_store
from fedcop.urls import COMMUNITY_PREFIX, INSTANCE_ACTOR_PATH, USER_PREFIX
from federation.vocab import first_type, id_of


async def find_local_actor(pool: Any, username: str) -> store.LocalActor | None:
    async with pool.acquire() as conn:
        return await store.find_local(conn, username)


async def find_local_of_type(pool: Any, username: str, actor_type: str) -> store.LocalActor | None:
    found = await find_local_actor(pool, username)
    return found if found is not None and found.actor.actor_type == actor_type else None


async def instance_actor(pool: Any) -> store.LocalActor:
    async with pool.acquire() as conn:
        found = await store.find_instance_actor(conn)
    if found is None:
        raise RuntimeError("the instance actor is missing: the node did not finish starting")
    return found


async def resolve_local_url(pool: Any, config: Config, url: str) -> store.LocalActor | None:
    """The local actor whose id is `url`, if any (WebFinger also accepts actor URLs)."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc.lower()}" != config.base_url:
        return None
    path = parts.path
    if path == INSTANCE_ACTOR_PATH:
        return await instance_actor(pool)
    for prefix, actor_type in ((USER_PREFIX, "Person"), (COMMUNITY_PREFIX, "Group")):
        if path.startswith(prefix) and "/" not in path[len(prefix) :]:
            return await find_local_of_type(pool, path[len(prefix) :], actor_type)
    return None


async def facilitators(pool: Any, community_id: int) -> list[store.Actor]:
    async with pool.acquire() as conn:
        return await store.facilitators_of(conn, community_id)


async def usage(pool: Any) -> store.UsageCounts:
    async with pool.acquire() as conn:
        return await store.usage_counts(conn)


async def listing(pool: Any) -> list[store.LocalListing]:
    async with pool.acquire() as conn:
        return await store.list_local(conn)


async def actor_of_local_activity(pool: Any, activity_uri: str) -> str | None:
    """The actor of an activity this node published, by its id."""
    async with pool.acquire() as conn:
        document = await outbound_store.activity_document(conn, activity_uri)
    return id_of(document.get("actor")) if document else None


async def type_of_known_activity(pool: Any, activity_uri: str) -> str | None:
    """The type of an activity we published, or of a Follow we received, given only its id."""
    async with pool.acquire() as conn:
        document = await outbound_store.activity_document(conn, activity_uri)
        if document is not None:
            return first_type(document)
        if await follow_store.uri_exists(conn, activity_uri):
            return "Follow"
        vote = await post_store.vote_of(conn, activity_uri)
        if vote is not None:
            return "Like" if vote[2] == "like" else "Dislike"
    return None


async def followed_by_follow_uri(pool: Any, follow_uri: str, follower_uri: str) -> str | None:
    """Who `follower_uri` follows through the Follow with this id."""
    async with pool.acquire() as conn:
        return await follow_store.followed_uri_of(conn, follow_uri, follower_uri)


async def published_activity(pool: Any, uri: str) -> tuple[bytes, int | None] | None:
    """An activity this node published, serialised exactly as it was sent, and the private
    community (if any) whose members alone may read it."""
    async with pool.acquire() as conn:
        return await outbound_store.activity_body(conn, uri)


async def follow_counts(pool: Any, actor_id: int) -> tuple[int, int]:
    """(followers, following) in force for an actor."""
    async with pool.acquire() as conn:
        return (
            await follow_store.count_followers(conn, actor_id),
            await follow_store.count_following(conn, actor_id),
        )


async def has_local_follower(pool: Any, actor_id: int) -> bool:
    async with pool.acquire() as conn:
        return await follow_store.has_local_follower(conn, actor_id)


async def pinned(pool: Any, community_id: int) -> list[str]:
    async with pool.acquire() as conn:
        return await mod_store.pinned_uris(conn, community_id)


async def has_follower_on_host(pool: Any, actor_id: int, host: str) -> bool:
    async with pool.acquire() as conn:
        return await follow_store.has_follower_on_host(conn, actor_id, host)


async def follower_page(
    pool: Any, actor_id: int, after_id: int | None, limit: int
) -> list[tuple[int, str]]:
    async with pool.acquire() as conn:
        return await follow_store.follower_page(conn, actor_id, after_id=after_id, limit=limit)


async def moderation_log(pool: Any, community_id: int) -> list[mod_store.LogEntry]:
    async with pool.acquire() as conn:
        return await mod_store.log_of(conn, community_id)


def title(settings: node_store.NodeSettings, config: Config) -> str:
    """The node's name as people and other software read it: the one its administrators gave
    it (the setup, the admin page), else the one it was deployed with."""
    return settings.name or config.node_name


async def settings(pool: Any) -> node_store.NodeSettings:
    async with pool.acquire() as conn:
        return await node_store.settings(conn)
