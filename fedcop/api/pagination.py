"""Paging through lists the Mastodon way: `max_id` (older than), `since_id` (newer than),
`min_id` (just newer than, oldest first), `limit`, and a `Link` header with the next and
previous pages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from starlette.requests import Request

from fedcop.api.errors import ApiError
from fedcop.api.params import Params

DEFAULT_LIMIT = 20
MAX_LIMIT = 40
LARGEST_ID = 2**63 - 1
# Not carried into the Link header: the cursors (replaced), and a token a client put in the
# query string (a header is logged and cached where a token must never be).
_NOT_REPEATED = frozenset({"max_id", "min_id", "since_id", "access_token"})


@dataclass(frozen=True)
class Page:
    max_id: int | None
    since_id: int | None
    min_id: int | None
    limit: int

    @classmethod
    def of(cls, params: Params, default: int = DEFAULT_LIMIT, most: int = MAX_LIMIT) -> Page:
        limit = params.number("limit", default)
        assert limit is not None
        if limit < 1:
            raise ApiError(422, "limit must be at least 1")
        return cls(
            max_id=_cursor(params, "max_id"),
            since_id=_cursor(params, "since_id"),
            min_id=_cursor(params, "min_id"),
            limit=min(limit, most),
        )

    @property
    def lower(self) -> int | None:
        """Items must have an id above this (since_id or min_id)."""
        if self.min_id is not None and self.since_id is not None:
            return max(self.min_id, self.since_id)
        return self.min_id if self.min_id is not None else self.since_id

    @property
    def oldest_first(self) -> bool:
        """With min_id, the page nearest min_id is wanted: fetch oldest first, then reverse."""
        return self.min_id is not None


def _cursor(params: Params, name: str) -> int | None:
    value = params.text(name)
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise ApiError(422, f"{name} must be an id")
    # Ids are 64-bit: a bound beyond the largest one means the same as the largest one (every
    # post is older than it, none newer), and PostgreSQL's bigint could not take it.
    return min(int(value), LARGEST_ID)


def link_header(request: Request, ids: list[int]) -> dict[str, str]:
    """`Link: <...max_id=oldest>; rel="next", <...min_id=newest>; rel="prev"` for a page of ids
    (newest first); no header for an empty page."""
    if not ids:
        return {}
    # Built from the configured base URL, never from the Host header the request came with.
    base = request.app.state.config.base_url + request.url.path
    kept = [
        (key, value)
        for key, value in request.query_params.multi_items()
        if key not in _NOT_REPEATED
    ]
    next_url = f"{base}?{urlencode([*kept, ('max_id', str(min(ids)))])}"
    prev_url = f"{base}?{urlencode([*kept, ('min_id', str(max(ids)))])}"
    return {"Link": f'<{next_url}>; rel="next", <{prev_url}>; rel="prev"'}
