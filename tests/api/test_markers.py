"""Read markers: saved by one app, read by another, their version counting every save."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, join, post


async def test_markers_round_trip(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Nothing saved yet
    empty = await api.get(
        "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=alice.auth
    )
    assert empty.status_code == 200 and empty.json() == {}
    # A form post (Tusky) saves the home marker
    saved = await api.post(
        "/api/v1/markers", data={"home[last_read_id]": "1000"}, headers=alice.auth
    )
    assert saved.status_code == 200
    assert saved.json()["home"]["last_read_id"] == "1000"
    assert saved.json()["home"]["version"] == 1
    # A JSON post (Elk) moves it on and saves the notifications marker
    again = await api.post(
        "/api/v1/markers",
        json={"home": {"last_read_id": "2000"}, "notifications": {"last_read_id": "7"}},
        headers=alice.auth,
    )
    assert again.json()["home"]["version"] == 2
    # Another app reads both
    both = (
        await api.get(
            "/api/v1/markers?timeline[]=home&timeline[]=notifications", headers=alice.auth
        )
    ).json()
    assert both["home"]["last_read_id"] == "2000"
    assert (both["notifications"]["last_read_id"], both["notifications"]["version"]) == ("7", 1)
    assert both["home"]["updated_at"].endswith("Z")
    only_home = await api.get("/api/v1/markers?timeline[]=home", headers=alice.auth)
    assert set(only_home.json()) == {"home"}
    # They are alice's alone
    bob = await api_user(app, config, "bob")
    assert (await api.get("/api/v1/markers?timeline[]=home", headers=bob.auth)).json() == {}


async def test_bad_markers_change_nothing(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await api.post("/api/v1/markers", data={"home[last_read_id]": "5"}, headers=alice.auth)
    for body in ({"home[last_read_id]": "abc"}, {"elsewhere[last_read_id]": "9"}, {}):
        refused = await api.post("/api/v1/markers", data=body, headers=alice.auth)
        assert refused.status_code == 422, body
        assert "error" in refused.json()
    reader = await api_user(app, config, "reader", scopes="read")
    forbidden = await api.post(
        "/api/v1/markers", data={"home[last_read_id]": "9"}, headers=reader.auth
    )
    assert forbidden.status_code == 403
    assert (await api.post("/api/v1/markers", data={"home[last_read_id]": "9"})).status_code == 401
    home = (await api.get("/api/v1/markers?timeline[]=home", headers=alice.auth)).json()["home"]
    assert (home["last_read_id"], home["version"]) == ("5", 1)


async def test_unread_notifications_count_from_the_marker(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    thread = await post(api, alice, status="@stewards Agenda")
    for text in ("One", "Two", "Three"):
        await post(api, bob, status=text, in_reply_to_id=thread["id"])
    count = await api.get("/api/v1/notifications/unread_count", headers=alice.auth)
    assert count.json() == {"count": 3}
    told = (await api.get("/api/v1/notifications", headers=alice.auth)).json()
    await api.post(
        "/api/v1/markers",
        data={"notifications[last_read_id]": told[1]["id"]},
        headers=alice.auth,
    )
    count = await api.get("/api/v1/notifications/unread_count", headers=alice.auth)
    assert count.json() == {"count": 1}
