"""Bookmarks and favourites lists: a user's own, latest first, paged with a Link header; a post
that can no longer be read drops out of them."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, post
from tests.api.test_timelines import all_ids, every_page


async def test_bookmarks_are_listed_latest_saved_first_in_pages(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    written = [(await post(api, bob, status=f"@stewards Note {n}"))["id"] for n in range(3)]
    # alice saves them in an order of her own: the middle one, then the last, then the first
    order = [written[1], written[2], written[0]]
    for status_id in order:
        saved = await api.post(f"/api/v1/statuses/{status_id}/bookmark", headers=alice.auth)
        assert saved.status_code == 200 and saved.json()["bookmarked"] is True
    # Saving twice keeps one bookmark
    await api.post(f"/api/v1/statuses/{written[0]}/bookmark", headers=alice.auth)
    pages = await every_page(api, "/api/v1/bookmarks?limit=2", alice)
    assert pages == [[order[2], order[1]], [order[0]]]
    # Favourites are listed too (by status)
    for status_id in written[:2]:
        await api.post(f"/api/v1/statuses/{status_id}/favourite", headers=alice.auth)
    assert await all_ids(api, "/api/v1/favourites?limit=1", alice) == [
        written[1],
        written[0],
    ]
    # A deleted post drops out of both
    await api.delete(f"/api/v1/statuses/{written[0]}", headers=bob.auth)
    assert await all_ids(api, "/api/v1/bookmarks", alice) == [order[1], order[0]]
    assert await all_ids(api, "/api/v1/favourites", alice) == [written[1]]
    # Unbookmarking
    await api.post(f"/api/v1/statuses/{written[1]}/unbookmark", headers=alice.auth)
    assert await all_ids(api, "/api/v1/bookmarks", alice) == [written[2]]


async def test_bookmarks_are_private_and_need_a_user(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    mine = await post(api, alice, status="@stewards Save me")
    await api.post(f"/api/v1/statuses/{mine['id']}/bookmark", headers=alice.auth)
    assert (await api.get("/api/v1/bookmarks")).status_code == 401
    assert (await api.post(f"/api/v1/statuses/{mine['id']}/bookmark")).status_code == 401
    reader = await api_user(app, config, "reader", scopes="read")
    refused = await api.post(f"/api/v1/statuses/{mine['id']}/bookmark", headers=reader.auth)
    assert refused.status_code == 403
    assert (await api.get("/api/v1/bookmarks", headers=reader.auth)).json() == []
    missing = await api.post("/api/v1/statuses/123/bookmark", headers=alice.auth)
    assert missing.status_code == 404
    assert len((await api.get("/api/v1/bookmarks", headers=alice.auth)).json()) == 1
