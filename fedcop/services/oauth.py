"""Access for Mastodon apps: bearer tokens and the scopes they carry.

token  -> 32 random bytes, url-safe; only its SHA-256 is stored
scopes -> read, write, follow, push, admin:read, admin:write and their sub-scopes
          ("read" grants "read:statuses"; the old "follow" grants the follow sub-scopes)
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import oauth as oauth_store
from fedcop.store import users as user_store
from fedcop.store.users import User

TOP_SCOPES = ("read", "write", "follow", "push", "profile")
SUB_SCOPES = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
    "admin:read": ("accounts", "reports", "domain_blocks"),
    "admin:write": ("accounts", "reports", "domain_blocks"),
}
ALL_SCOPES = frozenset(
    [*TOP_SCOPES, "admin:read", "admin:write"]
    + [f"{top}:{sub}" for top, subs in SUB_SCOPES.items() for sub in subs]
)
# What the legacy "follow" scope stands for.
_FOLLOW_GRANTS = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(text: str | None, default: str = "read") -> list[str]:
    """Scopes as a space-separated string (a '+' or ',' separator is taken too); unknown
    scopes are refused."""
    raw = (text or default).replace("+", " ").replace(",", " ").split()
    scopes = list(dict.fromkeys(raw))
    unknown = [scope for scope in scopes if scope not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(f"unknown scope: {' '.join(unknown)}")
    if not scopes:
        raise InvalidInput("no scope asked for")
    return scopes


def grants(granted: list[str] | frozenset[str], needed: str) -> bool:
    """Whether the granted scopes cover `needed` (e.g. "read" covers "read:statuses")."""
    if needed in granted:
        return True
    parent = needed.rpartition(":")[0]  # "read:statuses" -> "read"; "admin:read:x" -> "admin:read"
    if parent and parent in granted:
        return True
    return needed in _FOLLOW_GRANTS and "follow" in granted


@dataclass(frozen=True)
class Access:
    """Who a token acts for (None for an app's own token) and what it may do."""

    token_id: int
    app_id: int | None
    user: User | None
    scopes: list[str]


async def issue_token(
    conn: Any, *, user_id: int | None, app_id: int | None, scopes: list[str]
) -> str:
    token = secrets.token_urlsafe(32)
    await oauth_store.insert_token(conn, hash_token(token), app_id, user_id, scopes)
    return token


async def access_of(pool: Any, token: str) -> Access | None:
    """The live token's access, or None (unknown, revoked, expired, or its user suspended)."""
    async with pool.acquire() as conn:
        found = await oauth_store.live_token(conn, hash_token(token))
        if found is None:
            return None
        user = None
        if found.user_id is not None:
            user = await user_store.find_by_id(conn, found.user_id)
            if user is None or user.state != "active":
                return None
    return Access(found.id, found.app_id, user, found.scopes)


async def admin_token(pool: Any, username: str, scopes: str = "read write follow push") -> str:
    """A bearer token for `fedcop admin token USER`: scripts act as that user."""
    async with pool.acquire() as conn:
        user = await user_store.find_by_name(conn, username)
        if user is None:
            raise NotFound(f"there is no user {username!r} on this node")
        if user.state != "active":
            raise InvalidInput(f"{username!r} is {user.state}: only active users get tokens")
        return await issue_token(
            conn, user_id=user.actor.id, app_id=None, scopes=parse_scopes(scopes)
        )
