"""Cross-posts: one thread started in several communities at once, each thread linked to the
others (services.posts.write's `also_in`; store.addressees keeps the links).

    web form "Also post in": "archivists, records@beta.example"
      -> communities_named(...) -> every name must be a community (here, stored, or looked up
         on its server), else the whole post is refused with the name that was not: a thread
         is posted in all the communities it names, or in none
    client API: a status mentioning several communities (services.statuses)
    thread page: "Also posted in" the others (also_posted_in)
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import post_marks, remote_actors
from fedcop.services.errors import InvalidInput
from fedcop.services.posts import MAX_COMMUNITIES
from fedcop.store import addressees as addressee_store
from fedcop.store import post_extras
from fedcop.store.addressees import Crosspost
from federation.fetch_errors import FetchError

log = logging.getLogger(__name__)


async def communities_named(pool: Any, config: Config, network: Network, names: str) -> list[str]:
    """The ids of the communities a comma- or space-separated list names (`name` here,
    `name@host` or `!name@host` elsewhere), in order; InvalidInput naming the first that is
    not a community."""
    handles = [handle for handle in re.split(r"[\s,]+", names.strip()) if handle]
    if len(handles) > MAX_COMMUNITIES - 1:
        raise InvalidInput(
            _(
                "a thread may be posted in at most %(max_communities)s communities",
                max_communities=MAX_COMMUNITIES,
            )
        )
    uris: list[str] = []
    for handle in handles:
        found = post_marks.mentions_in_text("@" + handle.lstrip("!@"))
        if len(found) != 1:
            raise InvalidInput(
                _(
                    "%(handle)s is not a community name like archivists@example.org",
                    handle=repr(handle),
                )
            )
        name, domain = found[0]
        here = domain is None or domain == config.domain.lower()
        async with pool.acquire() as conn:
            actor = await post_extras.actor_by_handle(conn, name, None if here else domain)
        if actor is None and not here:
            try:
                actor = await remote_actors.look_up(pool, network, f"{name}@{domain}", "Group")
            except (FetchError, remote_actors.ActorError, ValueError) as error:
                log.info("community %s not found: %s", handle, error)
        if actor is None or actor.actor_type != "Group":
            raise InvalidInput(
                _(
                    "%(handle)s is not a community known here or found on its "
                    "server: check the name, or leave it out",
                    handle=handle,
                )
            )
        uris.append(actor.uri)
    return list(dict.fromkeys(uris))


async def also_posted_in(pool: Any, post_id: int) -> list[Crosspost]:
    """The other threads of the cross-post a thread belongs to ([] if it has none)."""
    async with pool.acquire() as conn:
        return await addressee_store.crossposts_of(conn, post_id)
