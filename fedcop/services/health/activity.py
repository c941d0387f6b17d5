"""Active, quiet and lapsed members, by when this node last saw them in the community.

    active   seen (a thread, a reply or a vote) in the last ACTIVE_DAYS days
    quiet    not active, but seen or joined in the last LAPSED_DAYS days
    lapsed   neither seen nor joined in the last LAPSED_DAYS days

A member who joined recently and has not written yet is quiet, not lapsed: a check-in is for
people who drifted away. Remote members count like local ones, from what this node stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from fedcop.store.health.members import MemberSeen

ACTIVE_DAYS = 30
LAPSED_DAYS = 90
STATUSES = ("active", "quiet", "lapsed")


def status(member: MemberSeen, now: datetime) -> str:
    if member.last_seen_at is not None and member.last_seen_at > now - timedelta(ACTIVE_DAYS):
        return "active"
    latest = max(member.joined_at, member.last_seen_at or member.joined_at)
    return "quiet" if latest > now - timedelta(LAPSED_DAYS) else "lapsed"


@dataclass(frozen=True)
class MemberGroups:
    active: list[MemberSeen]
    quiet: list[MemberSeen]
    lapsed: list[MemberSeen]

    @property
    def total(self) -> int:
        return len(self.active) + len(self.quiet) + len(self.lapsed)

    def of(self, name: str) -> list[MemberSeen]:
        return {"active": self.active, "quiet": self.quiet, "lapsed": self.lapsed}[name]


def _recent_first(member: MemberSeen) -> tuple[float, str]:
    # Most recently seen first; never seen last, the longest-standing members before others.
    seen = member.last_seen_at.timestamp() if member.last_seen_at else float("-inf")
    return (-seen, member.username)


def grouped(members: list[MemberSeen], now: datetime) -> MemberGroups:
    groups: dict[str, list[MemberSeen]] = {name: [] for name in STATUSES}
    for member in sorted(members, key=_recent_first):
        groups[status(member, now)].append(member)
    return MemberGroups(groups["active"], groups["quiet"], groups["lapsed"])


def handle(member: MemberSeen, domain: str) -> str:
    """@name@domain, for people of this node too (a facilitator's list mixes both)."""
    return f"@{member.username}@{member.domain or domain}"
