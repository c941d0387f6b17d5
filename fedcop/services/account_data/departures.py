"""An account on another server was deleted (its own `Delete` of itself, checked by the inbox
to be signed by it): as Mastodon and Lemmy do, its posts kept here are deleted (tombstones
stay, so replies to them keep their place) and its follows end, both ways.

Servers that had its posts only through a community here never heard from its server: each
community here it posted in relays the Delete (FEP-1b12 `Announce`). A server receiving such a
relayed Delete believes it only once the account's own server answers 404 or 410 for it."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.network import Network
from fedcop.services import relay
from fedcop.services.errors import Ignored
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.store.account_data import deletion as deletion_store
from federation.fetch_errors import GoneError, NotFoundError
from federation.vocab import id_of


async def remote_account_deleted(
    pool: Any, config: Config, delete: dict[str, Any], *, relayed: bool = False
) -> bool:
    """Whether anything was kept here of the deleted remote account. Unless the Delete came
    relayed already, the communities here it posted in relay it to their followers."""
    actor_uri = str(id_of(delete.get("actor")))
    async with pool.acquire() as conn, conn.transaction():
        actor = await actor_store.find_by_uri(conn, actor_uri)
        if actor is None or actor.is_local:
            return False
        posts = await deletion_store.remote_posts_of(conn, actor_uri)
        communities = await deletion_store.local_communities_posted_in(conn, actor.id)
        for post_id in posts:
            await post_store.mark_deleted(conn, post_id)
        followed = await follow_store.remove_all_of(conn, actor.id)
        if not relayed:
            for community_id in communities:
                community = await actor_store.find_by_id(conn, community_id)
                if community is not None:
                    await relay.relay(conn, config, community, delete)
    return followed or bool(posts)


async def relayed_account_deletion(
    pool: Any, config: Config, network: Network, delete: dict[str, Any]
) -> bool:
    """A community elsewhere relays an account's Delete of itself: believed once the account's
    server says it is gone (404 or 410), since the community could not sign for it."""
    actor_uri = str(id_of(delete.get("actor")))
    try:
        await network.fetch(actor_uri)
    except (GoneError, NotFoundError):
        return await remote_account_deleted(pool, config, delete, relayed=True)
    raise Ignored(f"{actor_uri} still answers at its server: a relayed Delete is not believed")
