"""Signing in and out, registering, and who is signed in.

register   'open': active at once; 'approval': pending until an admin approves;
           'invitation': needs an unused, unexpired code; 'closed': refused
sign in    the password must match an active account; failures are counted per account
           name and per address, and past MAX_FAILURES in FAILURE_WINDOW sign-in waits
session    a signed cookie naming the account and its session version; changing the
           password (or suspending the account) raises the version, ending every session
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fedcop.config import Config
from fedcop.services import accounts
from fedcop.services.errors import InvalidInput, ServiceError
from fedcop.services.passwords import check_password, hash_password
from fedcop.store import actors as actor_store
from fedcop.store import node as node_store
from fedcop.store import users as user_store
from fedcop.store.users import User

MAX_FAILURES = 10
FAILURE_WINDOW = timedelta(minutes=15)
INVITATION_LIFETIME = timedelta(days=14)
# Checked against when the account does not exist, so that a wrong name costs the same time.
_UNKNOWN = hash_password(secrets.token_hex(16))


class SignInRefused(ServiceError):
    pass


class TooManyAttempts(ServiceError):
    pass


@dataclass(frozen=True)
class Registered:
    user: User
    pending: bool


async def sign_in(pool: Any, name: str, password: str, address: str) -> User:
    keys = [f"name:{name.lower()}", f"address:{address}"]
    async with pool.acquire() as conn:
        for key in keys:
            if await user_store.recent_failures(conn, key, FAILURE_WINDOW) >= MAX_FAILURES:
                raise TooManyAttempts(
                    "too many failed sign-ins: wait a quarter of an hour and try again"
                )
        user = await user_store.find_by_name(conn, name)
        stored = await actor_store.password_hash_of(conn, name) if user else None
    matches = await asyncio.to_thread(check_password, password, stored or _UNKNOWN)
    if user is None or not matches:
        async with pool.acquire() as conn:
            await user_store.record_failure(conn, keys)
        raise SignInRefused("that name and password do not match an account here")
    if user.state == "pending":
        raise SignInRefused("your registration is waiting for an administrator's approval")
    if user.state == "suspended":
        raise SignInRefused("this account is suspended: ask the node's administrators")
    async with pool.acquire() as conn:
        await user_store.touch(conn, user.actor.id)
    return user


async def signed_in(pool: Any, actor_id: int, session_version: int) -> User | None:
    """The account a session names, if that session still counts."""
    async with pool.acquire() as conn:
        user = await user_store.find_by_id(conn, actor_id)
        if user is None or user.state != "active" or user.session_version != session_version:
            return None
        await user_store.touch(conn, actor_id)
    return user


async def register(
    pool: Any, config: Config, name: str, password: str, invitation: str | None = None
) -> Registered:
    async with pool.acquire() as conn:
        mode = (await node_store.settings(conn)).registrations
    if mode == "closed":
        raise InvalidInput("this node does not take registrations: ask its administrators")
    if mode == "invitation" and not invitation:
        raise InvalidInput("this node registers people by invitation: enter your code")
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


async def change_password(pool: Any, user: User, current: str, new: str) -> None:
    async with pool.acquire() as conn:
        stored = await actor_store.password_hash_of(conn, user.actor.username)
    if not stored or not await asyncio.to_thread(check_password, current, stored):
        raise InvalidInput("the current password is not right")
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
