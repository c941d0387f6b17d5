"""The `{name:id}` path convertor: a row's number, as fedcop's ids are (bigint).

Starlette's own `int` matches any run of digits, so a path holding a number past a bigint reached
the database, which refused it with an error (a 500). `id` matches only numbers a bigint holds
(up to 19 digits, the first of 19 at most 8: below 2**63), so anything longer is a path no route
serves, a 404. Ids are milliseconds since 1970 shifted left by 16 bits (`fedcop_next_id`), which
stay under that bound for thousands of years.
"""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class IdConvertor(Convertor[int]):
    regex = "[0-9]{1,18}|[1-8][0-9]{18}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        if value < 0:
            raise ValueError("an id is never negative")
        return str(value)


def register() -> None:
    """Make `{name:id}` known; must run before any route is built (fedcop/__init__.py)."""
    register_url_convertor("id", IdConvertor())
