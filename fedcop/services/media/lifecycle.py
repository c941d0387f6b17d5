"""The life of a file after its upload, and the storage files use.

    a post deleted by its author, or removed by a facilitator (here or by its own server)
        -> its files go with it, unless another post or page uses them (triggers, 0047)
    a knowledge-base page deleted, or an edit that takes a file away -> the same
    an account deleted -> all its uploads (media.owner_id ON DELETE CASCADE)
    an upload never attached -> deleted a day after it was made (`sweep`, run by the
        media cleanup job beside the delivery worker)

Each of these deletes `media` rows; a trigger queues their stored bytes, which the storage
worker deletes. Storage use per account and in total is what the admin page, `fedcop admin
storage` and /metrics show.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fedcop.store.media import lifecycle as store
from fedcop.store.media.lifecycle import AccountUsage, StorageTotals

# Mastodon's rule too: an upload a client made and never used is gone after a day.
UNATTACHED_FOR = timedelta(days=1)
SWEEP_BATCH = 500
TOP_ACCOUNTS = 10

__all__ = [
    "AccountUsage", "StorageReport", "StorageTotals", "human_size", "report_lines",
    "storage_report", "sweep",
]  # fmt: skip


@dataclass(frozen=True)
class StorageReport:
    totals: StorageTotals
    # The accounts using the most, most first.
    top: list[AccountUsage]


async def sweep(pool: Any, *, older_than: timedelta = UNATTACHED_FOR) -> int:
    """Delete every upload never attached that is older than `older_than`; how many."""
    deleted = 0
    while True:
        async with pool.acquire() as conn, conn.transaction():
            batch = await store.delete_unattached(conn, older_than, SWEEP_BATCH)
        deleted += batch
        if batch < SWEEP_BATCH:
            return deleted


async def storage_totals(pool: Any) -> StorageTotals:
    async with pool.acquire() as conn:
        return await store.totals(conn)


async def storage_report(pool: Any, top: int = TOP_ACCOUNTS) -> StorageReport:
    async with pool.acquire() as conn:
        return StorageReport(await store.totals(conn), await store.top_accounts(conn, top))


def human_size(size: int) -> str:
    """A number of bytes as a person reads it: 0 B, 512 B, 2.0 kB, 3.5 MB (powers of 1000, as
    the pages show sizes)."""
    amount = float(size)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(amount) < 1000 or unit == "TB":
            return f"{size} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1000
    raise AssertionError("unreachable")


def report_lines(report: StorageReport, domain: str) -> list[str]:
    """`fedcop admin storage`: the totals, then one line per account, most first."""
    totals = report.totals
    lines = [
        f"files stored: {totals.files} ({human_size(totals.bytes)}, {totals.bytes} bytes)"
        f" by {totals.accounts} account{'' if totals.accounts == 1 else 's'}"
    ]
    for usage in report.top:
        lines.append(
            f"  @{usage.username}@{domain}: {usage.files} file{'' if usage.files == 1 else 's'},"
            f" {human_size(usage.bytes)} ({usage.bytes} bytes)"
        )
    return lines
