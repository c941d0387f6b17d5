"""Request parameters as Mastodon clients send them: in the query string, a form, multipart or
JSON, all alike. Arrays come as `name[]=...` (or a JSON list); booleans as true/false/1/0/on/off.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from fedcop.api.errors import ApiError

MAX_BODY_BYTES = 1024 * 1024
_FALSE = frozenset({"0", "f", "false", "off", "no"})
_TRUE = frozenset({"1", "t", "true", "on", "yes"})


class Params:
    """All parameters of one request; later sources win (query < body)."""

    def __init__(self, values: dict[str, list[Any]]) -> None:
        self._values = values

    @classmethod
    async def read(cls, request: Request) -> Params:
        values: dict[str, list[Any]] = {}
        for key, value in request.query_params.multi_items():
            _add(values, key, value)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            for name, items in (await _body_items(request)).items():
                values[name] = items
        return cls(values)

    def __contains__(self, name: str) -> bool:
        return name in self._values

    def text(self, name: str, default: str | None = None) -> str | None:
        found = self._values.get(name)
        if not found:
            return default
        value = found[-1]
        if value is None:
            return default
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        if not isinstance(value, str):
            raise ApiError(422, f"{name} must be a string")
        return checked_text(name, value)

    def required(self, name: str) -> str:
        value = self.text(name)
        if value is None or value == "":
            raise ApiError(422, f"Validation failed: {name} can't be blank")
        return value

    def texts(self, name: str) -> list[str]:
        """`name[]` values (or `name` given once or as a JSON list)."""
        found = self._values.get(name, [])
        out: list[str] = []
        for value in found:
            if isinstance(value, str):
                out.append(checked_text(name, value))
            elif isinstance(value, int) and not isinstance(value, bool):
                out.append(str(value))
            elif value is not None:
                raise ApiError(422, f"{name} must be a list of strings")
        return out

    def flag(self, name: str, default: bool = False) -> bool:
        found = self._values.get(name)
        if not found:
            return default
        value = found[-1]
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return default
        text = str(value).strip().lower()
        if text in _FALSE:
            return False
        if text in _TRUE:
            return True
        raise ApiError(422, f"{name} must be true or false")

    def number(self, name: str, default: int | None = None) -> int | None:
        value = self.text(name)
        if value is None or value == "":
            return default
        text = value.strip()
        # A number that big is never meant (and PostgreSQL's bigint could not hold it): refused
        # before int() spends time on thousands of digits.
        if len(text.lstrip("+-")) > 18 or not text.lstrip("+-").isascii():
            raise ApiError(422, f"{name} is out of range")
        try:
            return int(text)
        except ValueError:
            raise ApiError(422, f"{name} must be a number") from None

    def id(self, name: str) -> int | None:
        """A Mastodon id (a 64-bit number as a string); absent or empty gives None."""
        value = self.text(name)
        if value is None or value == "":
            return None
        return parse_id(value, name)

    def indexed(self, name: str) -> list[dict[str, Any]] | None:
        """A list of small objects, as clients send them: `name[0][key]=value` in a form,
        `{"name": {"0": {...}}}` or `{"name": [{...}]}` in JSON; in index order. None when
        the request does not mention `name` at all."""
        rows: dict[str, dict[str, Any]] = {}
        found = False
        for key, values in self._values.items():
            if key == name:
                found = True
                for position, value in enumerate(values):
                    if isinstance(value, dict):
                        rows[str(position)] = dict(value)
            elif key.startswith(name + "["):
                found = True
                index, _, tail = key[len(name) + 1 :].partition("]")
                if tail == "":  # JSON's {"name": {"0": {...}}}, flattened to name[0]
                    for value in values:
                        if isinstance(value, dict):
                            rows.setdefault(index, {}).update(value)
                elif tail.startswith("[") and tail.endswith("]") and values:
                    rows.setdefault(index, {})[tail[1:-1]] = values[-1]
        if not found:
            return None
        for row in rows.values():
            for key, value in row.items():
                if isinstance(value, str):
                    checked_text(f"{name}[{key}]", value)
        return [
            rows[index]
            for index in sorted(
                rows, key=lambda i: (not i.isdigit(), int(i) if i.isdigit() else 0, i)
            )
        ]

    def file(self, name: str) -> UploadFile | None:
        found = self._values.get(name)
        value = found[-1] if found else None
        return value if isinstance(value, UploadFile) else None


def checked_text(name: str, value: str) -> str:
    """Text a client sent, refused if it holds a NUL character (PostgreSQL text cannot, and no
    person types one)."""
    if "\x00" in value:
        raise ApiError(422, f"{name} contains a NUL character")
    return value


def parse_id(value: str, what: str = "id") -> int:
    """A Mastodon id from a path or a parameter: a positive 64-bit number."""
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise (
            ApiError(404, "Record not found")
            if what == "id"
            else ApiError(422, f"{what} must be an id")
        )
    number = int(value)
    if number >= 2**63:
        raise ApiError(404, "Record not found")
    return number


def _add(values: dict[str, list[Any]], key: str, value: Any) -> None:
    name = key[:-2] if key.endswith("[]") else key
    values.setdefault(name, []).append(value)


async def _body_items(request: Request) -> dict[str, list[Any]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > MAX_BODY_BYTES * 8:
        raise ApiError(413, "Request body too large")
    values: dict[str, list[Any]] = {}
    if content_type == "application/json" or content_type.endswith("+json"):
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(413, "Request body too large")
        if not body.strip():
            return values
        try:
            document = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError(400, "The request body is not valid JSON") from None
        if not isinstance(document, dict):
            raise ApiError(422, "The request body must be a JSON object")
        for key, value in document.items():
            name = key[:-2] if key.endswith("[]") else key
            if isinstance(value, list):
                values[name] = list(value)
            elif isinstance(value, dict):
                # Nested objects (e.g. poll[options], data[alerts]) are flattened to name[key].
                for inner, item in value.items():
                    nested = values.setdefault(f"{name}[{inner}]", [])
                    # A list inside (poll[options]) gives its items, as name[key][] would.
                    nested.extend(item) if isinstance(item, list) else nested.append(item)
            else:
                values[name] = [value]
        return values
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = await request.form(max_files=4, max_fields=1000)
        except Exception:  # any malformed form is the client's error
            raise ApiError(400, "The request body is not a valid form") from None
        for key, value in form.multi_items():
            _add(values, key, value)
    return values
