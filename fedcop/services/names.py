"""People, communities and threads by name, not by address: what a list shows for a URI, in
the reader's language.

a person or community this node knows   its name, linking to its page here
                                        (/u/ana, /u/ana@other.node, /c/stewards...)
a thread or reply this node keeps       "“Title” by Ana" or "a reply by Ana in “Title”", linking
                                        to it here (/t/ID, /t/ID#post-ID)
anything else                           "a page on other.node", linking to it there
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fedcop.i18n.current import _
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
    host = host_of(uri)
    label = _("a page on %(host)s", host=host) if host else _("a page on another server")
    return Named(label, uri, False)


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
            label = (
                _("“%(title)s” by %(author)s", title=post.title, author=author)
                if post.title
                else _("a post by %(author)s", author=author)
            )
            named[post.uri] = Named(label, f"/t/{post.id}", True)
        else:
            reply = (
                _("a reply by %(author)s in “%(title)s”", author=author, title=post.thread_title)
                if post.thread_title
                else _("a reply by %(author)s", author=author)
            )
            named[post.uri] = Named(reply, f"/t/{post.thread_id}#post-{post.id}", True)
    return named


def report_uris(reports: Iterable[Report]) -> list[str]:
    """Every address a list of reports names: who reported, and what."""
    return [uri for report in reports for uri in (report.reporter_uri, *report.targets)]
