"""Key rotation: a local actor gets a new RSA key pair, and the servers that know it hear of it.

    rotate_key(name)
      -> new key pair (generated off the event loop)
      -> one transaction: the old pair retired (kept), the new one in place,
                          Update(actor document with the new publicKey) published to the
                          actor's followers (and, for a person, the communities and people it
                          follows), marked to be SIGNED WITH THE OLD KEY
      -> the delivery worker signs that Update with the retired key, everything else with the
         new one

Why the old key: a server that cached the old key verifies the Update with it and stores the new
key from the document; a signature by the new key alone would only be checked after a refetch.
The key id does not change (`{actor}#main-key`), so a server that missed the Update finds the new
key by refetching the actor when a signature fails, as servers do.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.documents.actors import actor_document
from fedcop.i18n.current import _
from fedcop.services import avatars, outbox
from fedcop.services.errors import NotFound
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import keys as key_store
from fedcop.store import outbound as outbound_store
from fedcop.store.actors import Actor
from fedcop.urls import Urls
from federation.keys import generate_key_pair
from federation.vocab import PUBLIC


@dataclass(frozen=True)
class Rotation:
    actor: Actor  # with its new public key
    update_uri: str  # the Update announcing it
    inboxes: int  # how many inboxes it is queued for


async def rotate_key(pool: Any, config: Config, name: str | None) -> Rotation:
    """Rotate the key of the local user or community `name`, or of the instance actor (None)."""
    keys = await asyncio.to_thread(generate_key_pair)
    async with pool.acquire() as conn, conn.transaction():
        if name is None:
            local = await actor_store.find_instance_actor(conn)
        else:
            local = await actor_store.find_local(conn, name)
        if local is None:
            raise NotFound(
                _(
                    "there is no user or community %(name)s on this node: "
                    "`fedcop admin list` shows who there is",
                    name=repr(name),
                )
            )
        retired = await key_store.replace_key(
            conn, local.actor.id, keys.public_pem, keys.private_pem
        )
        renewed = await actor_store.find_local(conn, local.actor.username)
        assert renewed is not None
        document = actor_document(
            renewed, Urls(config), await avatars.icon(conn, config, renewed.actor.id)
        )
        document.pop("@context")
        inboxes = await follow_store.follower_inboxes(conn, renewed.actor.id)
        if renewed.actor.actor_type == "Person":
            inboxes += await follow_store.followed_inboxes(conn, renewed.actor.id)
        destinations = sorted(set(inboxes))
        update = await outbox.publish(
            conn,
            config,
            renewed.actor,
            {"type": "Update", "object": document, "to": [PUBLIC]},
            destinations,
        )
        await outbound_store.sign_with_retired_key(conn, update["id"], retired)
    return Rotation(renewed.actor, update["id"], len(destinations))
