"""Publishing: record an activity under a stable id and queue one delivery per inbox.

publish(actor, {"type": "Accept", ...}, inboxes)
  -> id = {base}/activities/{n}; document stored (served at that id)
  -> deliveries: one row per distinct inbox (shared inboxes already deduplicated by callers)
  -> the delivery worker signs and sends them
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.actors import utc_timestamp
from fedcop.documents.context import AS_CONTEXT
from fedcop.store import ids
from fedcop.store import outbound as outbound_store
from fedcop.store.actors import Actor


def activity_uri(config: Config, number: int) -> str:
    return f"{config.base_url}/activities/{number}"


async def publish(
    conn: asyncpg.Connection,
    config: Config,
    actor: Actor,
    activity: dict[str, Any],
    inboxes: list[str],
    *,
    members_of: Actor | None = None,
    uri: str | None = None,
) -> dict[str, Any]:
    """Store `activity` (given without @context, id or actor) and queue its deliveries.
    `members_of`: a private community whose members' servers alone may fetch it. `uri`: an id
    of the activity's own instead of /activities/N, for one that nobody may fetch (a vote in a
    poll: Mastodon's shape, a fragment of the voter's id, so who voted for what stays between
    the voter's server and the poll's)."""
    number = await ids.next_id(conn)
    document = {
        "@context": AS_CONTEXT,
        "id": uri or activity_uri(config, number),
        "actor": actor.uri,
        "published": utc_timestamp(datetime.now(UTC)),
        **activity,
    }
    async with conn.transaction():
        row_id = await outbound_store.insert_activity(
            conn, document["id"], actor.id, document, members_of.id if members_of else None
        )
        await outbound_store.enqueue_deliveries(conn, row_id, inboxes)
    return document


def inbox_of(actor: Actor) -> list[str]:
    """Where one actor receives: its shared inbox when it has one (one POST per server)."""
    inbox = actor.shared_inbox_url or actor.inbox_url
    return [inbox] if inbox else []


def readers(community: Actor) -> Actor | None:
    """For `members_of`: the community itself when its posts are for members only."""
    return community if community.members_only else None
