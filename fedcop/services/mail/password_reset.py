"""Password reset by mail: a single-use link that expires within the hour.

ask(pool, config, email, address)  -> the same answer whether or not an account has the
                                      address (nobody learns who is a member); a link is
                                      mailed only to a confirmed address; asking is
                                      throttled per address and sender like signing in
reset(pool, token, password)       -> new password, every session ended, the link (and any
                                      other for the account) used up
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import N_, _, speaking
from fedcop.mail.compose import compose
from fedcop.services import accounts, signin_throttle
from fedcop.services.errors import NotFound
from fedcop.services.mail import reader_language
from fedcop.services.mail.outbox import enqueue
from fedcop.services.passwords import hash_password
from fedcop.store import admin as admin_store
from fedcop.store import users as user_store
from fedcop.store.mail import addresses as address_store
from fedcop.store.mail import password_resets as reset_store

RESET_LIFETIME = timedelta(hours=1)
NOT_VALID = N_("this link is not valid, already used, or expired: ask for a new one")


def _hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def ask(pool: Any, config: Config, email: str, address: str) -> None:
    """Mail a reset link to the account with this confirmed address, if there is one.

    Every request counts against the sign-in throttle of the address and the sender (it is
    never taken back), so the form can not be used to flood a mailbox or probe addresses.
    """
    await signin_throttle.attempt(pool, f"reset:{email.strip().lower()}", address)
    token = secrets.token_urlsafe(32)
    async with pool.acquire() as conn, conn.transaction():
        found = await address_store.find_by_email(conn, email.strip())
        if found is None or not found.confirmed or found.email is None:
            return
        user = await user_store.find_by_id(conn, found.user_id)
        if user is None or user.state != "active":
            return
        await reset_store.insert(
            conn, _hash(token), user.actor.id, datetime.now(UTC) + RESET_LIFETIME
        )
        # Asked for on a page: the member's language, else the language of that page.
        with speaking(await reader_language.of_requester(conn, user.actor.id)):
            message = compose(
                config,
                to=found.email,
                subject=_("A new password for %(node)s", node=config.node_name),
                template="password_reset.txt.html",
                context={
                    "name": user.actor.display_name or user.actor.username,
                    "handle": f"{user.actor.username}@{config.domain}",
                    "reset_url": config.url(f"/password/reset/{token}"),
                },
            )
        await enqueue(
            conn,
            config,
            to=found.email,
            message=message,
            user_id=user.actor.id,
            community_id=None,
            thread_id=None,
        )


async def check(pool: Any, token: str) -> None:
    """NotFound unless the link may still set a password."""
    async with pool.acquire() as conn:
        if await reset_store.usable(conn, _hash(token)) is None:
            raise NotFound(_(NOT_VALID))


async def reset(pool: Any, token: str, password: str) -> None:
    accounts.check_password_rules(password)
    password_hash = await asyncio.to_thread(hash_password, password)
    async with pool.acquire() as conn, conn.transaction():
        user_id = await reset_store.use(conn, _hash(token))
        if user_id is None:
            raise NotFound(_(NOT_VALID))
        await user_store.set_password(conn, user_id, password_hash)  # ends every session
        # Whoever knew the old password may hold app tokens too: they stop working as well.
        await admin_store.revoke_tokens_of(conn, user_id)
