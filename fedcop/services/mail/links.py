"""Links carried in mail: one-click unsubscribe (RFC 8058) and address confirmation."""

from __future__ import annotations

import asyncpg

from fedcop.config import Config
from fedcop.mail import tokens
from fedcop.store.mail.node_secret import signing_secret


async def mail_secret(conn: asyncpg.Connection) -> str:
    """The node's signing secret (the one its web sessions use)."""
    secret = await signing_secret(conn)
    if not secret:
        raise RuntimeError("the node has no secret yet: start it once with `fedcop serve`")
    return secret


async def unsubscribe_url(
    conn: asyncpg.Connection, config: Config, user_id: int, community_id: int | None
) -> str:
    """The List-Unsubscribe URL: a bare POST to it stops mail from the community (None: all)."""
    token = tokens.unsubscribe_token(await mail_secret(conn), user_id, community_id)
    return config.url(f"/mail/unsubscribe/{token}")
