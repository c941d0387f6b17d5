"""What became of one inbound message (the inbound_mail row's state and reason)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    state: str  # posted / refused / dropped / bounce
    reason: str | None
    post_id: int | None = None
    user_id: int | None = None
