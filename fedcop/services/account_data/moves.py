"""A person (or community) on another server moved to a new account: `Move` with `object` the
old actor (its sender) and `target` the new one. The inbox worker fetches the target afresh
and believes the move only if the target lists the old account in `alsoKnownAs` (as Mastodon
checks); then each member here who followed the old account follows the new one, through the
ordinary follow path, and stops following the old one."""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import follows, remote_actors
from fedcop.services.errors import Ignored, Refused
from fedcop.store import actors as actor_store
from fedcop.store.account_data import moves as move_store
from federation.vocab import id_of, ids_of


async def receive_move(pool: Any, config: Config, network: Network, move: dict[str, Any]) -> int:
    """Move the local follows of the old account to the new one; how many were moved."""
    old_uri = id_of(move.get("actor"))
    if old_uri is None or id_of(move.get("object")) != old_uri:
        raise Ignored("a Move of an account other than its sender's: only an account moves itself")
    target_uri = id_of(move.get("target"))
    if target_uri is None or target_uri == old_uri:
        raise Ignored("a Move with no new account to go to")
    async with pool.acquire() as conn:
        old = await actor_store.find_by_uri(conn, old_uri)
        followers = await move_store.local_followers(conn, old.id) if old is not None else []
    if old is None or not followers:
        raise Ignored(f"nobody here follows {old_uri}")
    document = await network.fetch(target_uri)  # afresh: a cached copy may predate the alias
    if old_uri not in ids_of(document.get("alsoKnownAs")):
        raise Refused(
            _(
                "%(target)s does not list %(old)s in alsoKnownAs: not believed",
                target=target_uri,
                old=old_uri,
            )
        )
    try:
        target = await remote_actors.store_actor(pool, document)
    except remote_actors.ActorError as refusal:
        raise Refused(_("the new account is refused: %(why)s", why=refusal)) from None
    if target.is_local:
        raise Refused(
            _("a remote account cannot move to one on this node by a Move from elsewhere")
        )
    for username in followers:
        await follows.follow_remote(pool, config, network, username, target.uri)
        await follows.unfollow_remote(pool, config, username, old.uri)
    return len(followers)
