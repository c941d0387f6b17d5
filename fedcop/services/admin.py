"""What a node's administrators do: its settings, accounts, domain blocks, and watching
federation."""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from fedcop.i18n.current import _
from fedcop.services.accounts import check_password_rules
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.passwords import hash_password
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
    # The latest activities that needed nothing done here, with why.
    ignored: list[admin_store.IgnoredActivity] = field(default_factory=list)


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise InvalidInput(_("only this node's administrators can do that"))


async def save_settings(
    pool: Any,
    user: User,
    *,
    organisation: str,
    description: str,
    registrations: str,
    name: str | None = None,
) -> None:
    """`name`: the node's name shown to people (None leaves it as it is; empty: the name the
    node was deployed with)."""
    _require_admin(user)
    if registrations not in REGISTRATION_MODES:
        raise InvalidInput(
            _("registrations must be one of %(modes)s", modes=", ".join(REGISTRATION_MODES))
        )
    if len(organisation) > 200 or len(description) > 2000:
        raise InvalidInput(_("the organisation (200) or description (2000 characters) is too long"))
    if name is not None and len(name) > 100:
        raise InvalidInput(_("the node's name is too long: at most 100 characters"))
    async with pool.acquire() as conn, conn.transaction():
        await node_store.update_settings(
            conn, organisation.strip(), description.strip(), registrations
        )
        if name is not None:
            await node_store.set_name(conn, name.strip())


async def set_account_state(pool: Any, user: User, name: str, state: str) -> None:
    _require_admin(user)
    if state not in ("active", "suspended"):
        raise InvalidInput(_("an account is made active or suspended"))
    async with pool.acquire() as conn:
        target = await user_store.find_by_name(conn, name)
        if target is None:
            raise NotFound(_("there is no account %(name)s here", name=repr(name)))
        if target.actor.id == user.actor.id:
            raise InvalidInput(_("you cannot change your own account's state"))
        await user_store.set_state(conn, target.actor.id, state)


async def block_domain(pool: Any, user: User, host: str, blocked: bool) -> str:
    _require_admin(user)
    return await set_domain_blocked(pool, host, blocked)


async def set_domain_blocked(pool: Any, host: str, blocked: bool) -> str:
    """Block a domain (its requests get 403, nothing is sent there) or lift the block; the
    host name as recorded."""
    host = host.strip().lower().removeprefix("https://").removeprefix("http://").strip("/")
    if not _HOST.match(host):
        raise InvalidInput(_("%(host)s is not a domain name like example.org", host=repr(host)))
    async with pool.acquire() as conn:
        await host_store.set_blocked(conn, host, blocked)
    return host


async def domain_blocks(pool: Any) -> list[str]:
    async with pool.acquire() as conn:
        return await admin_store.blocked_hosts(conn)


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
            ignored=await admin_store.recently_ignored(conn),
        )


async def accounts(pool: Any) -> list[User]:
    async with pool.acquire() as conn:
        return await user_store.all_accounts(conn)


# -- operator commands (`fedcop admin ...`): whoever runs them already controls the node --------

GENERATED_PASSWORD_BYTES = 15  # 20 url-safe characters


async def _account(conn: Any, name: str) -> User:
    user = await user_store.find_by_name(conn, name)
    if user is None:
        raise NotFound(
            _(
                "there is no user %(name)s on this node: `fedcop admin list` shows who there is",
                name=repr(name),
            )
        )
    return user


async def suspend(pool: Any, name: str) -> User:
    """Suspend an account: it cannot sign in, its sessions end and its API tokens are revoked."""
    async with pool.acquire() as conn, conn.transaction():
        user = await _account(conn, name)
        if user.state == "suspended":
            raise InvalidInput(_("%(name)s is already suspended", name=repr(name)))
        await user_store.set_state(conn, user.actor.id, "suspended")
        await admin_store.revoke_tokens_of(conn, user.actor.id)
        return user


async def unsuspend(pool: Any, name: str) -> User:
    async with pool.acquire() as conn, conn.transaction():
        user = await _account(conn, name)
        if user.state != "suspended":
            raise InvalidInput(
                _(
                    "%(name)s is %(state)s, not suspended: nothing to undo",
                    name=repr(name),
                    state=user.state,
                )
            )
        await user_store.set_state(conn, user.actor.id, "active")
        return user


async def reset_password(pool: Any, name: str, password: str | None = None) -> str:
    """Set a new password (a random one when none is given) and return it; every session of
    the account ends and its API tokens are revoked."""
    password = password or secrets.token_urlsafe(GENERATED_PASSWORD_BYTES)
    check_password_rules(password)
    password_hash = await asyncio.to_thread(hash_password, password)
    async with pool.acquire() as conn, conn.transaction():
        user = await _account(conn, name)
        await user_store.set_password(conn, user.actor.id, password_hash)  # session_version+1
        await admin_store.revoke_tokens_of(conn, user.actor.id)
    return password


async def set_admin(pool: Any, name: str, is_admin: bool) -> User:
    """Make a user a node administrator (promote) or an ordinary user again (demote)."""
    async with pool.acquire() as conn, conn.transaction():
        user = await _account(conn, name)
        if user.is_admin == is_admin:
            raise InvalidInput(
                _("%(name)s is already an administrator: nothing to do", name=repr(name))
                if is_admin
                else _("%(name)s is not an administrator: nothing to do", name=repr(name))
            )
        await admin_store.set_admin(conn, user.actor.id, is_admin)
        return user


@dataclass(frozen=True)
class QueueReport:
    inbound: admin_store.QueueCounts
    deliveries: admin_store.QueueCounts
    failed_inbound: list[admin_store.StuckItem]
    given_up_deliveries: list[admin_store.StuckItem]


async def queue_report(pool: Any, limit: int = 20) -> QueueReport:
    async with pool.acquire() as conn:
        return QueueReport(
            inbound=await admin_store.inbound_counts(conn),
            deliveries=await admin_store.delivery_counts(conn),
            failed_inbound=await admin_store.failed_inbound(conn, limit),
            given_up_deliveries=await admin_store.given_up_deliveries(conn, limit),
        )


@dataclass(frozen=True)
class Retried:
    inbound: list[int]
    deliveries: list[int]


async def retry_queue(
    pool: Any,
    *,
    inbound_ids: list[int] | None = None,
    delivery_ids: list[int] | None = None,
    all_failed: bool = False,
) -> Retried:
    """Failed inbound activities and given-up deliveries due again now: those named, or every
    one with `all_failed`. Naming a row that is not failed / given up is an error, and then
    nothing changes."""
    if not (inbound_ids or delivery_ids or all_failed):
        raise InvalidInput(_("name rows with --inbound ID / --delivery ID, or give --all-failed"))
    async with pool.acquire() as conn, conn.transaction():
        if all_failed:
            return Retried(
                await admin_store.retry_inbound(conn, None),
                await admin_store.retry_deliveries(conn, None),
            )
        inbound = await admin_store.retry_inbound(conn, inbound_ids or [])
        deliveries = await admin_store.retry_deliveries(conn, delivery_ids or [])
        missing = sorted(set(inbound_ids or []) - set(inbound)) + sorted(
            set(delivery_ids or []) - set(deliveries)
        )
        if missing:
            raise InvalidInput(
                _(
                    "not failed or given up (or no such row): %(rows)s; "
                    "`fedcop admin queue` lists the rows that can be retried",
                    rows=", ".join(str(row_id) for row_id in missing),
                )
            )
        return Retried(inbound, deliveries)
