"""A member here moving to an account elsewhere, as Mastodon does it:

aliases     the member lists their other accounts (`alsoKnownAs` of their actor here), each
            looked up once (WebFinger or its URL) when added
move        with their password, to an account that lists this one in ITS alsoKnownAs
            (fetched afresh): `movedTo` is set on the actor, an Update of the actor and a
            `Move` (object: this actor, target: the new one) go to the servers of their
            followers and of what they follow; those servers move their follows over
afterwards  the account stays (its posts, its data to export); its profile says where it went
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import actor_document
from fedcop.documents.context import PUBLIC
from fedcop.i18n.current import _, ngettext, written_number
from fedcop.network import Network
from fedcop.services import outbox, remote_actors, signin
from fedcop.services.errors import InvalidInput, ServiceError
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store.account_data import moving as moving_store
from fedcop.store.users import User
from fedcop.urls import Urls
from federation.fetch_errors import FetchError
from federation.vocab import ids_of


async def wire_fields(pool: Any, actor_id: int) -> dict[str, Any]:
    """What the actor document of a person here says of their other accounts."""
    async with pool.acquire() as conn:
        return await fields_of(conn, actor_id)


async def aliases(pool: Any, user: User) -> tuple[list[str], str | None]:
    async with pool.acquire() as conn:
        return (
            await moving_store.aliases_of(conn, user.actor.id),
            await moving_store.moved_to(conn, user.actor.id),
        )


async def _actor_uri(network: Network, query: str) -> str:
    text = query.strip().removeprefix("@")
    if text.startswith(("https://", "http://")):
        return text
    if "@" not in text:
        raise InvalidInput(
            _("'%(query)s' is neither an address like name@server nor a URL", query=query)
        )
    return await network.resolve_handle(text)


async def add_alias(pool: Any, config: Config, network: Network, user: User, query: str) -> str:
    """List an account elsewhere as also this member's; its id."""
    try:
        found = await remote_actors.look_up(pool, network, query)
    except (FetchError, remote_actors.ActorError) as error:
        raise InvalidInput(_("that account could not be found: %(why)s", why=error)) from None
    if found.is_local or found.actor_type != "Person":
        raise InvalidInput(_("an alias is a person's account on another server"))
    async with pool.acquire() as conn, conn.transaction():
        if len(await moving_store.aliases_of(conn, user.actor.id)) >= moving_store.MAX_ALIASES:
            raise InvalidInput(
                ngettext(
                    "at most %(number)s other account",
                    "at most %(number)s other accounts",
                    moving_store.MAX_ALIASES,
                )
                % {"number": written_number(moving_store.MAX_ALIASES)}
            )
        await moving_store.add_alias(conn, user.actor.id, found.uri)
        await _send_update(conn, config, user)
    return found.uri


async def remove_alias(pool: Any, config: Config, user: User, alias_uri: str) -> None:
    async with pool.acquire() as conn, conn.transaction():
        if await moving_store.remove_alias(conn, user.actor.id, alias_uri):
            await _send_update(conn, config, user)


async def move_away(
    pool: Any,
    config: Config,
    network: Network,
    user: User,
    query: str,
    password: str,
    address: str,
) -> str:
    """Move to the account `query` names, which must list this one in its alsoKnownAs; the
    new account's id."""
    await signin.confirm_password(
        pool, user, password, address, refusal=_("the password is not right: nothing was moved")
    )
    try:
        target_uri = await _actor_uri(network, query)
        document = await network.fetch(target_uri)  # afresh: the alias may be minutes old
        target = await remote_actors.store_actor(pool, document)
    except (FetchError, remote_actors.ActorError) as error:
        raise InvalidInput(_("that account could not be found: %(why)s", why=error)) from None
    if target.is_local or target.actor_type != "Person":
        raise InvalidInput(_("a member moves to a person's account on another server"))
    if user.actor.uri not in ids_of(document.get("alsoKnownAs")):
        raise InvalidInput(
            _(
                "%(target)s does not list %(account)s among its other accounts "
                "(alsoKnownAs, 'aliases' on Mastodon): add it there first, then move",
                target=target.uri,
                account=user.actor.uri,
            )
        )
    async with pool.acquire() as conn, conn.transaction():
        if await moving_store.moved_to(conn, user.actor.id) == target.uri:
            raise ServiceError(_("you have moved to that account already"))
        await moving_store.set_moved_to(conn, user.actor.id, target.uri)
        inboxes = await _inboxes(conn, user)
        await _send_update(conn, config, user)
        await outbox.publish(
            conn,
            config,
            user.actor,
            {
                "type": "Move",
                "object": user.actor.uri,
                "target": target.uri,
                "to": [user.actor.followers_url or PUBLIC],
            },
            inboxes,
        )
    return target.uri


async def _inboxes(conn: Any, user: User) -> list[str]:
    inboxes = await follow_store.follower_inboxes(conn, user.actor.id)
    inboxes += await follow_store.followed_inboxes(conn, user.actor.id)
    return sorted(set(inboxes))


async def _send_update(conn: Any, config: Config, user: User) -> None:
    """Servers keeping a copy of the member's actor hear of its aliases and its move."""
    local = await actor_store.find_local(conn, user.actor.username)
    assert local is not None
    document = actor_document(local, Urls(config))
    document.pop("@context")
    document.update(await fields_of(conn, user.actor.id))
    await outbox.publish(
        conn,
        config,
        local.actor,
        {"type": "Update", "object": document, "to": [PUBLIC]},
        await _inboxes(conn, user),
    )


async def fields_of(conn: Any, actor_id: int) -> dict[str, Any]:
    """alsoKnownAs and movedTo of a person here, for their actor document (none when unset)."""
    aliases = await moving_store.aliases_of(conn, actor_id)
    moved = await moving_store.moved_to(conn, actor_id)
    return {
        **({"alsoKnownAs": aliases} if aliases else {}),
        **({"movedTo": moved} if moved else {}),
    }
