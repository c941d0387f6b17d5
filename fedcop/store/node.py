"""The node's own row: the base URL its ids were minted on."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


async def recorded_base_url(conn: asyncpg.Connection) -> str | None:
    value = await conn.fetchval("SELECT base_url FROM node")
    return str(value) if value is not None else None


async def record_base_url(conn: asyncpg.Connection, base_url: str) -> str:
    """Record the base URL unless one is recorded already; return the one in force."""
    await conn.execute(
        "INSERT INTO node (base_url) VALUES ($1) ON CONFLICT (singleton) DO NOTHING", base_url
    )
    return str(await conn.fetchval("SELECT base_url FROM node"))


async def session_secret(conn: asyncpg.Connection, fresh_secret: str) -> str:
    """The key that signs session cookies: `fresh_secret` the first time, the same ever after
    (every server process of the node reads the same one)."""
    await conn.execute(
        "UPDATE node SET session_secret = $1 WHERE session_secret IS NULL", fresh_secret
    )
    return str(await conn.fetchval("SELECT session_secret FROM node"))


@dataclass(frozen=True)
class NodeSettings:
    organisation: str
    description: str
    registrations: str
    name: str = ""  # empty: the name the node was deployed with (Config.node_name)
    setup_step: str = "about"  # the guided setup's next step, or 'done'


async def settings(conn: asyncpg.Connection) -> NodeSettings:
    row = await conn.fetchrow(
        "SELECT organisation, description, registrations, name, setup_step FROM node"
    )
    if row is None:
        return NodeSettings("", "", "closed")
    return NodeSettings(
        row["organisation"], row["description"], row["registrations"], row["name"],
        row["setup_step"],
    )  # fmt: skip


async def update_settings(
    conn: asyncpg.Connection, organisation: str, description: str, registrations: str
) -> None:
    await conn.execute(
        "UPDATE node SET organisation = $1, description = $2, registrations = $3",
        organisation,
        description,
        registrations,
    )


async def set_name(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute("UPDATE node SET name = $1", name)


async def set_description(conn: asyncpg.Connection, description: str) -> None:
    await conn.execute("UPDATE node SET description = $1", description)


async def set_registrations(conn: asyncpg.Connection, registrations: str) -> None:
    await conn.execute("UPDATE node SET registrations = $1", registrations)


async def set_setup_step(conn: asyncpg.Connection, step: str) -> None:
    await conn.execute("UPDATE node SET setup_step = $1", step)


async def has_communities(conn: asyncpg.Connection) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM communities)"))
