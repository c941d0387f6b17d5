"""A local community relays what it accepts to its members' servers (FEP-1b12).

accepted activity (Create, Update, Delete, Like, ... exactly as received or made here)
  -> Announce{actor: community, object: <the activity, unchanged>}  to every follower server
  -> and, for a new thread (or a facilitator's summary), Announce{object: <its id>} to
     microblog servers instead, which show an announced object but not an announced Create
one delivery per shared inbox; the author's own server is included (it needs the Announce
to know the community accepted the post)
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.context import PUBLIC
from fedcop.services import outbox
from fedcop.services.software import is_microblog
from fedcop.store import software as software_store
from fedcop.store.actors import Actor


def _bare(activity: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in activity.items() if key != "@context"}


async def relay(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    activity: dict[str, Any],
    *,
    new_thread_uri: str | None = None,
) -> None:
    """Announce `activity` to the community's followers; `new_thread_uri` for a new thread."""
    followers = community.followers_url or f"{community.uri}/followers"
    inboxes = await software_store.follower_inboxes_by_software(conn, community.id)
    if community.members_only:
        # A private community speaks to its members only, and never to the public.
        await outbox.publish(
            conn,
            config,
            community,
            {"type": "Announce", "object": _bare(activity), "to": [followers]},
            [inbox for inbox, _, _ in inboxes],
            members_of=community,
        )
        return
    threadiverse = [inbox for inbox, _, software in inboxes if not is_microblog(software)]
    microblog = [inbox for inbox, _, software in inboxes if is_microblog(software)]
    if threadiverse:
        await outbox.publish(
            conn,
            config,
            community,
            {"type": "Announce", "object": _bare(activity), "to": [PUBLIC], "cc": [followers]},
            threadiverse,
        )
    if microblog and new_thread_uri is not None:
        await outbox.publish(
            conn,
            config,
            community,
            {"type": "Announce", "object": new_thread_uri, "to": [PUBLIC], "cc": [followers]},
            microblog,
        )
