"""People, communities and threads by name, not by address: what a list shows for a URI.

a person or community this node knows   its name, linking to its page here
                                        (/u/ana, /u/ana@other.node, /c/stewards...)
a thread or reply this node keeps       "“Title”" or "a reply by Ana in “Title”", linking
                                        to it here (/t/ID, /t/ID#post-ID)
anything else                           "a page on other.node", linking to it there
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fedcop.store import names as name_store
from fedcop.store.moderation import Report
from fedcop.store.names import NamedActor
from federation.vocab import host_of


@dataclass(frozen=True)
class Named:
    label: str  # what people read
    path: str  # where it leads: a path here, or (unknown things) the address elsewhere
    here: bool  # `path` is this node's


def actor_path(actor: NamedActor) -> str:
    kind = "c" if actor.actor_type == "Group" else "u"
    return f"/{kind}/{actor.username}" + (f"@{actor.domain}" if actor.domain else "")


def _actor_named(actor: NamedActor) -> Named:
    return Named(actor.display_name or actor.username, actor_path(actor), True)


def _unknown(uri: str) -> Named:
    host = host_of(uri) or "another server"
    return Named(f"a page on {host}", uri, False)


async def lookup(pool: Any, uris: list[str]) -> dict[str, Named]:
    """What each of `uris` names (every one of them gets an answer)."""
    wanted = list(dict.fromkeys(uri for uri in uris if uri))
    async with pool.acquire() as conn:
        found_actors = await name_store.actors(conn, wanted)
        found_posts = await name_store.posts(conn, wanted)
    named = {uri: _unknown(uri) for uri in wanted}
    for actor in found_actors:
        named[actor.uri] = _actor_named(actor)
    for post in found_posts:
        author = post.author.display_name or post.author.username
        if post.thread_id is None:
            label = f"“{post.title}” by {author}" if post.title else f"a post by {author}"
            named[post.uri] = Named(label, f"/t/{post.id}", True)
        else:
            where = f" in “{post.thread_title}”" if post.thread_title else ""
            named[post.uri] = Named(
                f"a reply by {author}{where}", f"/t/{post.thread_id}#post-{post.id}", True
            )
    return named


def report_uris(reports: Iterable[Report]) -> list[str]:
    """Every address a list of reports names: who reported, and what."""
    return [uri for report in reports for uri in (report.reporter_uri, *report.targets)]
