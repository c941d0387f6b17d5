"""OAuth apps, authorization codes and bearer tokens (kept as SHA-256 hashes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from fedcop.store.users import _USER_COLUMNS, User, _user


@dataclass(frozen=True)
class Token:
    id: int
    app_id: int | None
    user_id: int | None
    scopes: list[str]
    expires_at: datetime | None


async def insert_token(
    conn: asyncpg.Connection,
    token_hash: str,
    app_id: int | None,
    user_id: int | None,
    scopes: list[str],
    expires_at: datetime | None = None,
) -> int:
    return int(
        await conn.fetchval(
            """
            INSERT INTO oauth_tokens (token_hash, app_id, user_id, scopes, expires_at)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """,
            token_hash,
            app_id,
            user_id,
            scopes,
            expires_at,
        )
    )


@dataclass(frozen=True)
class Bearer:
    """A live token and, unless it is an app's own token, its active user."""

    token: Token
    user: User | None


async def live_bearer(conn: asyncpg.Connection, token_hash: str) -> Bearer | None:
    """The token with this hash and its user in one statement (this runs on every API request),
    unless the token is revoked or expired or its user is not active. Its use is recorded at
    most once a minute, so busy clients do not write on every request."""
    row = await conn.fetchrow(
        f"""
        SELECT t.id AS token_id, t.app_id, t.user_id, t.scopes, t.expires_at,
               (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute') AS stale,
               {_USER_COLUMNS}
        FROM oauth_tokens t
        LEFT JOIN users u ON u.actor_id = t.user_id
        LEFT JOIN actors a ON a.id = u.actor_id
        LEFT JOIN actor_profiles p ON p.actor_id = u.actor_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL
          AND (t.expires_at IS NULL OR t.expires_at > now())
          AND (t.user_id IS NULL OR u.state = 'active')
        """,
        token_hash,
    )
    if row is None:
        return None
    if row["stale"]:
        await conn.execute(
            """
            UPDATE oauth_tokens SET last_used_at = now()
            WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
            """,
            row["token_id"],
        )
    token = Token(
        row["token_id"], row["app_id"], row["user_id"], list(row["scopes"]), row["expires_at"]
    )
    return Bearer(token, _user(row) if row["user_id"] is not None else None)


async def revoke_token(conn: asyncpg.Connection, token_hash: str) -> bool:
    status = await conn.execute(
        "UPDATE oauth_tokens SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL",
        token_hash,
    )
    return bool(status.endswith(" 1"))


@dataclass(frozen=True)
class App:
    id: int
    client_id: str
    client_secret_hash: str
    name: str
    website: str | None
    redirect_uris: list[str]
    scopes: list[str]
    created_at: datetime


_APP_COLUMNS = "id, client_id, client_secret, name, website, redirect_uris, scopes, created_at"


def _app(row: asyncpg.Record) -> App:
    return App(
        row["id"],
        row["client_id"],
        row["client_secret"],
        row["name"],
        row["website"],
        list(row["redirect_uris"]),
        list(row["scopes"]),
        row["created_at"],
    )


async def insert_app(
    conn: asyncpg.Connection,
    client_id: str,
    client_secret_hash: str,
    name: str,
    website: str | None,
    redirect_uris: list[str],
    scopes: list[str],
) -> App:
    """A new app; its secret is kept as a SHA-256 hash (the column keeps its historical name)."""
    row = await conn.fetchrow(
        f"""
        INSERT INTO oauth_apps (client_id, client_secret, name, website, redirect_uris, scopes)
        VALUES ($1, $2, $3, $4, $5, $6) RETURNING {_APP_COLUMNS}
        """,
        client_id,
        client_secret_hash,
        name,
        website,
        redirect_uris,
        scopes,
    )
    return _app(row)


async def app_by_client_id(conn: asyncpg.Connection, client_id: str) -> App | None:
    row = await conn.fetchrow(
        f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE client_id = $1", client_id
    )
    return _app(row) if row is not None else None


async def app_by_id(conn: asyncpg.Connection, app_id: int) -> App | None:
    row = await conn.fetchrow(f"SELECT {_APP_COLUMNS} FROM oauth_apps WHERE id = $1", app_id)
    return _app(row) if row is not None else None


@dataclass(frozen=True)
class Code:
    app_id: int
    user_id: int
    redirect_uri: str
    scopes: list[str]
    code_challenge: str | None
    code_challenge_method: str | None
    expires_at: datetime


async def insert_code(
    conn: asyncpg.Connection,
    code_hash: str,
    app_id: int,
    user_id: int,
    redirect_uri: str,
    scopes: list[str],
    code_challenge: str | None,
    code_challenge_method: str | None,
    expires_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO oauth_codes (code_hash, app_id, user_id, redirect_uri, scopes,
                                 code_challenge, code_challenge_method, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
        """,
        code_hash,
        app_id,
        user_id,
        redirect_uri,
        scopes,
        code_challenge,
        code_challenge_method,
        expires_at,
    )


async def take_code(conn: asyncpg.Connection, code_hash: str) -> Code | None:
    """The code with this hash, deleted as it is read: a code is used once, even by two
    token requests racing each other. Expired codes are returned too (the caller refuses them),
    and codes long expired are swept on the way."""
    await conn.execute("DELETE FROM oauth_codes WHERE expires_at < now() - interval '1 day'")
    row = await conn.fetchrow(
        """
        DELETE FROM oauth_codes WHERE code_hash = $1
        RETURNING app_id, user_id, redirect_uri, scopes, code_challenge, code_challenge_method,
                  expires_at
        """,
        code_hash,
    )
    if row is None:
        return None
    return Code(
        row["app_id"],
        row["user_id"],
        row["redirect_uri"],
        list(row["scopes"]),
        row["code_challenge"],
        row["code_challenge_method"],
        row["expires_at"],
    )


async def revoke_app_token(conn: asyncpg.Connection, token_hash: str, app_id: int) -> bool:
    """Revoke a token, but only one this app was given (RFC 7009 §2.1)."""
    status = await conn.execute(
        """
        UPDATE oauth_tokens SET revoked_at = now()
        WHERE token_hash = $1 AND app_id = $2 AND revoked_at IS NULL
        """,
        token_hash,
        app_id,
    )
    return bool(status.endswith(" 1"))
