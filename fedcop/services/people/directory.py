"""The node's directory of people who chose to be listed (GET /api/v1/directory, /directory)."""

from __future__ import annotations

from typing import Any

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput
from fedcop.store.actors import Actor
from fedcop.store.people import directory as store
from fedcop.store.people.profiles import Profile

DEFAULT_LIMIT = 40
MOST = 80
MAX_OFFSET = 100_000


async def listed(
    pool: Any,
    *,
    local_only: bool,
    order: str = "active",
    limit: int = DEFAULT_LIMIT,
    offset: int = 0,
) -> list[tuple[Actor, Profile]]:
    if order not in store.ORDERS:
        raise InvalidInput(_("order must be active or new"))
    if limit < 1 or offset < 0 or offset > MAX_OFFSET:
        raise InvalidInput(
            _("limit must be positive and offset between 0 and %(most)s", most=MAX_OFFSET)
        )
    async with pool.acquire() as conn:
        return await store.listed(
            conn, local_only=local_only, order=order, limit=min(limit, MOST), offset=offset
        )
