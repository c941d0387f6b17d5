"""One-click unsubscribe (RFC 8058): the signed link in List-Unsubscribe, no sign-in needed.

GET  /mail/unsubscribe/TOKEN   a page asking to confirm (mail scanners follow GET links, so
                               a GET alone changes nothing)
POST /mail/unsubscribe/TOKEN   body List-Unsubscribe=One-Click -> the member's mail choice
                               for that community becomes 'none' (token "all": every one)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.i18n.current import N_, _
from fedcop.mail import tokens
from fedcop.services.errors import NotFound
from fedcop.store import actors as actor_store
from fedcop.store import users as user_store
from fedcop.store.mail import choices
from fedcop.store.mail.node_secret import signing_secret

NOT_VALID = N_("this unsubscribe link is not valid: use the link from a recent mail")


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    user_name: str
    community_id: int | None  # None: all mail from this node's communities
    community_title: str | None


async def read(pool: Any, token: str) -> Unsubscription:
    """Whom and what the link names; NotFound when it is forged or names nobody any more."""
    async with pool.acquire() as conn:
        secret = await signing_secret(conn)
        if secret is None:
            raise NotFound(_(NOT_VALID))
        try:
            user_id, community_id = tokens.read_unsubscribe_token(secret, token)
        except tokens.BadToken:
            raise NotFound(_(NOT_VALID)) from None
        user = await user_store.find_by_id(conn, user_id)
        if user is None:
            raise NotFound(_(NOT_VALID))
        title = None
        if community_id is not None:
            community = await actor_store.find_by_id(conn, community_id)
            if community is None or community.actor_type != "Group":
                raise NotFound(_(NOT_VALID))
            title = community.display_name or community.username
        return Unsubscription(user_id, user.actor.username, community_id, title)


async def unsubscribe(pool: Any, token: str) -> Unsubscription:
    """Stop the mail the link names; doing it twice changes nothing more."""
    found = await read(pool, token)
    async with pool.acquire() as conn, conn.transaction():
        if found.community_id is None:
            await choices.set_all_community_mail(conn, found.user_id, "none")
        else:
            await choices.set_community_mail(conn, found.user_id, found.community_id, "none")
    return found
