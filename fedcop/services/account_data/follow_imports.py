"""Importing a Mastodon follows CSV: the request only reads the file and queues its addresses;
the inbox worker resolves each (WebFinger, then the actor, SSRF-guarded and bounded as every
fetch is) and follows it through the ordinary path (services.follows: a Follow for a person, a
join for a community). The result page reads what is followed, pending and failed.

Why an address failed is recorded in words the member reads on that page: in the language they
chose on /settings (the worker answers no request, so it has no browser's to go by), else
English."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _, speaking
from fedcop.network import Network
from fedcop.services import follows, member_language, remote_actors
from fedcop.services.account_data import follows_csv
from fedcop.services.errors import ServiceError
from fedcop.store import actors as actor_store
from fedcop.store.account_data import follow_imports as import_store
from fedcop.store.account_data.follow_imports import ImportedAddress
from fedcop.store.users import User
from federation.fetch_errors import FetchError, StatusError, TransportError

log = logging.getLogger(__name__)

BATCH = 20
LEASE = timedelta(minutes=2)
# A server that does not answer is tried again, a few times, minutes apart.
MAX_ATTEMPTS = 3
RETRY_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Queued:
    queued: int
    bad_lines: list[follows_csv.BadLine]


@dataclass(frozen=True)
class ImportResult:
    followed: list[ImportedAddress]
    pending: list[ImportedAddress]
    failed: list[ImportedAddress]


async def queue(pool: Any, user: User, data: bytes) -> Queued:
    """Read the file and queue its addresses; InvalidInput when the file is unreadable."""
    listed = follows_csv.read(data)
    async with pool.acquire() as conn:
        count = await import_store.add(conn, user.actor.id, listed.addresses)
    return Queued(count, listed.bad_lines)


async def result(pool: Any, user: User) -> ImportResult:
    async with pool.acquire() as conn:
        rows = await import_store.of(conn, user.actor.id)
    return ImportResult(
        followed=[row for row in rows if row.state == "followed"],
        pending=[row for row in rows if row.state == "pending"],
        failed=[row for row in rows if row.state == "failed"],
    )


async def run(pool: Any, config: Config, network: Network) -> int:
    """One pass of the worker: resolve and follow a batch of due addresses; how many."""
    async with pool.acquire() as conn:
        claimed = await import_store.claim(conn, BATCH, LEASE)
    for row in claimed:
        await _follow_one(pool, config, network, row)
    return len(claimed)


async def _follow_one(pool: Any, config: Config, network: Network, row: ImportedAddress) -> None:
    async with pool.acquire() as conn:
        follower = await actor_store.find_by_id(conn, row.actor_id)
    if follower is None:
        return
    with speaking(await member_language.chosen(pool, row.actor_id)):
        await _follow_in_words(pool, config, network, row, follower.username)


async def _follow_in_words(
    pool: Any, config: Config, network: Network, row: ImportedAddress, username: str
) -> None:
    try:
        target_uri = await _resolve(pool, config, network, row.address)
        async with pool.acquire() as conn:
            target = await actor_store.find_by_uri(conn, target_uri)
        if target is not None and target.actor_type == "Group":
            await follows.join(pool, config, network, username, target_uri)
        elif target is not None and target.is_local:
            raise ServiceError(
                _("people on this node are not followed: join the communities they take part in")
            )
        else:
            await follows.follow_remote(pool, config, network, username, target_uri)
    except FetchError as error:
        async with pool.acquire() as conn:
            attempts = await import_store.attempts_of(conn, row.id)
            if attempts >= MAX_ATTEMPTS or not _may_pass(error):
                await import_store.finish(
                    conn, row.id, "failed", _("its server did not answer: %(why)s", why=error)
                )
            else:
                await import_store.retry_later(conn, row.id, RETRY_AFTER, str(error))
        return
    except (ServiceError, remote_actors.ActorError, ValueError) as error:
        async with pool.acquire() as conn:
            await import_store.finish(conn, row.id, "failed", str(error))
        return
    async with pool.acquire() as conn:
        await import_store.finish(conn, row.id, "followed", None)


async def _resolve(pool: Any, config: Config, network: Network, address: str) -> str:
    """The id of the actor an address names: here from the database, elsewhere by WebFinger."""
    name, _at, domain = address.partition("@")
    if domain == config.domain.lower():
        async with pool.acquire() as conn:
            local = await actor_store.find_local(conn, name)
        if local is None or local.actor.actor_type not in ("Person", "Group"):
            raise ServiceError(_("there is no account '%(name)s' on this node", name=name))
        return local.actor.uri
    actor = await remote_actors.look_up(pool, network, address)
    return actor.uri


def _may_pass(error: FetchError) -> bool:
    """Whether trying again later may work: the server was unreachable or failing (5xx, 429),
    not answering that there is no such account."""
    if isinstance(error, TransportError):
        return True
    return isinstance(error, StatusError) and (error.status >= 500 or error.status == 429)
