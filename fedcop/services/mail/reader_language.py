"""The language a mail is written in: its reader's.

A mail to a member of this node is written (subject, body, dates) inside
`speaking(language)` (fedcop.i18n.current) with the language they chose on /settings
(member_languages), or English when they chose none: a worker has no browser to ask. A mail
sent in answer to a page the member just used (confirm an address, reset a password) falls
back on that page's language instead.
"""

from __future__ import annotations

import asyncpg

from fedcop.i18n import current
from fedcop.i18n.languages import DEFAULT, supported
from fedcop.store import member_languages


async def chosen(conn: asyncpg.Connection, user_id: int) -> str | None:
    """The member's chosen language, if the interface still speaks it."""
    language = await member_languages.chosen(conn, user_id)
    return language if language and supported(language) else None


async def of_member(conn: asyncpg.Connection, user_id: int) -> str:
    """The language of mail to the member: their choice, else English."""
    return await chosen(conn, user_id) or DEFAULT


async def of_requester(conn: asyncpg.Connection, user_id: int) -> str:
    """The language of mail answering the member's own request on a page: their choice, else
    the language that page was written in."""
    return await chosen(conn, user_id) or current.language()
