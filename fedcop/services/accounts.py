"""Local actors: users, communities and the node's own instance actor.

Users and communities share one namespace (`acct:NAME@DOMAIN` names exactly one of them).
Creating an actor generates its RSA key in a worker thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any, Literal

from fedcop.config import Config
from fedcop.i18n.current import N_, _
from fedcop.services.errors import InvalidInput, NameTaken, NotFound
from fedcop.services.passwords import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, hash_password
from fedcop.store import actors as store
from fedcop.store import follows as follow_store
from fedcop.store import users as user_store
from fedcop.urls import Urls
from federation.keys import generate_key_pair

NAME_PATTERN = re.compile(r"^[a-z0-9_]{1,30}$")
MAX_TITLE_LENGTH = 100


# Why a name is refused, whole for each kind of name (a word glued in would stay English).
_BAD_NAME = {
    "user": N_(
        "%(name)s cannot be a user name: use 1 to 30 lowercase letters, digits or underscores, "
        "e.g. data_stewards"
    ),
    "community": N_(
        "%(name)s cannot be a community name: use 1 to 30 lowercase letters, digits or "
        "underscores, e.g. data_stewards"
    ),
}


def check_name(name: str, what: Literal["user", "community"]) -> str:
    if not NAME_PATTERN.match(name):
        raise InvalidInput(_(_BAD_NAME[what], name=repr(name)))
    return name


async def _create_local_actor(
    conn: Any,
    config: Config,
    *,
    actor_type: str,
    username: str,
    uri: str,
    display_name: str,
    summary: str = "",
) -> store.Actor:
    keys = await asyncio.to_thread(generate_key_pair)
    urls = Urls(config)
    return await store.insert_local_actor(
        conn,
        uri=uri,
        actor_type=actor_type,
        username=username,
        display_name=display_name,
        summary=summary,
        public_key_pem=keys.public_pem,
        private_key_pem=keys.private_pem,
        inbox_url=urls.collection(uri, "inbox"),
        shared_inbox_url=urls.shared_inbox(),
        outbox_url=urls.collection(uri, "outbox"),
        followers_url=urls.collection(uri, "followers"),
    )


async def create_user(
    pool: Any,
    config: Config,
    name: str,
    password: str,
    *,
    is_admin: bool = False,
    state: str = "active",
    invitation: str | None = None,
) -> store.Actor:
    """A new account ('pending' until approved, where registrations need approval); with an
    invitation code, the code is used up, or nothing is created."""
    check_name(name, "user")
    check_password_rules(password)
    password_hash = await asyncio.to_thread(hash_password, password)
    async with pool.acquire() as conn, conn.transaction():
        if await store.local_username_taken(conn, name):
            raise NameTaken(
                _(
                    "the name %(name)s is already taken on this node: choose another",
                    name=repr(name),
                )
            )
        actor = await _create_local_actor(
            conn,
            config,
            actor_type="Person",
            username=name,
            uri=Urls(config).user(name),
            display_name=name,
        )
        await store.insert_user(conn, actor.id, password_hash, is_admin, state)
        if invitation is not None and not await user_store.use_invitation(
            conn, invitation, actor.id
        ):
            raise InvalidInput(
                _("that invitation code is unknown, used or expired: ask for another")
            )
        return actor


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            _(
                "the password is too short: use at least %(min_password_length)s characters",
                min_password_length=MIN_PASSWORD_LENGTH,
            )
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            _(
                "the password is too long: at most %(max_password_length)s characters",
                max_password_length=MAX_PASSWORD_LENGTH,
            )
        )


async def create_community(
    pool: Any,
    config: Config,
    name: str,
    *,
    title: str,
    owner: str,
    summary: str = "",
    private: bool = False,
) -> store.Actor:
    check_name(name, "community")
    title = title.strip()
    if not title or len(title) > MAX_TITLE_LENGTH:
        raise InvalidInput(
            _(
                "a community needs a title of 1 to %(max_title_length)s characters",
                max_title_length=MAX_TITLE_LENGTH,
            )
        )
    async with pool.acquire() as conn, conn.transaction():
        owner_actor = await store.find_local(conn, owner)
        if owner_actor is None or owner_actor.actor.actor_type != "Person":
            raise NotFound(
                _(
                    "there is no user %(owner)s on this node: create it first "
                    "with `fedcop admin create-user %(name)s --password ...`",
                    owner=repr(owner),
                    name=owner,
                )
            )
        if await store.local_username_taken(conn, name):
            raise NameTaken(
                _(
                    "the name %(name)s is already taken on this node: choose another",
                    name=repr(name),
                )
            )
        actor = await _create_local_actor(
            conn,
            config,
            actor_type="Group",
            username=name,
            uri=Urls(config).community(name),
            display_name=title,
            summary=summary,
        )
        await store.insert_community(conn, actor.id, owner_actor.actor.id, private=private)
        # Its founder is its first member as well as its first facilitator.
        await follow_store.upsert(
            conn, owner_actor.actor.id, actor.id, f"{owner_actor.actor.uri}#joins/{actor.id}", True
        )
        return actor


async def ensure_instance_actor(pool: Any, config: Config) -> store.LocalActor:
    """The node's own Application actor, which signs its fetches; created on first start.

    Its username is the node's domain, which no user or community name can collide with.
    """
    async with pool.acquire() as conn:
        existing = await store.find_instance_actor(conn)
        if existing is not None:
            return existing
        async with conn.transaction():
            await store.lock_against_new_actors(conn)
            existing = await store.find_instance_actor(conn)
            if existing is None:
                await _create_local_actor(
                    conn,
                    config,
                    actor_type="Application",
                    username=config.domain,
                    uri=Urls(config).instance_actor(),
                    display_name=config.node_name,
                )
        found = await store.find_instance_actor(conn)
        assert found is not None
        return found
