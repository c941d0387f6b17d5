"""Facilitation: lock, remove, pin, ban, and who facilitates. Facilitators may live on any node.

Each action has one wire form (as Lemmy, PieFed and Mbin send them):

    lock / unlock            Lock{object: post}                 / Undo{Lock}
    remove (a post)          Delete{object: post, summary}      (by someone not its author)
    pin / unpin              Add{object: post, target: featured} / Remove{...}
    add / remove facilitator Add{object: actor, target: moderators} / Remove{...}
    ban / unban              Block{object: actor, target: community, summary, endTime} / Undo{Block}

    at the community's node:  the actor must be one of its facilitators (or an admin of this
                              node, when the actor is local); anything else is refused and
                              nothing changes. Applied, logged, then relayed (Announce).
    at a member's node:       the community announced it, so it is its decision: applied to
                              the copies kept here, and logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.context import PUBLIC
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import outbox, relay, remote_actors, resolving
from fedcop.services.errors import InvalidInput, NotFound, Refused
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store import posts as post_store
from fedcop.store import software as software_store
from fedcop.store.actors import Actor
from federation.vocab import first_type, id_of, ids_of

POST_ACTIONS = frozenset({"lock", "unlock", "remove", "pin", "unpin"})
ACTOR_ACTIONS = frozenset({"ban", "unban", "add_facilitator", "remove_facilitator"})
# Announced actions that need the post they act on: fetched first if it is not kept yet.
_NEEDS_THE_POST = frozenset({"lock", "pin"})
ACTIONS = POST_ACTIONS | ACTOR_ACTIONS
MAX_REASON = 1000


@dataclass(frozen=True)
class Action:
    kind: str
    target_uri: str
    reason: str = ""
    expires_at: datetime | None = None


# -- wire form ---------------------------------------------------------------------------------


def to_activity(
    action: Action, community: Actor, undone: tuple[str, str] | None = None
) -> dict[str, Any]:
    """The activity a facilitator sends for `action` (without id and actor: publish adds them).
    An unlock or unban names the Lock or Block it undoes: `undone` = (its id, its actor)."""
    featured = f"{community.uri}/featured"
    moderators = f"{community.uri}/moderators"
    # Public, with the community in cc, as Lemmy sends them (and requires of a public
    # community's activities); a members-only community's stay addressed to it alone.
    common: dict[str, Any] = (
        {"audience": community.uri, "to": [community.uri]}
        if community.members_only
        else {"audience": community.uri, "to": [PUBLIC], "cc": [community.uri]}
    )
    forms: dict[str, dict[str, Any]] = {
        "lock": {"type": "Lock", "object": action.target_uri},
        "remove": {"type": "Delete", "object": action.target_uri},
        "pin": {"type": "Add", "object": action.target_uri, "target": featured},
        "unpin": {"type": "Remove", "object": action.target_uri, "target": featured},
        "add_facilitator": {"type": "Add", "object": action.target_uri, "target": moderators},
        "remove_facilitator": {
            "type": "Remove",
            "object": action.target_uri,
            "target": moderators,
        },
        "ban": {"type": "Block", "object": action.target_uri, "target": community.uri},
    }
    if action.kind in ("unlock", "unban"):
        original = forms["lock" if action.kind == "unlock" else "ban"]
        if undone is None:
            raise InvalidInput(_("there is no lock or ban to lift"))
        inner = {"id": undone[0], "actor": undone[1], **original, **common}
        return {"type": "Undo", "object": inner, **common}
    activity = {**forms[action.kind], **common}
    if action.reason:
        activity["summary"] = action.reason
    if action.expires_at is not None:
        activity["endTime"] = action.expires_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return activity


def from_activity(activity: dict[str, Any], community_uri: str) -> Action | None:
    """The action an activity stands for in the community `community_uri`, if it is one."""
    kind = first_type(activity)
    target = id_of(activity.get("object"))
    collection = id_of(activity.get("target"))
    reason = str(activity.get("summary") or "")[:MAX_REASON]
    if kind == "Undo" and isinstance(activity.get("object"), dict):
        inner = from_activity(activity["object"], community_uri)
        undone = {"lock": "unlock", "ban": "unban"}
        return (
            Action(undone[inner.kind], inner.target_uri) if inner and inner.kind in undone else None
        )
    if target is None:
        return None
    if kind == "Lock":
        return Action("lock", target)
    if kind == "Delete":
        return Action("remove", target, reason)
    if kind in ("Add", "Remove"):
        added = kind == "Add"
        if collection == f"{community_uri}/featured":
            return Action("pin" if added else "unpin", target)
        if collection == f"{community_uri}/moderators":
            return Action("add_facilitator" if added else "remove_facilitator", target)
        return None
    if kind == "Block" and collection == community_uri:
        return Action("ban", target, reason, _end_time(activity.get("endTime")))
    return None


def _end_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def community_of(activity: dict[str, Any]) -> str | None:
    """The community a moderation activity names: its audience, or a Block's target."""
    for candidate in (
        *ids_of(activity.get("audience")),
        *(
            ids_of(activity["object"].get("audience"))
            if isinstance(activity.get("object"), dict)
            else []
        ),
    ):
        return candidate
    target = id_of(activity.get("target"))
    if target and first_type(activity) == "Block":
        return target
    if target and target.endswith(("/featured", "/moderators")):
        return target.rsplit("/", 1)[0]
    return None


# -- applying ----------------------------------------------------------------------------------


async def apply(
    conn: asyncpg.Connection,
    community: Actor,
    moderator: Actor | None,
    action: Action,
    target_actor: Actor | None = None,
    activity_uri: str | None = None,
) -> bool:
    """Apply `action` to what this node keeps of `community`; log it (with the activity that
    carried it, which an Undo will name). False if nothing changed."""
    changed = False
    if action.kind in POST_ACTIONS:
        post = await post_store.find_by_uri(conn, action.target_uri)
        if post is None or post.community_id != community.id:
            return False
        if action.kind in ("lock", "unlock"):
            changed = await mod_store.set_locked(conn, post.id, action.kind == "lock")
        elif action.kind == "remove":
            changed = await mod_store.set_removed(conn, post.id)
        elif post.is_thread:
            changed = await mod_store.set_pinned(conn, community.id, post.id, action.kind == "pin")
    elif target_actor is not None:
        if action.kind == "ban":
            by = moderator.id if moderator else None
            await mod_store.ban(
                conn, community.id, target_actor.id, by, action.reason, action.expires_at
            )
            changed = True
        elif action.kind == "unban":
            changed = await mod_store.unban(conn, community.id, target_actor.id)
        elif action.kind == "add_facilitator":
            # For a remote community, its own announcement: kept so that its facilitators
            # here see their controls (remote_facilitators.py).
            changed = await mod_store.add_facilitator(conn, community.id, target_actor.id)
        elif action.kind == "remove_facilitator":
            if community.is_local and await mod_store.count_facilitators(conn, community.id) <= 1:
                raise Refused(_("a community keeps at least one facilitator"))
            changed = await mod_store.remove_facilitator(conn, community.id, target_actor.id)
    if changed:
        await mod_store.log_action(
            conn,
            community.id,
            moderator.id if moderator else None,
            action.kind,
            action.target_uri,
            action.reason,
            activity_uri,
        )
    return changed


async def may_moderate(conn: asyncpg.Connection, community: Actor, actor: Actor) -> bool:
    """Facilitators of the community, wherever they live, and this node's own admins."""
    if await mod_store.is_facilitator(conn, community.id, actor.id):
        return True
    return actor.is_local and await mod_store.is_node_admin(conn, actor.id)


# -- a facilitator here acts ---------------------------------------------------------------


async def act(
    pool: Any,
    config: Config,
    network: Network,
    *,
    moderator: str,
    community_uri: str,
    action: Action,
) -> None:
    """A local facilitator (or admin) moderates a community, here or on another node."""
    if action.kind not in ACTIONS:
        raise InvalidInput(_("unknown moderation action %(action)s", action=repr(action.kind)))
    community = await remote_actors.get_actor(pool, network, community_uri)
    target_actor = None
    if action.kind in ACTOR_ACTIONS:
        target_actor = await remote_actors.get_actor(pool, network, action.target_uri)
    async with pool.acquire() as conn, conn.transaction():
        local = await actor_store.find_local(conn, moderator)
        if local is None:
            raise NotFound(_("there is no user %(name)s on this node", name=repr(moderator)))
        undone = None
        if action.kind in ("unlock", "unban"):
            done_kind = "lock" if action.kind == "unlock" else "ban"
            undone = await mod_store.last_activity(conn, community.id, done_kind, action.target_uri)
        activity = to_activity(action, community, undone)
        if not community.is_local:
            # The community's node decides, and announces the outcome back to us.
            await outbox.publish(
                conn,
                config,
                local.actor,
                activity,
                outbox.inbox_of(community),
                members_of=outbox.readers(community),
            )
            return
        if not await may_moderate(conn, community, local.actor):
            raise InvalidInput(
                _(
                    "only facilitators of %(community)s can do that",
                    community=community.display_name,
                )
            )
        published = await outbox.publish(
            conn, config, local.actor, activity, [], members_of=outbox.readers(community)
        )
        if not await apply(conn, community, local.actor, action, target_actor, published["id"]):
            raise InvalidInput(_("that changes nothing"))
        await _relay(conn, config, community, published, action, target_actor)


async def act_here(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    moderator: Actor,
    action: Action,
    target_actor: Actor | None = None,
) -> None:
    """A local person's facilitation of a community here, inside the caller's transaction:
    published, applied, logged and relayed as `act` does (services.leaving uses it)."""
    activity = to_activity(action, community, None)
    published = await outbox.publish(
        conn, config, moderator, activity, [], members_of=outbox.readers(community)
    )
    if await apply(conn, community, moderator, action, target_actor, published["id"]):
        await _relay(conn, config, community, published, action, target_actor)


# -- arriving from other servers -----------------------------------------------------------


async def receive(
    pool: Any, config: Config, network: Network, activity: dict[str, Any], *, via: Actor | None
) -> bool:
    """A moderation activity sent to a community here, or announced by one we follow (`via`)."""
    community_uri = via.uri if via is not None else community_of(activity)
    if community_uri is None:
        community_uri = await _community_of_post(pool, id_of(activity.get("object")))
    if community_uri is None:
        return False
    action = from_activity(activity, community_uri)
    if action is None:
        return False
    if via is not None and action.kind in _NEEDS_THE_POST:
        # Deliveries may arrive in any order: a thread's Lock or pin can come before the
        # thread. Kept from its origin now (the inbox worker may fetch), the action applies
        # instead of being lost, and the thread's own delivery finds it kept already.
        await resolving.resolve_url(pool, config, network, action.target_uri)
    moderator = await remote_actors.get_actor(pool, network, str(id_of(activity.get("actor"))))
    target_actor = None
    if action.kind in ACTOR_ACTIONS:
        target_actor = await remote_actors.get_actor(pool, network, action.target_uri)
    async with pool.acquire() as conn, conn.transaction():
        community = await actor_store.find_by_uri(conn, community_uri)
        if community is None or community.actor_type != "Group":
            return False
        if via is None:
            if not community.is_local:
                return False
            if not await may_moderate(conn, community, moderator):
                raise Refused(
                    _(
                        "%(moderator)s is not a facilitator of %(community)s: nothing changed",
                        moderator=moderator.uri,
                        community=community.uri,
                    )
                )
        carrier = activity.get("id") if isinstance(activity.get("id"), str) else None
        changed = await apply(conn, community, moderator, action, target_actor, carrier)
        if changed and via is None:
            await _relay(conn, config, community, activity, action, target_actor)
        return changed


async def _relay(
    conn: asyncpg.Connection,
    config: Config,
    community: Actor,
    activity: dict[str, Any],
    action: Action,
    target_actor: Actor | None,
) -> None:
    """Announce what the community accepted to its members' servers; a person made (or no
    longer) a facilitator is told on their own server too, member or not, as Lemmy does, so
    that they find their controls there (services/remote_facilitators.py)."""
    await relay.relay(conn, config, community, activity)
    if action.kind not in ("add_facilitator", "remove_facilitator"):
        return
    if target_actor is None or target_actor.is_local:
        return
    members = {inbox for inbox, _h, _s in await software_store.follower_inboxes_by_software(
        conn, community.id
    )}  # fmt: skip
    inboxes = [inbox for inbox in outbox.inbox_of(target_actor) if inbox not in members]
    if inboxes:
        bare = {key: value for key, value in activity.items() if key != "@context"}
        addressed: dict[str, Any] = (
            {"to": [target_actor.uri]}
            if community.members_only
            else {"to": [PUBLIC], "cc": [target_actor.uri]}
        )
        await outbox.publish(
            conn,
            config,
            community,
            {"type": "Announce", "object": bare, **addressed},
            inboxes,
            members_of=outbox.readers(community),
        )


async def _community_of_post(pool: Any, post_uri: str | None) -> str | None:
    """The community of a post we keep (a Lock or Delete may name only the post)."""
    if post_uri is None:
        return None
    async with pool.acquire() as conn:
        post = await post_store.find_by_uri(conn, post_uri)
        community = (
            await actor_store.find_by_id(conn, post.community_id)
            if post is not None and post.community_id is not None
            else None
        )
    return community.uri if community else None


async def is_banned(conn: asyncpg.Connection, community_id: int, actor_id: int) -> bool:
    return await mod_store.is_banned(conn, community_id, actor_id)
