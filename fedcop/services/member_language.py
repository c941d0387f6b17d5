"""A member's interface language: chosen on /settings, or left to their browser."""

from __future__ import annotations

import asyncpg

from fedcop.i18n import current
from fedcop.i18n.current import _
from fedcop.i18n.languages import negotiate, supported
from fedcop.services.errors import ServiceError
from fedcop.store import member_languages


async def chosen(pool: asyncpg.Pool, actor_id: int) -> str | None:
    """The member's language if it is one the interface still speaks."""
    language = await member_languages.chosen(pool, actor_id)
    return language if language and supported(language) else None


async def speak_to(pool: asyncpg.Pool, actor_id: int, accept_language: str | None) -> None:
    """For the rest of the request, the member's chosen language, else their browser's or
    app's (the request's `Accept-Language`): pages and the client API alike."""
    current.use(negotiate(accept_language, await chosen(pool, actor_id)))


async def choose(pool: asyncpg.Pool, actor_id: int, language: str) -> None:
    """`language` for this member's pages from now on; "" leaves it to their browser."""
    if not language:
        await member_languages.forget(pool, actor_id)
        return
    if not supported(language):
        raise ServiceError(_("This node's pages are not written in that language."))
    await member_languages.choose(pool, actor_id, language)
