"""What a node's administrators do: its settings, accounts, domain blocks, and watching
federation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import admin as admin_store
from fedcop.store import hosts as host_store
from fedcop.store import inbound as inbound_store
from fedcop.store import node as node_store
from fedcop.store import outbound as outbound_store
from fedcop.store import users as user_store
from fedcop.store.users import User

REGISTRATION_MODES = ("closed", "open", "approval", "invitation")
_HOST = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9-]{1,63}$")


@dataclass(frozen=True)
class FederationStatus:
    inbound: dict[str, int]
    deliveries: dict[str, int]
    hosts: list[admin_store.HostState]
    errors: list[admin_store.InboundError]


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise InvalidInput("only this node's administrators can do that")


async def save_settings(
    pool: Any, user: User, *, organisation: str, description: str, registrations: str
) -> None:
    _require_admin(user)
    if registrations not in REGISTRATION_MODES:
        raise InvalidInput(f"registrations must be one of {', '.join(REGISTRATION_MODES)}")
    if len(organisation) > 200 or len(description) > 2000:
        raise InvalidInput("the organisation (200) or description (2000 characters) is too long")
    async with pool.acquire() as conn:
        await node_store.update_settings(
            conn, organisation.strip(), description.strip(), registrations
        )


async def set_account_state(pool: Any, user: User, name: str, state: str) -> None:
    _require_admin(user)
    if state not in ("active", "suspended"):
        raise InvalidInput("an account is made active or suspended")
    async with pool.acquire() as conn:
        target = await user_store.find_by_name(conn, name)
        if target is None:
            raise NotFound(f"there is no account {name!r} here")
        if target.actor.id == user.actor.id:
            raise InvalidInput("you cannot change your own account's state")
        await user_store.set_state(conn, target.actor.id, state)


async def block_domain(pool: Any, user: User, host: str, blocked: bool) -> str:
    _require_admin(user)
    host = host.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
    if not _HOST.match(host):
        raise InvalidInput(f"{host!r} is not a domain name like example.org")
    async with pool.acquire() as conn:
        await host_store.set_blocked(conn, host, blocked)
    return host


async def pending_accounts(pool: Any) -> list[User]:
    async with pool.acquire() as conn:
        return await user_store.pending(conn)


async def federation_status(pool: Any) -> FederationStatus:
    async with pool.acquire() as conn:
        return FederationStatus(
            inbound=await inbound_store.counts(conn),
            deliveries=await outbound_store.delivery_counts(conn),
            hosts=await admin_store.hosts(conn),
            errors=await admin_store.recent_inbound_errors(conn),
        )


async def accounts(pool: Any) -> list[User]:
    async with pool.acquire() as conn:
        return await user_store.all_accounts(conn)
