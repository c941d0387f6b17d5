"""Reports (Flag): a member points facilitators at a post or a person.

reported here (web Report button, POST /api/v1/reports)
    -> one report kept here (what the reporter and the API see; for a community here, what
       its facilitators see on its Facilitate page)
    -> for each community of the reported posts on another node: a Flag from the reporter to
       the community, as Lemmy sends it (its facilitators see it there):
           {"type": "Flag", "actor": reporter, "to": [community], "audience": community,
            "object": [post..., person], "content": reason, "summary": reason}
    -> when the reported person lives on yet another server (and `forward`): a Flag to their
       server, signed by this node's instance actor so the reporter stays anonymous there, as
       Mastodon forwards reports:
           {"type": "Flag", "actor": instance actor, "object": [person, post...],
            "content": reason}
Flag arrives -> stored against the community of the reported post (or the community the Flag
                names), when that community or the reported author is here; a report about a
                person here with no post, for this node's admins (no community)

A Flag is never served at its id: who reported whom is for its recipients alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import notifications, outbox, remote_actors
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import actors as actor_store
from fedcop.store import ids
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store import timelines as timeline_store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.store.users import User
from federation.vocab import id_of, ids_of

MAX_REASON = 2000
# At most this many posts in one report (Mastodon's apps send a handful).
MAX_POSTS = 20
CATEGORIES = ("spam", "legal", "violation", "other")


@dataclass(frozen=True)
class Filed:
    """A report made here, as the reporter sees it."""

    id: int
    account: Actor
    post_ids: list[int]
    reason: str
    category: str
    forwarded: bool
    created_at: datetime


async def report(pool: Any, config: Config, *, reporter: str, post_uri: str, reason: str) -> None:
    """A local user reports a post to its community's facilitators (and its author's node)."""
    await file(pool, config, reporter=reporter, post_uris=[post_uri], reason=reason)


async def file(
    pool: Any,
    config: Config,
    *,
    reporter: str,
    account_uri: str | None = None,
    post_uris: list[str] | None = None,
    reason: str = "",
    category: str = "other",
    forward: bool = True,
) -> Filed:
    """`reporter` (a user here) reports a person, or posts of one person; see the module's
    flow. NotFound for a person or post unknown here (or not readable by the reporter)."""
    post_uris = list(dict.fromkeys(post_uris or []))
    if len(reason) > MAX_REASON:
        raise InvalidInput(_("a report's reason has at most %(most)s characters", most=MAX_REASON))
    if category not in CATEGORIES:
        raise InvalidInput(
            _("a report's category is one of %(categories)s", categories=", ".join(CATEGORIES))
        )
    if len(post_uris) > MAX_POSTS:
        raise InvalidInput(_("a report names at most %(most)s posts", most=MAX_POSTS))
    if account_uri is None and not post_uris:
        raise InvalidInput(_("a report names a person or a post"))
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, reporter)
        if local is None:
            raise NotFound(_("there is no user %(name)s on this node", name=repr(reporter)))
        reported = await _posts(conn, post_uris, local.actor.id)
        account = await _account(conn, account_uri, reported)
        if account.id == local.actor.id:
            raise InvalidInput(_("you cannot report yourself"))
        communities = await _communities(conn, reported)
        targets = [account.uri, *(post.uri for post in reported)]
        primary: str | None = None
        for community in communities:
            flag = await outbox.publish(
                conn,
                config,
                local.actor,
                {
                    "type": "Flag",
                    "object": [*(p.uri for p in reported), account.uri],
                    "content": reason,
                    "summary": reason,
                    "audience": community.uri,
                    "to": [community.uri],
                },
                [] if community.is_local else outbox.inbox_of(community),
            )
            primary = primary or flag["id"]
        forwarded = forward and _elsewhere(account, communities)
        if forwarded:
            await _forward(conn, config, account, reported, reason)
        # A report about a person alone has no Flag of the reporter's: a key of its own here.
        primary = primary or f"{config.base_url}/reports/{await ids.next_id(conn)}"
        kept: list[Actor | None] = [*communities] or [None]
        for number, kept_for in enumerate(kept):
            await mod_store.add_report(
                conn,
                primary if number == 0 else f"{primary}#{number}",
                kept_for.id if kept_for is not None else None,
                local.actor.id,
                targets,
                reason,
                category=category,
                forwarded=forwarded,
            )
            await notifications.reported(conn, primary if number == 0 else f"{primary}#{number}")
        found = await mod_store.report_by_activity(conn, primary)
    assert found is not None
    return Filed(
        id=found.id,
        account=account,
        post_ids=[post.id for post in reported],
        reason=reason,
        category=category,
        forwarded=forwarded,
        created_at=found.created_at,
    )


async def file_by_ids(
    pool: Any,
    config: Config,
    *,
    reporter: str,
    account_id: int,
    status_ids: list[int],
    reason: str,
    category: str,
    forward: bool,
) -> Filed:
    """`file`, with the person and the posts named by their ids here (the client API's)."""
    if len(status_ids) > MAX_POSTS:
        raise InvalidInput(_("a report names at most %(most)s posts", most=MAX_POSTS))
    async with pool.acquire() as conn:
        account = await actor_store.find_by_id(conn, account_id)
        posts = [await post_store.find(conn, post_id) for post_id in status_ids]
    if account is None:
        raise NotFound(_("Record not found"))
    if any(post is None for post in posts):
        raise NotFound(_("Record not found"))
    return await file(
        pool, config, reporter=reporter, account_uri=account.uri,
        post_uris=[post.uri for post in posts if post is not None], reason=reason,
        category=category, forward=forward,
    )  # fmt: skip


async def _posts(conn: asyncpg.Connection, uris: list[str], reader_id: int) -> list[Post]:
    found = [await post_store.find_by_uri(conn, uri) for uri in uris]
    posts = [post for post in found if post is not None]
    readable = await timeline_store.readable(conn, [p.id for p in posts], reader_id)
    if len(posts) < len(uris) or len(readable) < len(posts):
        raise NotFound(_("a post reported is not known here"))
    return posts


async def _account(conn: asyncpg.Connection, uri: str | None, posts: list[Post]) -> Actor:
    """The person reported: the one named, who must have written every post reported."""
    author_ids = {post.author_id for post in posts}
    if uri is None:
        if len(author_ids) > 1:
            raise InvalidInput(_("the posts of one report are one person's"))
        account = await actor_store.find_by_id(conn, author_ids.pop())
    else:
        account = await actor_store.find_by_uri(conn, uri)
    if account is None or account.actor_type not in ("Person", "Service"):
        raise NotFound(_("the person reported is not known here"))
    if author_ids - {account.id}:
        raise InvalidInput(_("the posts reported are not all %(name)s's", name=account.username))
    return account


async def _communities(conn: asyncpg.Connection, posts: list[Post]) -> list[Actor]:
    found: list[Actor] = []
    for community_id in dict.fromkeys(post.community_id for post in posts):
        if community_id is None:
            continue  # a followed person's post: reported to their own server only
        community = await actor_store.find_by_id(conn, community_id)
        if community is not None and community.actor_type == "Group":
            found.append(community)
    return found


def _elsewhere(account: Actor, communities: list[Actor]) -> bool:
    """Whether the person's own server is one the community Flags do not already reach."""
    return not account.is_local and account.domain not in {c.domain for c in communities}


async def _forward(
    conn: asyncpg.Connection, config: Config, account: Actor, posts: list[Post], reason: str
) -> None:
    """The report, to the reported person's own server, from this node (not the reporter)."""
    instance = await actor_store.find_instance_actor(conn)
    assert instance is not None
    await outbox.publish(
        conn,
        config,
        instance.actor,
        {"type": "Flag", "object": [account.uri, *(p.uri for p in posts)], "content": reason},
        outbox.inbox_of(account),
    )


async def node_reports(pool: Any, user: User) -> list[mod_store.Report]:
    """The open reports about people with no community, for this node's admins."""
    if not user.is_admin:
        raise InvalidInput(_("only this node's admins can do that"))
    async with pool.acquire() as conn:
        return await mod_store.open_node_reports(conn)


async def close_node_report(pool: Any, user: User, report_id: int) -> None:
    if not user.is_admin:
        raise InvalidInput(_("only this node's admins can do that"))
    async with pool.acquire() as conn:
        if not await mod_store.close_node_report(conn, report_id, user.actor.id):
            raise NotFound(_("that report is not open"))


async def receive_flag(pool: Any, network: Network, flag: dict[str, Any]) -> bool:
    targets = ids_of(flag.get("object"))[:20]
    if not targets or not isinstance(flag.get("id"), str):
        return False
    reporter = await remote_actors.get_actor(pool, network, str(id_of(flag.get("actor"))))
    reason = str(flag.get("content") or flag.get("summary") or "")[:MAX_REASON]
    async with pool.acquire() as conn, conn.transaction():
        community_id = await _reported_community(conn, flag, targets)
        if community_id is None and not await _names_a_person_here(conn, targets):
            return False
        added = await mod_store.add_report(
            conn, flag["id"], community_id, reporter.id, targets, reason
        )
        if added:
            await notifications.reported(conn, flag["id"])
        return added


async def _names_a_person_here(conn: Any, targets: list[str]) -> bool:
    """A report about a person of this node, with no post of a community: for its admins."""
    for target in targets:
        actor = await actor_store.find_by_uri(conn, target)
        if actor is not None and actor.is_local and actor.actor_type == "Person":
            return True
    return False


async def _reported_community(conn: Any, flag: dict[str, Any], targets: list[str]) -> int | None:
    """The community the report is about, if it (or the reported author) is here."""
    for target in targets:
        post = await post_store.find_by_uri(conn, target)
        if post is None or post.community_id is None:
            continue  # a post outside communities: no community here to tell
        community = await actor_store.find_by_id(conn, post.community_id)
        author = await actor_store.find_by_id(conn, post.author_id)
        if (community and community.is_local) or (author and author.is_local):
            return post.community_id
    for named in ids_of(flag.get("audience")):
        community = await actor_store.find_by_uri(conn, named)
        if community is not None and community.is_local and community.actor_type == "Group":
            return community.id
    return None
