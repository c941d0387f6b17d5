"""A community's knowledge-base setting, set by its facilitators on the Facilitate page: who
may write and edit its pages, its members (the default) or its facilitators alone."""

from __future__ import annotations

from typing import Any

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput
from fedcop.services.facilitation import _facilitated
from fedcop.store.knowledge import settings as settings_store
from fedcop.store.users import User

EDITORS = settings_store.EDITORS


async def set_editors(pool: Any, name: str, user: User, editors: str) -> bool:
    """False when it already was so."""
    if editors not in EDITORS:
        raise InvalidInput(
            _("the pages are edited by one of: %(choices)s", choices=", ".join(EDITORS))
        )
    async with pool.acquire() as conn, conn.transaction():
        local = await _facilitated(conn, name, user)
        return await settings_store.set_editors(conn, local.actor.id, editors)
