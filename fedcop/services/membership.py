"""Which servers have a member of a community: who may read a private community's posts.

community here       -> its followers, as this node records them
community elsewhere  -> its own server, always; other servers as the community's member list
                        says (a signed GET this node may make, having a member itself),
                        remembered for a few minutes
"""

from __future__ import annotations

import time
from typing import Any

from fedcop.network import Network
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from federation.fetch_errors import FetchError
from federation.vocab import host_of, id_of, ids_of

# A "yes" is remembered for a while; a "no" only briefly, so that a newly approved member's
# server can read at once, while a stranger asking again and again costs one lookup per interval.
REMEMBER_YES_SECONDS = 300.0
REMEMBER_NO_SECONDS = 10.0
MAX_PAGES = 20
_known: dict[tuple[int, str], tuple[float, bool]] = {}


async def server_has_member(pool: Any, network: Network, community_id: int, host: str) -> bool:
    async with pool.acquire() as conn:
        community = await actor_store.find_by_id(conn, community_id)
        if community is None:
            return False
        if community.is_local:
            return await follow_store.has_follower_on_host(conn, community_id, host)
    if host == host_of(community.uri):
        return True
    remembered = _known.get((community_id, host))
    if remembered is not None:
        age = time.monotonic() - remembered[0]
        if age < (REMEMBER_YES_SECONDS if remembered[1] else REMEMBER_NO_SECONDS):
            return remembered[1]
    answer = await _listed_by_community(network, community.followers_url, host)
    if len(_known) > 10_000:
        _known.clear()
    _known[(community_id, host)] = (time.monotonic(), answer)
    return answer


async def _listed_by_community(network: Network, followers_url: str | None, host: str) -> bool:
    """Whether the community's own member list names someone on `host`."""
    if followers_url is None:
        return False
    next_page: str | None = f"{followers_url}?page=true"
    try:
        for _ in range(MAX_PAGES):
            if next_page is None:
                return False
            page = await network.fetch(next_page)
            if any(host_of(member) == host for member in ids_of(page.get("orderedItems"))):
                return True
            next_page = id_of(page.get("next"))
    except FetchError:
        return False
    return False
