"""Which software a server runs, learned from its NodeInfo when one of its actors follows us.

Microblog servers (Mastodon and friends) cannot show `Announce(Create(...))`, so a community
announces its new threads to them by object id instead. The list below names them as their
NodeInfo does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from fedcop.network import Network
from fedcop.store import software as software_store
from federation.fetch_errors import FetchError
from federation.vocab import host_of

MICROBLOG_SOFTWARE = frozenset(
    {
        "mastodon", "hometown", "glitch-soc", "fedibird", "akkoma", "pleroma", "misskey",
        "sharkey", "firefish", "iceshrimp", "catodon", "foundkey", "gotosocial", "takahe",
        "hollo", "snac", "mitra", "bonfire",
    }
)  # fmt: skip
RECHECK_AFTER = timedelta(days=1)
_NODEINFO_RELS = (
    "http://nodeinfo.diaspora.software/ns/schema/2.1",
    "http://nodeinfo.diaspora.software/ns/schema/2.0",
)


def is_microblog(software: str | None) -> bool:
    return software is not None and software.lower() in MICROBLOG_SOFTWARE


async def learn_software(pool: Any, network: Network, actor_uri: str) -> str | None:
    """The software of an actor's server (cached for a day); None when it cannot be told."""
    host = host_of(actor_uri)
    if host is None:
        return None
    async with pool.acquire() as conn:
        fresh, software = await software_store.software_of(conn, host, RECHECK_AFTER)
    if fresh:
        return software
    software = await _read_nodeinfo(network, actor_uri)
    async with pool.acquire() as conn:
        await software_store.record_software(conn, host, software)
    return software


async def _read_nodeinfo(network: Network, actor_uri: str) -> str | None:
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(actor_uri))
    try:
        discovery = await network.fetch_plain_json(f"{origin}/.well-known/nodeinfo")
        links = discovery.get("links")
        hrefs = {
            link.get("rel"): link.get("href")
            for link in (links if isinstance(links, list) else [])
            if isinstance(link, dict)
        }
        href = next((hrefs[rel] for rel in _NODEINFO_RELS if isinstance(hrefs.get(rel), str)), None)
        if href is None or host_of(href) != host_of(actor_uri):
            return None
        document = await network.fetch_plain_json(href)
    except FetchError:
        return None
    software = document.get("software")
    name = software.get("name") if isinstance(software, dict) else None
    return name.lower()[:64] if isinstance(name, str) else None
