"""An account's email address: given (registration, settings), confirmed by a signed link.

set_address(pool, config, user, email)  -> stored unconfirmed; a confirmation mail queued in
                                           the same transaction (mail off: nothing sent)
confirm(pool, token)                    -> confirmed, if the link is signed here, is under
                                           three days old, and names the current address
check_may_post(conn, user_id)           -> InvalidInput when the node requires a confirmed
                                           address and the author has none
"""

from __future__ import annotations

from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import N_, _, speaking
from fedcop.mail import tokens
from fedcop.mail.compose import compose
from fedcop.services.errors import InvalidInput, NameTaken, NotFound
from fedcop.services.mail import reader_language
from fedcop.services.mail.links import mail_secret
from fedcop.services.mail.outbox import enqueue
from fedcop.store.mail import addresses as address_store
from fedcop.store.users import User

MAX_EMAIL_LENGTH = 254
NEEDS_CONFIRMED_EMAIL = N_(
    "confirm your email address before posting: this node asks every member to; add or "
    "confirm it in your settings"
)


def checked_email(value: str) -> str | None:
    """The address as given, checked for shape; None for an empty field (no address)."""
    email = value.strip()
    if not email:
        return None
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or "." not in domain
        or domain.startswith(".")
        or domain.endswith(".")
        or len(email) > MAX_EMAIL_LENGTH
        or any(c.isspace() or c in '<>,;"()[]\\' for c in email)
    ):
        raise InvalidInput(
            _("%(email)s is not an email address: use e.g. ann@example.org", email=repr(email))
        )
    return email


async def set_address(pool: Any, config: Config, user: User, value: str) -> str | None:
    """Store the address (unconfirmed) and mail it a confirmation link; the address."""
    email = checked_email(value)
    async with pool.acquire() as conn, conn.transaction():
        if email is not None:
            holder = await address_store.find_by_email(conn, email)
            if holder is not None and holder.user_id != user.actor.id:
                raise NameTaken(_("another account here uses that address: give another one"))
        current = await address_store.email_of(conn, user.actor.id)
        if current is not None and current.email == email and current.confirmed:
            # The same confirmed address saved again: mail to it goes out again after bounces.
            await address_store.enable_email(conn, user.actor.id)
            return email
        await address_store.set_email(conn, user.actor.id, email)
        if email is not None:
            await queue_confirmation(conn, config, user, email)
    return email


async def queue_confirmation(
    conn: asyncpg.Connection, config: Config, user: User, email: str
) -> int | None:
    token = tokens.confirmation_token(await mail_secret(conn), user.actor.id, email)
    # Asked for on a page (settings, registration): the member's language, else that page's.
    with speaking(await reader_language.of_requester(conn, user.actor.id)):
        message = compose(
            config,
            to=email,
            subject=_("Confirm your address on %(node)s", node=config.node_name),
            template="confirm_email.txt.html",
            context={
                "name": user.actor.display_name or user.actor.username,
                "email": email,
                "confirm_url": config.url(f"/mail/confirm/{token}"),
            },
        )
    return await enqueue(
        conn,
        config,
        to=email,
        message=message,
        user_id=user.actor.id,
        community_id=None,
        thread_id=None,
    )


async def confirm(pool: Any, token: str) -> str:
    """Confirm the address a link names; the address. NotFound for a bad or stale link."""
    async with pool.acquire() as conn, conn.transaction():
        try:
            user_id, email = tokens.read_confirmation_token(await mail_secret(conn), token)
        except tokens.BadToken as error:
            raise NotFound(_(str(error))) from None  # marked in fedcop.mail.tokens
        if not await address_store.confirm_email(conn, user_id, email):
            raise NotFound(
                _(
                    "this link is for an address the account no longer has: use the link in "
                    "the newest mail"
                )
            )
    return email


async def check_may_post(conn: asyncpg.Connection, user_id: int) -> None:
    """Refuse a local author's post when the node requires a confirmed address she lacks."""
    if not await address_store.confirmed_email_required(conn):
        return
    found = await address_store.email_of(conn, user_id)
    if found is None or not found.confirmed:
        raise InvalidInput(_(NEEDS_CONFIRMED_EMAIL))


async def deliverable_address(conn: asyncpg.Connection, user_id: int) -> str | None:
    """Where mail for the member may go: her confirmed address, unless bounces turned it off."""
    found = await address_store.email_of(conn, user_id)
    return found.email if found is not None and found.deliverable else None


async def turn_off_after_bounces(conn: asyncpg.Connection, user_id: int, reason: str) -> None:
    """Stop mail to the member's address (bounces); settings tell her why. A new address, or
    saving the same one again, turns it back on."""
    await address_store.disable_email(conn, user_id, reason[:500])


async def account_email(pool: Any, user_id: int) -> address_store.AccountEmail | None:
    async with pool.acquire() as conn:
        return await address_store.email_of(conn, user_id)


async def set_required(pool: Any, user: User, required: bool) -> None:
    """An administrator's choice: must members confirm an address before they post?"""
    if not user.is_admin:
        raise InvalidInput(_("only this node's administrators can do that"))
    async with pool.acquire() as conn:
        await address_store.set_confirmed_email_required(conn, required)


async def is_required(pool: Any) -> bool:
    async with pool.acquire() as conn:
        return await address_store.confirmed_email_required(conn)


async def address_free(pool: Any, value: str) -> str | None:
    """The checked address, if no account here has it yet (registration checks it first)."""
    email = checked_email(value)
    if email is not None:
        async with pool.acquire() as conn:
            if await address_store.find_by_email(conn, email) is not None:
                raise NameTaken(_("another account here uses that address: give another one"))
    return email


__all__ = ["NotFound", "check_may_post", "confirm", "set_address"]
