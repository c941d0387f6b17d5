"""Active, quiet and lapsed members, by when this node last saw them in the community.

    active   seen (a thread, a reply or a vote) in the last ACTIVE_DAYS days
    quiet    not active, but seen or joined in the last LAPSED_DAYS days
    lapsed   neither seen nor joined in the last LAPSED_DAYS days

A member who joined recently and has not written yet is quiet, not lapsed: a check-in is for
people who drifted away. Remote members count like local ones, from what this node stores.
The rule runs in SQL (store/health/members.py) with the cut-offs made here.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fedcop.store.health import members as member_store
from fedcop.store.health.members import Statuses

ACTIVE_DAYS = 30
LAPSED_DAYS = 90
STATUSES = ("active", "quiet", "lapsed")


async def by_status(conn: Any, community_id: int, now: datetime, listed: int | None) -> Statuses:
    """Every member's status; the first `listed` of each status in full (None: all)."""
    return await member_store.members_by_status(
        conn,
        community_id,
        active_after=now - timedelta(days=ACTIVE_DAYS),
        quiet_after=now - timedelta(days=LAPSED_DAYS),
        listed=listed,
    )
