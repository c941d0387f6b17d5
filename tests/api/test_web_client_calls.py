"""Calls a web client on another origin (Phanpy, Elk) makes that are not covered elsewhere: the
images an Account entity points at, readable cross-origin; several statuses at once (Phanpy
refreshes its timeline with GET /api/v1/statuses?id[]=); the lists an account is in."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, post

ELK = "https://elk.zone"


async def test_account_images_are_readable_from_another_origin(
    api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given the account entity an app shows
    me = (await api.get("/api/v1/accounts/verify_credentials", headers=alice.auth)).json()
    images = {me[key] for key in ("avatar", "avatar_static", "header", "header_static")}
    assert images
    for url in images:
        # When a page on Elk's origin fetches the image
        response = await api.get(url, headers={"Origin": ELK})
        # Then it is served, and the browser lets the page read it
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "image/png"
        assert response.headers["access-control-allow-origin"] == "*"
    # and a preflight for the stylesheet (anything under /static/) is answered too
    preflight = await api.options(
        "/static/fedcop.css", headers={"Origin": ELK, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"


async def test_several_statuses_at_once(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    await community(app, config, "clinic", "alice", private=True)
    first = await post(api, alice, status="@stewards One\nText")
    second = await post(api, alice, status="@stewards Two\nText")
    private = await post(api, alice, status="@clinic Three\nText", visibility="private")
    gone = await post(api, alice, status="@stewards Four\nText")
    await api.delete(f"/api/v1/statuses/{gone['id']}", headers=alice.auth)
    ids = [second["id"], first["id"], private["id"], gone["id"], "123", "x", second["id"]]

    # The author gets what she may read, in the order asked, once each
    mine = await api.get("/api/v1/statuses", params={"id[]": ids}, headers=alice.auth)
    assert mine.status_code == 200
    assert [s["id"] for s in mine.json()] == [second["id"], first["id"], private["id"]]
    # Someone else (or nobody) does not get the members-only one
    bob = await api_user(app, config, "bob")
    theirs = await api.get("/api/v1/statuses", params={"id[]": ids}, headers=bob.auth)
    assert [s["id"] for s in theirs.json()] == [second["id"], first["id"]]
    anyone = await api.get("/api/v1/statuses", params={"id[]": ids})
    assert [s["id"] for s in anyone.json()] == [second["id"], first["id"]]
    assert (await api.get("/api/v1/statuses")).json() == []


async def test_an_account_is_in_no_list(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    bob = await api_user(app, config, "bob")
    found = await api.get(f"/api/v1/accounts/{bob.actor.id}/lists", headers=alice.auth)
    assert (found.status_code, found.json()) == (200, [])
    missing = await api.get("/api/v1/accounts/123/lists", headers=alice.auth)
    assert missing.status_code == 404
    assert (await api.get(f"/api/v1/accounts/{bob.actor.id}/lists")).status_code == 401
