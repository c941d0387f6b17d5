"""What `fedcop admin queue` says of inbound mail: counts by state, the latest refusals."""

from __future__ import annotations

from typing import Any

from fedcop.store.mail import inbound as inbound_store

STATES = ("waiting", "posted", "refused", "dropped", "bounce")


async def lines(pool: Any) -> list[str]:
    async with pool.acquire() as conn:
        counts = await inbound_store.counts(conn)
        refused = await inbound_store.latest_refused(conn)
    found = ["inbound mail " + ", ".join(f"{state} {counts.get(state, 0)}" for state in STATES)]
    if refused:
        found.append("refused or dropped inbound mail (newest first):")
        found.extend(
            f"  {row['id']}  {row['received_at'].isoformat(timespec='seconds')}  "
            f"from {row['envelope_from'] or '<>'} to {row['recipient']}  "
            f"{row['state']}: {row['reason']}"
            for row in refused
        )
    return found
