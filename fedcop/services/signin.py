"""Signing in and out, registering, and who is signed in.

register   'open': active at once; 'approval': pending until an admin approves;
           'invitation': needs an unused, unexpired code; 'closed': refused
sign in    the password must match an active account; failures slow further attempts from
           the same address (signin_throttle: backoff per account and address, and per
           address; never a lock on the account itself)
session    a signed cookie naming the account, its session version and a random token whose
           hash is a row in web_sessions: signing out deletes the row, so a copied cookie
           opens nothing afterwards; changing the password (or suspending the account) raises
           the version and deletes every row, ending every session
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import accounts, signin_throttle
from fedcop.services.errors import InvalidInput, ServiceError
from fedcop.services.passwords import check_password, hash_password
from fedcop.services.signin_throttle import TooManyAttempts as TooManyAttempts  # re-exported
from fedcop.store import actors as actor_store
from fedcop.store import node as node_store
from fedcop.store import users as user_store
from fedcop.store import web_sessions as session_store
from fedcop.store.users import User

INVITATION_LIFETIME = timedelta(days=14)
# How long a browser stays signed in (the cookie's Max-Age too).
SESSION_LIFETIME = timedelta(days=30)
# Checked against when the account does not exist, so that a wrong name costs the same time.
_UNKNOWN = hash_password(secrets.token_hex(16))


class SignInRefused(ServiceError):
    pass


@dataclass(frozen=True)
class Registered:
    user: User
    pending: bool


async def sign_in(pool: Any, name: str, password: str, address: str) -> User:
    """The account `name` if `password` is its own; TooManyAttempts if this address has
    failed too often lately (nothing is checked then), SignInRefused otherwise."""
    attempt = await signin_throttle.attempt(pool, name, address)
    async with pool.acquire() as conn:
        user = await user_store.find_by_name(conn, name)
        stored = await actor_store.password_hash_of(conn, name) if user else None
    matches = await asyncio.to_thread(check_password, password, stored or _UNKNOWN)
    if user is None or not matches:
        raise SignInRefused(_("that name and password do not match an account here"))
    await signin_throttle.succeeded(pool, attempt)
    if user.state == "pending":
        raise SignInRefused(_("your registration is waiting for an administrator's approval"))
    if user.state == "suspended":
        raise SignInRefused(_("this account is suspended: ask the node's administrators"))
    if user.state == "deleted":
        raise SignInRefused(_("this account is deleted"))
    async with pool.acquire() as conn:
        await user_store.touch(conn, user.actor.id)
    return user


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


async def open_session(pool: Any, user: User) -> str:
    """A new session for `user`: the token its cookie carries (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        await session_store.open_session(conn, _token_hash(token), user.actor.id, SESSION_LIFETIME)
    return token


async def signed_in(
    pool: Any, actor_id: int, session_version: int, session_token: str
) -> User | None:
    """The account a session names, if that session is still open and still counts."""
    async with pool.acquire() as conn:
        user = await user_store.find_by_id(conn, actor_id)
        if user is None or user.state != "active" or user.session_version != session_version:
            return None
        if not await session_store.is_open(
            conn, _token_hash(session_token), actor_id, SESSION_LIFETIME
        ):
            return None
        await user_store.touch(conn, actor_id)
    return user


async def sign_out(pool: Any, session_token: str, *, everywhere_for: int | None = None) -> None:
    """End this session; with `everywhere_for` (the account's id), every session of it."""
    async with pool.acquire() as conn:
        await session_store.close_session(conn, _token_hash(session_token))
        if everywhere_for is not None:
            await session_store.close_all(conn, everywhere_for)


async def register(
    pool: Any, config: Config, name: str, password: str, invitation: str | None = None
) -> Registered:
    async with pool.acquire() as conn:
        mode = (await node_store.settings(conn)).registrations
    if mode == "closed":
        raise InvalidInput(_("this node does not take registrations: ask its administrators"))
    if mode == "invitation" and not invitation:
        raise InvalidInput(_("this node registers people by invitation: enter your code"))
    state = "pending" if mode == "approval" else "active"
    actor = await accounts.create_user(
        pool,
        config,
        name,
        password,
        state=state,
        invitation=invitation if mode == "invitation" else None,
    )
    async with pool.acquire() as conn:
        user = await user_store.find_by_id(conn, actor.id)
    assert user is not None
    return Registered(user, pending=state == "pending")


async def confirm_password(
    pool: Any, user: User, password: str, address: str, *, refusal: str
) -> None:
    """The member's own password, given again before something only they may do (throttled
    like signing in: a session left open must not become a way to guess it); InvalidInput
    with `refusal` when it is not right."""
    attempt = await signin_throttle.attempt(pool, user.actor.username, address)
    async with pool.acquire() as conn:
        stored = await actor_store.password_hash_of(conn, user.actor.username)
    if not stored or not await asyncio.to_thread(check_password, password, stored):
        raise InvalidInput(refusal)
    await signin_throttle.succeeded(pool, attempt)


async def change_password(pool: Any, user: User, current: str, new: str, address: str) -> None:
    """Set a new password once the current one is given. Every session ends."""
    await confirm_password(
        pool, user, current, address, refusal=_("the current password is not right")
    )
    accounts.check_password_rules(new)
    new_hash = await asyncio.to_thread(hash_password, new)
    async with pool.acquire() as conn:
        await user_store.set_password(conn, user.actor.id, new_hash)


async def invite(pool: Any, user: User) -> str:
    code = secrets.token_urlsafe(12)
    async with pool.acquire() as conn:
        await user_store.create_invitation(
            conn, code, user.actor.id, datetime.now(UTC) + INVITATION_LIFETIME
        )
    return code


async def signed_in_after_password_change(pool: Any, user: User) -> User | None:
    """The account as it is now (with its new session version), to keep this browser in."""
    async with pool.acquire() as conn:
        return await user_store.find_by_id(conn, user.actor.id)
