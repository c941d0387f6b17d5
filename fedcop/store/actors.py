"""Actors, users and communities: rows and the queries that read and write them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from fedcop.store.people.profiles import EMPTY, PROFILE_COLUMNS, Profile, profile_from_row

_ACTOR_COLUMNS = """
    a.id, a.uri, a.actor_type, a.username, a.domain, a.display_name, a.summary,
    a.inbox_url, a.shared_inbox_url, a.outbox_url, a.followers_url,
    a.public_key_id, a.public_key_pem, a.created_at,
    (a.manually_approves_followers OR coalesce(
        (SELECT c.private FROM communities c WHERE c.actor_id = a.id), false)) AS members_only,
    coalesce((SELECT c.stage FROM communities c WHERE c.actor_id = a.id), a.stage) AS stage
"""


@dataclass(frozen=True)
class Actor:
    id: int
    uri: str
    actor_type: str
    username: str
    domain: str | None
    display_name: str
    summary: str
    inbox_url: str | None
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    public_key_id: str
    public_key_pem: str
    created_at: datetime
    # A community whose posts are for its members only: a private community here, or a remote
    # one that approves its members by hand.
    members_only: bool = False
    # A community's lifecycle stage (services.lifecycle): its facilitators' choice here, or what
    # a remote fedcop community states as fedcop:stage; None when none is recorded.
    stage: str | None = None

    @property
    def is_closed(self) -> bool:
        return self.stage == "Closed"

    @property
    def is_local(self) -> bool:
        return self.domain is None


@dataclass(frozen=True)
class LocalActor:
    """A local actor with the fields only local actors have."""

    actor: Actor
    private_key_pem: str
    is_admin: bool = False
    posting_restricted_to_mods: bool = False
    manually_approves_followers: bool = False
    private: bool = False
    # A person's stated profile (store/people/profiles.py); empty for others.
    profile: Profile = EMPTY


def _actor(row: Any) -> Actor:
    return Actor(**{key: row[key] for key in Actor.__dataclass_fields__})


async def insert_local_actor(
    conn: asyncpg.Connection,
    *,
    uri: str,
    actor_type: str,
    username: str,
    display_name: str,
    summary: str,
    public_key_pem: str,
    private_key_pem: str,
    inbox_url: str,
    shared_inbox_url: str,
    outbox_url: str,
    followers_url: str,
) -> Actor:
    row = await conn.fetchrow(
        f"""
        INSERT INTO actors AS a (uri, actor_type, username, domain, display_name, summary,
                                 inbox_url, shared_inbox_url, outbox_url, followers_url,
                                 public_key_id, public_key_pem, private_key_pem)
        VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $8, $9, $1 || '#main-key', $10, $11)
        RETURNING {_ACTOR_COLUMNS}
        """,
        uri,
        actor_type,
        username,
        display_name,
        summary,
        inbox_url,
        shared_inbox_url,
        outbox_url,
        followers_url,
        public_key_pem,
        private_key_pem,
    )
    return _actor(row)


async def insert_user(
    conn: asyncpg.Connection,
    actor_id: int,
    password_hash: str,
    is_admin: bool,
    state: str = "active",
) -> None:
    await conn.execute(
        "INSERT INTO users (actor_id, password_hash, is_admin, state) VALUES ($1, $2, $3, $4)",
        actor_id,
        password_hash,
        is_admin,
        state,
    )


async def insert_community(
    conn: asyncpg.Connection, actor_id: int, owner_id: int, *, private: bool = False
) -> None:
    # A private community approves its members by hand: that is how its members are known.
    await conn.execute(
        """
        INSERT INTO communities (actor_id, private, manually_approves_followers)
        VALUES ($1, $2, $2)
        """,
        actor_id,
        private,
    )
    await conn.execute(
        "INSERT INTO community_facilitators (community_id, actor_id) VALUES ($1, $2)",
        actor_id,
        owner_id,
    )


async def local_username_taken(conn: asyncpg.Connection, username: str) -> bool:
    return bool(
        await conn.fetchval(
            """
            SELECT EXISTS (
                SELECT 1 FROM actors WHERE domain IS NULL AND lower(username) = lower($1)
            )
            """,
            username,
        )
    )


async def find_local(conn: asyncpg.Connection, username: str) -> LocalActor | None:
    """A local user, community or the instance actor, by username (case-insensitive)."""
    row = await conn.fetchrow(
        f"""
        SELECT {_ACTOR_COLUMNS}, a.private_key_pem,
               coalesce(u.is_admin, false) AS is_admin,
               coalesce(c.posting_restricted_to_mods, false) AS posting_restricted_to_mods,
               coalesce(c.manually_approves_followers, false) AS manually_approves_followers,
               coalesce(c.private, false) AS private, {PROFILE_COLUMNS}
        FROM actors a
        LEFT JOIN users u ON u.actor_id = a.id
        LEFT JOIN communities c ON c.actor_id = a.id
        LEFT JOIN actor_profiles p ON p.actor_id = a.id
        WHERE a.domain IS NULL AND lower(a.username) = lower($1)
        """,
        username,
    )
    if row is None:
        return None
    return LocalActor(
        actor=_actor(row),
        private_key_pem=row["private_key_pem"],
        is_admin=row["is_admin"],
        posting_restricted_to_mods=row["posting_restricted_to_mods"],
        manually_approves_followers=row["manually_approves_followers"],
        private=row["private"],
        profile=profile_from_row(row),
    )


async def find_instance_actor(conn: asyncpg.Connection) -> LocalActor | None:
    row = await conn.fetchrow(
        "SELECT username FROM actors WHERE domain IS NULL AND actor_type = 'Application'"
    )
    return await find_local(conn, row["username"]) if row else None


async def password_hash_of(conn: asyncpg.Connection, username: str) -> str | None:
    value = await conn.fetchval(
        """
        SELECT u.password_hash FROM users u JOIN actors a ON a.id = u.actor_id
        WHERE a.domain IS NULL AND lower(a.username) = lower($1)
        """,
        username,
    )
    return str(value) if value is not None else None


async def facilitators_of(conn: asyncpg.Connection, community_id: int) -> list[Actor]:
    rows = await conn.fetch(
        f"""
        SELECT {_ACTOR_COLUMNS} FROM community_facilitators f JOIN actors a ON a.id = f.actor_id
        WHERE f.community_id = $1 ORDER BY f.added_at, a.id
        """,
        community_id,
    )
    return [_actor(row) for row in rows]


@dataclass(frozen=True)
class LocalListing:
    username: str
    actor_type: str
    display_name: str
    is_admin: bool
    created_at: datetime
    facilitators: list[str]


async def list_local(conn: asyncpg.Connection) -> list[LocalListing]:
    rows = await conn.fetch(
        """
        SELECT a.username, a.actor_type, a.display_name, coalesce(u.is_admin, false) AS is_admin,
               a.created_at,
               coalesce(array_agg(fa.username ORDER BY f.added_at)
                        FILTER (WHERE fa.username IS NOT NULL), '{}') AS facilitators
        FROM actors a
        LEFT JOIN users u ON u.actor_id = a.id
        LEFT JOIN community_facilitators f ON f.community_id = a.id
        LEFT JOIN actors fa ON fa.id = f.actor_id
        WHERE a.domain IS NULL AND a.actor_type IN ('Person', 'Group')
        GROUP BY a.id, u.is_admin
        ORDER BY a.actor_type DESC, lower(a.username)
        """
    )
    return [LocalListing(**dict(row)) for row in rows]


@dataclass(frozen=True)
class UsageCounts:
    users_total: int
    users_active_month: int
    users_active_halfyear: int
    communities: int
    local_threads: int
    local_replies: int


async def usage_counts(conn: asyncpg.Connection) -> UsageCounts:
    row = await conn.fetchrow(
        """
        SELECT
          (SELECT count(*) FROM users) AS users_total,
          (SELECT count(*) FROM users WHERE last_active_at > now() - interval '30 days')
              AS users_active_month,
          (SELECT count(*) FROM users WHERE last_active_at > now() - interval '180 days')
              AS users_active_halfyear,
          (SELECT count(*) FROM communities) AS communities,
          (SELECT count(*) FROM posts p JOIN actors a ON a.id = p.author_id
           WHERE a.domain IS NULL AND p.thread_id IS NULL AND p.deleted_at IS NULL)
              AS local_threads,
          (SELECT count(*) FROM posts p JOIN actors a ON a.id = p.author_id
           WHERE a.domain IS NULL AND p.thread_id IS NOT NULL AND p.deleted_at IS NULL)
              AS local_replies
        """
    )
    return UsageCounts(**dict(row))


@dataclass(frozen=True)
class RemoteActorFields:
    """What fedcop keeps of a remote actor document."""

    uri: str
    actor_type: str
    username: str
    domain: str
    display_name: str
    summary: str
    inbox_url: str
    shared_inbox_url: str | None
    outbox_url: str | None
    followers_url: str | None
    public_key_id: str
    public_key_pem: str
    manually_approves_followers: bool = False
    stage: str | None = None  # a remote community's fedcop:stage, if it states a known one


async def upsert_remote(conn: asyncpg.Connection, fields: RemoteActorFields) -> Actor:
    row = await conn.fetchrow(
        f"""
        INSERT INTO actors AS a (uri, actor_type, username, domain, display_name, summary,
                                 inbox_url, shared_inbox_url, outbox_url, followers_url,
                                 public_key_id, public_key_pem, manually_approves_followers,
                                 stage, fetched_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now())
        ON CONFLICT (uri) DO UPDATE SET
            actor_type = excluded.actor_type, username = excluded.username,
            display_name = excluded.display_name, summary = excluded.summary,
            inbox_url = excluded.inbox_url, shared_inbox_url = excluded.shared_inbox_url,
            outbox_url = excluded.outbox_url, followers_url = excluded.followers_url,
            public_key_id = excluded.public_key_id, public_key_pem = excluded.public_key_pem,
            manually_approves_followers = excluded.manually_approves_followers,
            stage = excluded.stage,
            fetched_at = now(), updated_at = now()
        WHERE a.domain IS NOT NULL
        RETURNING {_ACTOR_COLUMNS}
        """,
        fields.uri,
        fields.actor_type,
        fields.username,
        fields.domain,
        fields.display_name,
        fields.summary,
        fields.inbox_url,
        fields.shared_inbox_url,
        fields.outbox_url,
        fields.followers_url,
        fields.public_key_id,
        fields.public_key_pem,
        fields.manually_approves_followers,
        fields.stage,
    )
    if row is None:
        raise ValueError(f"{fields.uri} names a local actor; a remote document cannot replace it")
    return _actor(row)


async def find_by_uri(conn: asyncpg.Connection, uri: str) -> Actor | None:
    row = await conn.fetchrow(f"SELECT {_ACTOR_COLUMNS} FROM actors a WHERE a.uri = $1", uri)
    return _actor(row) if row else None


@dataclass(frozen=True)
class CachedKey:
    key_id: str
    owner_uri: str
    public_key_pem: str
    fetched_at: datetime | None


async def find_key(conn: asyncpg.Connection, key_id: str) -> CachedKey | None:
    row = await conn.fetchrow(
        """
        SELECT public_key_id, uri, public_key_pem, fetched_at FROM actors
        WHERE public_key_id = $1 ORDER BY domain NULLS FIRST LIMIT 1
        """,
        key_id,
    )
    if row is None:
        return None
    return CachedKey(row["public_key_id"], row["uri"], row["public_key_pem"], row["fetched_at"])


async def local_private_key(conn: asyncpg.Connection, actor_id: int) -> tuple[str, str]:
    row = await conn.fetchrow(
        "SELECT public_key_id, private_key_pem FROM actors WHERE id = $1 AND domain IS NULL",
        actor_id,
    )
    if row is None:
        raise ValueError(f"actor {actor_id} is not local")
    return row["public_key_id"], row["private_key_pem"]


async def set_manual_approval(conn: asyncpg.Connection, community: str, manual: bool) -> bool:
    result = await conn.execute(
        """
        UPDATE communities c SET manually_approves_followers = $2
        FROM actors a
        WHERE a.id = c.actor_id AND a.domain IS NULL AND lower(a.username) = lower($1)
        """,
        community,
        manual,
    )
    return bool(result != "UPDATE 0")


async def find_by_id(conn: asyncpg.Connection, actor_id: int) -> Actor | None:
    row = await conn.fetchrow(f"SELECT {_ACTOR_COLUMNS} FROM actors a WHERE a.id = $1", actor_id)
    return _actor(row) if row else None


async def lock_against_new_actors(conn: asyncpg.Connection) -> None:
    """Within a transaction: no other may add an actor until it ends (the instance actor is
    made once, whatever the number of processes starting together)."""
    await conn.execute("LOCK TABLE actors IN SHARE ROW EXCLUSIVE MODE")


async def cached_uris(conn: asyncpg.Connection, uris: list[str]) -> set[str]:
    """Which of `uris` are actors this node has a copy of (local ones, or remote ones fetched)."""
    rows = await conn.fetch("SELECT uri FROM actors WHERE uri = ANY($1::text[])", uris)
    return {row["uri"] for row in rows}
