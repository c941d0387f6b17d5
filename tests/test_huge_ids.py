"""A number in a path that no row could have (past a bigint) is a page that does not exist: every
route with a numeric id answers it with a 4xx, never a 500 from the database refusing the
number."""

from __future__ import annotations

import re
from typing import Any

import httpx
from starlette.routing import Mount, Route

HUGE = "9" * 20  # past 2**63 - 1, the largest bigint


def _numeric_routes(routes: list[Any], prefix: str = "") -> list[tuple[str, set[str]]]:
    found: list[tuple[str, set[str]]] = []
    for route in routes:
        if isinstance(route, Mount):
            found += _numeric_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route) and (":id}" in route.path or ":int}" in route.path):
            found.append((prefix + route.path, set(route.methods or {"GET"})))
    return found


def _filled(path: str) -> str:
    path = re.sub(r"\{[a-z_]+:(id|int)\}", HUGE, path)
    return re.sub(r"\{[a-z_]+(:[a-z]+)?\}", "nobody", path)


async def test_every_numeric_path_answers_a_huge_number_with_a_4xx(
    app: Any, client: httpx.AsyncClient
) -> None:
    routes = _numeric_routes(app.routes)
    assert len(routes) > 20  # threads, posts, activities, pages' versions, messages, polls...
    for path, methods in routes:
        for method in sorted(methods - {"HEAD"}):
            response = await client.request(method, _filled(path))
            assert 400 <= response.status_code < 500, (method, path, response.status_code)


async def test_a_number_too_long_for_an_id_is_not_an_id(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/t/{HUGE}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "There is no such page here." in response.text
