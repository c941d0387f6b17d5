"""A member's mail choices per community, read and changed from the web pages."""

from __future__ import annotations

from typing import Any

from fedcop.i18n.current import N_, _
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store import actors as actor_store
from fedcop.store.mail import choices as choice_store
from fedcop.store.mail import recipients
from fedcop.store.mail.recipients import Choice

# Each choice's label, in English: pages show it in the reader's language (`_(label)`).
LABELS = {
    "none": N_("Nothing"),
    "notifications": N_("Notifications only"),
    "daily": N_("Daily digest"),
    "weekly": N_("Weekly digest"),
    "every": N_("Every post (mailing-list mode)"),
}


async def of_user(pool: Any, user_id: int) -> list[Choice]:
    async with pool.acquire() as conn:
        return await recipients.of_user(conn, user_id)


async def mode_in(pool: Any, user_id: int, community_id: int) -> str:
    async with pool.acquire() as conn:
        return await choice_store.community_mail(conn, user_id, community_id)


async def choose(pool: Any, user_id: int, community_uri: str, mode: str) -> None:
    """Set the member's choice for one community (one here or one this node knows)."""
    if mode not in LABELS:
        raise InvalidInput(
            _("choose nothing, notifications, a daily or weekly digest, or every post")
        )
    async with pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, community_uri)
        if community is None or community.actor_type != "Group":
            raise NotFound(_("there is no such community here"))
        await choice_store.set_community_mail(conn, user_id, community.id, mode)


async def choose_many(pool: Any, user_id: int, wanted: dict[int, str]) -> None:
    """Several choices at once (the settings page), by community id; unknown ones refused."""
    if any(mode not in LABELS for mode in wanted.values()):
        raise InvalidInput(
            _("choose nothing, notifications, a daily or weekly digest, or every post")
        )
    async with pool.acquire() as conn, conn.transaction():
        known = {choice.community_id for choice in await recipients.of_user(conn, user_id)}
        if not set(wanted) <= known:
            raise InvalidInput(_("that is not one of your communities"))
        for community_id, mode in wanted.items():
            await choice_store.set_community_mail(conn, user_id, community_id, mode)
