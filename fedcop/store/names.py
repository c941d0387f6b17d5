"""What an address names: the person, community or post this node keeps under a URI."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

MAX_URIS = 1000


@dataclass(frozen=True)
class NamedActor:
    uri: str
    username: str
    domain: str | None
    display_name: str
    actor_type: str


@dataclass(frozen=True)
class NamedPost:
    uri: str
    id: int
    thread_id: int | None
    title: str | None
    thread_title: str | None
    author: NamedActor


async def actors(conn: asyncpg.Connection, uris: list[str]) -> list[NamedActor]:
    rows = await conn.fetch(
        """
        SELECT uri, username, domain, display_name, actor_type FROM actors
        WHERE uri = ANY($1::text[])
        """,
        uris[:MAX_URIS],
    )
    return [NamedActor(**dict(row)) for row in rows]


async def posts(conn: asyncpg.Connection, uris: list[str]) -> list[NamedPost]:
    rows = await conn.fetch(
        """
        SELECT p.uri, p.id, p.thread_id, p.title, t.title AS thread_title,
               a.uri AS author_uri, a.username, a.domain, a.display_name, a.actor_type
        FROM posts p JOIN actors a ON a.id = p.author_id
        LEFT JOIN posts t ON t.id = p.thread_id
        WHERE p.uri = ANY($1::text[])
        """,
        uris[:MAX_URIS],
    )
    return [
        NamedPost(
            uri=row["uri"],
            id=row["id"],
            thread_id=row["thread_id"],
            title=row["title"],
            thread_title=row["thread_title"],
            author=NamedActor(
                uri=row["author_uri"],
                username=row["username"],
                domain=row["domain"],
                display_name=row["display_name"],
                actor_type=row["actor_type"],
            ),
        )
        for row in rows
    ]
