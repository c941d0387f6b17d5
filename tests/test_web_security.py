"""The session cookie's flags, CSRF on every form, and safe redirects after sign-in."""

from __future__ import annotations

import re
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts


async def _csrf(client: httpx.AsyncClient) -> str:
    page = await client.get("/login")
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


async def test_signing_in_sets_a_hardened_cookie(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "bea", "bea pass 123")
    token = await _csrf(client)
    response = await client.post(
        "/login", data={"csrf": token, "name": "bea", "password": "bea pass 123", "next": "/"}
    )
    assert response.status_code == 303
    cookies = response.headers.get_list("set-cookie")
    [cookie] = [value for value in cookies if value.startswith("fedcop_session=")]
    for flag in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"):  # the node is on https
        assert flag in cookie
    # the notice that says so (web.notices) is as hardened
    [notice] = [value for value in cookies if value.startswith("fedcop_notice=")]
    for flag in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/"):
        assert flag in notice
    # and the session works: the account's name is on the page
    assert "@bea" in (await client.get("/")).text


async def test_a_form_without_the_sessions_token_changes_nothing(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "bea", "bea pass 123")
    await _csrf(client)  # a session exists, with its own token
    response = await client.post(
        "/login", data={"csrf": "forged", "name": "bea", "password": "bea pass 123"}
    )
    assert response.status_code == 403
    assert "did not come from this site" in response.text
    assert "set-cookie" not in response.headers  # the session is unchanged
    assert "@bea" not in (await client.get("/")).text


async def test_after_sign_in_only_paths_here_are_followed(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "bea", "bea pass 123")
    for target in ("https://evil.example/", "//evil.example/x"):
        token = await _csrf(client)
        response = await client.post(
            "/login",
            data={"csrf": token, "name": "bea", "password": "bea pass 123", "next": target},
        )
        assert response.headers["location"] == "/"


async def test_an_action_on_a_post_that_does_not_exist_is_404(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "bea", "bea pass 123")
    token = await _csrf(client)
    await client.post(
        "/login", data={"csrf": token, "name": "bea", "password": "bea pass 123", "next": "/"}
    )
    token = await _csrf(client)  # the signed-in session's token
    for action in ("like", "unlike", "delete", "reply", "moderate", "edit"):
        response = await client.post(f"/t/987654321/{action}", data={"csrf": token})
        assert response.status_code == 404, action
        assert "no such post" in response.text
