"""What apps fetch at start-up and fedcop keeps empty, and the CORS that browser apps need."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fedcop.api.stubs import EMPTY_LISTS
from fedcop.config import Config
from tests.api.conftest import ApiUser, api_user

PERSONAL = [path for path, (_, user) in EMPTY_LISTS.items() if user]
PUBLIC = [path for path, (_, user) in EMPTY_LISTS.items() if not user]


@pytest.mark.parametrize("path", list(EMPTY_LISTS))
async def test_start_up_lists_are_empty_for_a_signed_in_app(
    api: httpx.AsyncClient, alice: ApiUser, path: str
) -> None:
    response = await api.get(path, headers=alice.auth)
    assert response.status_code == 200
    assert response.json() == []


async def test_personal_lists_need_a_token_and_public_ones_do_not(
    api: httpx.AsyncClient,
) -> None:
    for path in PERSONAL:
        response = await api.get(path)
        assert response.status_code == 401, path
        assert response.json() == {"error": "The access token is invalid"}
    for path in PUBLIC:
        assert (await api.get(path)).status_code == 200, path
    bad = await api.get("/api/v1/trends", headers={"Authorization": "Bearer nonsense"})
    assert bad.status_code == 401


async def test_a_token_without_the_scope_is_refused(
    app: Any, api: httpx.AsyncClient, config: Config
) -> None:
    # Given a token that may only write
    writer = await api_user(app, config, "wren", scopes="write")
    # Then it may not read lists, filters or blocks
    for path in ("/api/v1/lists", "/api/v2/filters", "/api/v1/blocks"):
        response = await api.get(path, headers=writer.auth)
        assert response.status_code == 403, path
    # And the old "follow" scope covers blocks and mutes, as in Mastodon
    follower = await api_user(app, config, "fern", scopes="follow")
    assert (await api.get("/api/v1/blocks", headers=follower.auth)).status_code == 200
    assert (await api.get("/api/v1/mutes", headers=follower.auth)).status_code == 200
    assert (await api.get("/api/v1/lists", headers=follower.auth)).status_code == 403


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/instance",
        "/api/v2/instance",
        "/api/v1/apps",
        "/oauth/token",
        "/oauth/revoke",
        "/.well-known/oauth-authorization-server",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.0",
    ],
)
async def test_browser_apps_get_cors_on_the_api(api: httpx.AsyncClient, path: str) -> None:
    # A preflight from Elk's origin is answered at once
    preflight = await api.options(
        path,
        headers={
            "Origin": "https://elk.zone",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= {
        name.strip() for name in allowed.split(",")
    }


async def test_answers_and_errors_carry_cors_and_expose_link(api: httpx.AsyncClient) -> None:
    for path in ("/api/v2/instance", "/api/v1/lists", "/api/v1/nothing-here"):
        response = await api.get(path, headers={"Origin": "https://phanpy.social"})
        assert response.headers["access-control-allow-origin"] == "*", path
        assert "Link" in response.headers["access-control-expose-headers"]
    token = await api.post("/oauth/token", data={}, headers={"Origin": "https://elk.zone"})
    assert token.headers["access-control-allow-origin"] == "*"


@pytest.mark.parametrize("path", ["/", "/login", "/oauth/authorize", "/u/alice"])
async def test_pages_and_the_authorization_page_get_no_cors(
    api: httpx.AsyncClient, alice: ApiUser, path: str
) -> None:
    response = await api.get(path, headers={"Origin": "https://elk.zone"})
    assert "access-control-allow-origin" not in response.headers
    preflight = await api.options(
        path, headers={"Origin": "https://elk.zone", "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers
