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
    # More than a page's worth of ids is refused, not cut short
    too_many = await api.get("/api/v1/statuses", params={"id[]": [first["id"]] * 41})
    assert too_many.status_code == 422


async def test_a_boost_is_found_by_its_own_id_among_several(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given bob's boost of alice's thread, as alice's home timeline shows it
    await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await api.post(f"/api/v1/accounts/{bob.actor.id}/follow", headers=alice.auth)
    thread = await post(api, alice, status="@stewards Shelving\nTips?")
    boost = (await api.post(f"/api/v1/statuses/{thread['id']}/reblog", headers=bob.auth)).json()
    home = (await api.get("/api/v1/timelines/home", headers=alice.auth)).json()
    assert boost["id"] in [status["id"] for status in home]

    # When an app asks again for the timeline's statuses by their ids
    again = await api.get(
        "/api/v1/statuses", params={"id[]": [boost["id"], thread["id"]]}, headers=alice.auth
    )
    # Then the boost comes back as the same wrapper, not as missing
    found = again.json()
    assert [status["id"] for status in found] == [boost["id"], thread["id"]]
    assert found[0]["reblog"]["id"] == thread["id"]
    assert found[0]["account"]["id"] == str(bob.actor.id)
    # and once bob takes it back, it is gone
    await api.post(f"/api/v1/statuses/{thread['id']}/unreblog", headers=bob.auth)
    after = await api.get("/api/v1/statuses", params={"id[]": [boost["id"]]}, headers=alice.auth)
    assert after.json() == []


async def test_an_account_is_in_no_list(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    bob = await api_user(app, config, "bob")
    found = await api.get(f"/api/v1/accounts/{bob.actor.id}/lists", headers=alice.auth)
    assert (found.status_code, found.json()) == (200, [])
    missing = await api.get("/api/v1/accounts/123/lists", headers=alice.auth)
    assert missing.status_code == 404
    assert (await api.get(f"/api/v1/accounts/{bob.actor.id}/lists")).status_code == 401
