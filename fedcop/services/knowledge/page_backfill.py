"""A community on another fedcop node that a member here has just joined: copies of its pages.

Pages reach a member's node as their community announces new versions (services.knowledge.
received); a member who joins after they were written would find the knowledge base empty
until each changes. So, with the backfill of its threads (services.backfill, after the inbox
worker's batch):

    the community's node says it is fedcop (NodeInfo, cached)?
      GET {community}/kb   OrderedCollection of its pages' ids (signed, SSRF-guarded)
      each id on the community's host, under its /kb/ address (at most MAX_PAGES):
        GET the Article -> received.keep(): the current version, and the ones before it from
                           the page's history collection
A page that cannot be read is logged and skipped; so is a community whose list cannot be.
"""

from __future__ import annotations

import logging
from typing import Any

from fedcop.config import Config
from fedcop.documents import knowledge as wire
from fedcop.network import Network
from fedcop.services.errors import Ignored, Refused
from fedcop.services.knowledge import received
from fedcop.services.software import learn_software
from fedcop.store import actors as actor_store
from federation.fetch_errors import FetchError
from federation.vocab import first_type, id_of

log = logging.getLogger(__name__)

MAX_PAGES = 50


async def read_pages(pool: Any, config: Config, network: Network, community_uri: str) -> int:
    """Keep copies of the pages of a remote fedcop community; how many were kept or updated."""
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
    if community is None or community.is_local or community.actor_type != "Group":
        return 0
    if await learn_software(pool, network, community.uri) != "fedcop":
        return 0  # only fedcop communities keep knowledge bases
    try:
        listed = await network.fetch(wire.knowledge_base_uri(community.uri))
    except FetchError as error:
        log.info("the pages of %s could not be listed: %s", community.uri, error)
        return 0
    items = listed.get("orderedItems")
    if first_type(listed) != "OrderedCollection" or not isinstance(items, list):
        return 0
    kept = 0
    for item in items[:MAX_PAGES]:
        uri = id_of(item)
        if not isinstance(uri, str) or not uri.startswith(f"{community.uri}/kb/"):
            continue
        try:
            document = await network.fetch(uri)
            page = received.read(document, community)
            if await received.keep(pool, config, network, community, page):
                kept += 1
        except (FetchError, Refused, Ignored) as error:
            log.info("the page %s of %s is not kept: %s", uri, community.uri, error)
    return kept
