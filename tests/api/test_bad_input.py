"""Odd and malformed requests to the client API get a clear 4xx and change nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import ApiUser


async def _statuses(app: Any) -> int:
    async with app.state.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM posts"))


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/accounts/lookup?acct=al%00ice",
        "/api/v1/timelines/tag/on%00e",
        "/api/v2/search?q=%00",
        "/api/v1/accounts/relationships?id[]=1%002",
    ],
)
async def test_a_nul_character_is_refused(
    path: str, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await api.get(path, headers=alice.auth)
    assert response.status_code in (404, 422), response.text
    assert "error" in response.json()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/statuses/abc",
        "/api/v1/statuses/-1",
        "/api/v1/statuses/99999999999999999999999",
        "/api/v1/accounts/1.5",
        "/api/v1/notifications/%F0%9F%90%88",
    ],
)
async def test_a_malformed_id_is_not_found(
    path: str, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await api.get(path, headers=alice.auth)
    assert response.status_code == 404
    assert response.json() == {"error": "Record not found"}


async def test_a_body_that_is_not_json_is_refused_and_nothing_is_posted(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await api.post(
        "/api/v1/statuses",
        content=b'{"status": "@nowhere hi',
        headers={**alice.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]
    listed = await api.post(
        "/api/v1/statuses",
        content=b'["@nowhere hi"]',
        headers={**alice.auth, "Content-Type": "application/json"},
    )
    assert listed.status_code == 422
    assert await _statuses(app) == 0


async def test_a_huge_body_is_refused(app: Any, api: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await api.post(
        "/api/v1/statuses",
        content=b'{"status": "' + b"a" * (2 * 1024 * 1024) + b'"}',
        headers={**alice.auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert await _statuses(app) == 0


async def test_a_token_for_nobody_is_refused_everywhere(api: httpx.AsyncClient) -> None:
    for path in ("/api/v1/timelines/public", "/api/v1/accounts/verify_credentials"):
        response = await api.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert response.status_code == 401
        assert response.json() == {"error": "The access token is invalid"}


async def test_an_expired_token_is_refused_and_changes_nothing(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE oauth_tokens SET expires_at = now() - interval '1 second'")
    me = await api.get("/api/v1/accounts/verify_credentials", headers=alice.auth)
    assert me.status_code == 401
    assert me.json() == {"error": "The access token is invalid"}
    posted = await api.post(
        "/api/v1/statuses", json={"status": "@anywhere hello"}, headers=alice.auth
    )
    assert posted.status_code == 401
    assert await _statuses(app) == 0
