"""Notifications: what local users are told about, and reading them.

    reply to a local user's post, or a mention of them   -> 'mention'  (post = the new post)
    Like of a local user's post                          -> 'favourite'
    boost (Announce by a person) of a local user's post  -> 'reblog'
    follow of a local user                               -> 'follow' ('follow_request' if pending)
    request to join a community that approves by hand    -> 'join_request' to its facilitators
    that request decided (here, or Accept/Reject of a    -> 'join_accepted' / 'join_refused' to
      community elsewhere)                                  the person who asked
    report (here, or a Flag received)                    -> 'report' to the community's
                                                            facilitators (no community: admins)

Reading: the notifications marker (shared with the client API's markers) says what was read;
the header of every page counts what is newer than it, and the web page moves it forward.

The hooks below run inside the transaction of the event they report, one or two statements
each and no network: the inbox worker never waits on them. Nobody is told about their own
doing, and an event is told once however often it arrives.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.store import markers as marker_store
from fedcop.store import notifications as store
from fedcop.store import post_extras
from fedcop.store import posts as post_store
from fedcop.store.notifications import Notification
from fedcop.store.posts import Post

KINDS = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "update")
UNREAD_CAP = 1000
# The header shows at most this many unread ("99+" past it): one short index walk per page.
HEADER_CAP = 99


# -- hooks ------------------------------------------------------------------------------------


async def post_stored(conn: asyncpg.Connection, post: Post, mentioned_uris: list[str]) -> None:
    """A new post: the author of the post it answers and the local users it mentions."""
    recipients = (
        await post_extras.local_users_by_uri(conn, mentioned_uris) if mentioned_uris else []
    )
    answered = post.parent_id or post.thread_id
    if answered is not None:
        parent = await post_store.find(conn, answered)
        if parent is not None:
            recipients.append(parent.author_id)
    if recipients:
        await store.add_many(conn, recipients, "mention", post.author_id, post.id)


async def favourited(conn: asyncpg.Connection, post: Post, by_id: int) -> None:
    await store.add(conn, post.author_id, "favourite", by_id, post.id)


async def reblogged(conn: asyncpg.Connection, post: Post, by_id: int) -> None:
    await store.add(conn, post.author_id, "reblog", by_id, post.id)


async def followed(
    conn: asyncpg.Connection, follower_id: int, followed_id: int, *, pending: bool
) -> None:
    await store.add(conn, followed_id, "follow_request" if pending else "follow", follower_id, None)


async def join_requested(conn: asyncpg.Connection, community_id: int, requester_id: int) -> None:
    """Someone asks to join a community here that approves its members by hand."""
    await store.add_join_request(conn, community_id, requester_id)


async def join_decided(
    conn: asyncpg.Connection, community_id: int, requester_id: int, *, accepted: bool
) -> None:
    """The community decided the request of a person here to join it (a person elsewhere hears
    of it from the Accept or Reject their server receives)."""
    kind = "join_accepted" if accepted else "join_refused"
    await store.add(conn, requester_id, kind, community_id, None)


async def join_request_decided(
    conn: asyncpg.Connection, community_id: int, requester_id: int
) -> None:
    """A request to join a community here was decided: its facilitators' notifications of it
    go (as an app's follow request goes once answered), so none offers a stale decision."""
    await store.forget_join_request(conn, community_id, requester_id)


async def reported(conn: asyncpg.Connection, activity_uri: str) -> None:
    """A report was kept (under `activity_uri`): those who must look at it are told."""
    await store.add_report(conn, activity_uri)


# -- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    kinds: list[str] | None
    excluded: list[str]
    from_id: int | None


async def page(
    pool: Any,
    user_id: int,
    wanted: Filter,
    *,
    before: int | None,
    after: int | None,
    limit: int,
    oldest_first: bool,
) -> list[Notification]:
    async with pool.acquire() as conn:
        found = await store.page(
            conn,
            user_id,
            kinds=wanted.kinds,
            excluded=wanted.excluded,
            from_id=wanted.from_id,
            before=before,
            after=after,
            limit=limit,
            oldest_first=oldest_first,
        )
    return list(reversed(found)) if oldest_first else found


async def one(pool: Any, user_id: int, notification_id: int) -> Notification | None:
    async with pool.acquire() as conn:
        return await store.find(conn, user_id, notification_id)


async def dismiss(pool: Any, user_id: int, notification_id: int) -> bool:
    async with pool.acquire() as conn:
        return await store.dismiss(conn, user_id, notification_id)


async def clear(pool: Any, user_id: int) -> None:
    async with pool.acquire() as conn:
        await store.clear(conn, user_id)


async def unread_count(pool: Any, user_id: int, last_read_id: int | None) -> int:
    async with pool.acquire() as conn:
        return await store.count_after(conn, user_id, last_read_id, UNREAD_CAP)


async def header_count(pool: Any, user_id: int) -> int:
    """Unread notifications for the header, up to HEADER_CAP + 1 (shown as "99+")."""
    async with pool.acquire() as conn:
        return await store.count_unread(conn, user_id, HEADER_CAP + 1)


async def mark_read(pool: Any, user_id: int, up_to: int | None = None) -> None:
    """Everything up to the notification `up_to` (or every notification) is read; the marker
    only moves forward, so an app that read further keeps its place."""
    async with pool.acquire() as conn:
        newest = up_to if up_to is not None else await store.newest_id(conn, user_id)
        if newest is not None:
            await marker_store.advance(conn, user_id, "notifications", newest)


async def reports(pool: Any, report_ids: list[int]) -> dict[int, store.ReportFacts]:
    """The reports 'report' notifications are about, by id."""
    if not report_ids:
        return {}
    async with pool.acquire() as conn:
        return await store.reports(conn, report_ids)
