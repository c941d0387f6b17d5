"""The guided setup of a fresh node, for its first administrator.

    about          -> the node's name and what it is for (its description)
    registrations  -> who may register (closed, open, approval, invitation)
    community      -> its first community, with the administrator as its facilitator (passed
                      at once if the node has one already, made with the command line)
    done           -> finished; an administrator may also skip to it at any step

The step reached is kept (`node.setup_step`), so an administrator who leaves half-way finds
the next step waiting; each step can be seen again and changed while the setup is under way.
"""

from __future__ import annotations

from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import accounts
from fedcop.services.admin import REGISTRATION_MODES
from fedcop.services.errors import InvalidInput
from fedcop.store import node as node_store
from fedcop.store.actors import Actor
from fedcop.store.users import User

STEPS = ("about", "registrations", "community")
DONE = "done"
MAX_NAME = 100
MAX_DESCRIPTION = 2000


def _require_admin(user: User) -> None:
    if not user.is_admin:
        raise InvalidInput(_("only this node's administrators can set it up"))


def next_after(step: str) -> str:
    position = STEPS.index(step)
    return STEPS[position + 1] if position + 1 < len(STEPS) else DONE


async def _advance_past(conn: Any, step: str) -> None:
    """Record `step` as done unless the setup is already further on (a step seen again)."""
    current = (await node_store.settings(conn)).setup_step
    if current in STEPS and STEPS.index(current) <= STEPS.index(step):
        await node_store.set_setup_step(conn, next_after(step))


async def current_step(pool: Any) -> str:
    async with pool.acquire() as conn:
        return (await node_store.settings(conn)).setup_step


async def save_about(pool: Any, user: User, *, name: str, description: str) -> None:
    _require_admin(user)
    name, description = name.strip(), description.strip()
    if not name or len(name) > MAX_NAME:
        raise InvalidInput(_("give the node a name of 1 to %(most)s characters", most=MAX_NAME))
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput(
            _(
                "the description is too long: at most %(most)s characters",
                most=MAX_DESCRIPTION,
            )
        )
    async with pool.acquire() as conn, conn.transaction():
        await node_store.set_name(conn, name)
        await node_store.set_description(conn, description)
        await _advance_past(conn, "about")


async def choose_registrations(pool: Any, user: User, mode: str) -> None:
    _require_admin(user)
    if mode not in REGISTRATION_MODES:
        raise InvalidInput(
            _("choose who may register: one of %(modes)s", modes=", ".join(REGISTRATION_MODES))
        )
    async with pool.acquire() as conn, conn.transaction():
        await node_store.set_registrations(conn, mode)
        await _advance_past(conn, "registrations")
        if await node_store.has_communities(conn):
            # Made already (`fedcop admin create-community`): no first one to start.
            await _advance_past(conn, "community")


async def first_community(
    pool: Any, config: Config, user: User, *, name: str, title: str, purpose_html: str
) -> Actor:
    """The node's first community, the administrator its facilitator; the setup is done."""
    _require_admin(user)
    community = await accounts.create_community(
        pool, config, name, title=title, owner=user.actor.username, summary=purpose_html
    )
    async with pool.acquire() as conn:
        await _advance_past(conn, "community")
    return community


async def skip(pool: Any, user: User) -> None:
    """Leave the setup: the administrator changes the same things on the admin page."""
    _require_admin(user)
    async with pool.acquire() as conn:
        await node_store.set_setup_step(conn, DONE)
