"""Timelines through the client API: home, public (local and remote), a hashtag, an account's
posts and a community's threads, each paged the Mastodon way with a Link header that really
leads to the next and previous pages."""

from __future__ import annotations

import re
from typing import Any

import httpx

from fedcop.config import Config
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, join, post


def links(response: httpx.Response) -> dict[str, str]:
    return {
        rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers["link"])
    }


async def all_ids(api: httpx.AsyncClient, path: str, user: ApiUser | None = None) -> list[str]:
    """The ids of every page, in order."""
    return [status_id for page in await every_page(api, path, user) for status_id in page]


async def every_page(
    api: httpx.AsyncClient, path: str, user: ApiUser | None = None
) -> list[list[str]]:
    """The ids of each page, following rel="next" until a page is empty."""
    headers = user.auth if user else {}
    pages: list[list[str]] = []
    url = path
    while True:
        response = await api.get(url, headers=headers)
        assert response.status_code == 200, response.text
        ids = [status["id"] for status in response.json()]
        if not ids:
            assert "link" not in response.headers
            return pages
        pages.append(ids)
        url = links(response)["next"]


async def test_home_has_joined_communities_and_own_posts_in_pages(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's community, which bob joined, and carol's, which he did not
    stewards = await community(app, config, "stewards", "alice")
    carol = await api_user(app, config, "carol")
    await community(app, config, "gardeners", "carol")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    written = [(await post(api, alice, status=f"@stewards Thread {n}"))["id"] for n in range(4)]
    reply = await post(api, bob, status="A reply", in_reply_to_id=written[0])
    elsewhere = await post(api, carol, status="@gardeners Tomatoes")
    newest_first = [reply["id"], *reversed(written)]

    # When bob reads his home timeline two statuses at a time, following the Link header
    pages = await every_page(api, "/api/v1/timelines/home?limit=2", bob)
    # Then he sees everything in his community, newest first, and nothing else
    assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]
    assert all(elsewhere["id"] not in page for page in pages)

    # And the "prev" link of a later page leads back to the newer statuses
    second = await api.get(
        f"/api/v1/timelines/home?limit=2&max_id={newest_first[1]}", headers=bob.auth
    )
    assert [s["id"] for s in second.json()] == newest_first[2:4]
    back = await api.get(links(second)["prev"], headers=bob.auth)
    assert [s["id"] for s in back.json()] == newest_first[0:2]
    # since_id gives the newest ones above it, min_id the ones just above it
    since = await api.get(
        f"/api/v1/timelines/home?limit=2&since_id={newest_first[4]}", headers=bob.auth
    )
    assert [s["id"] for s in since.json()] == newest_first[0:2]
    just_after = await api.get(
        f"/api/v1/timelines/home?limit=2&min_id={newest_first[4]}", headers=bob.auth
    )
    assert [s["id"] for s in just_after.json()] == newest_first[2:4]

    # And carol's home has her own community and her own post only
    assert await all_ids(api, "/api/v1/timelines/home", carol) == [elsewhere["id"]]
    # The home timeline is a user's: without a token it is refused
    assert (await api.get("/api/v1/timelines/home")).status_code == 401


async def test_public_tag_and_account_timelines(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await community(app, config, "stewards", "alice")
    await community(app, config, "board", "alice", private=True)
    thread = await post(api, alice, status="@stewards Metadata #FAIR\nAbout #fair data")
    other = await post(api, alice, status="@stewards Storage")
    reply = await post(api, alice, status="Also #fair", in_reply_to_id=thread["id"])
    hidden = await post(api, alice, status="@board Minutes #fair")

    # The public timeline: every public status, newest first, nothing members-only
    public = await all_ids(api, "/api/v1/timelines/public?limit=2")
    assert public == [reply["id"], other["id"], thread["id"]]
    assert await all_ids(api, "/api/v1/timelines/public?local=true") == public
    assert await every_page(api, "/api/v1/timelines/public?remote=true") == []

    # A hashtag, whatever its case
    tagged = await all_ids(api, "/api/v1/timelines/tag/Fair?limit=1")
    assert tagged == [reply["id"], thread["id"]]
    assert hidden["id"] not in tagged

    # A person's statuses, with and without replies; the members-only one for her alone
    path = f"/api/v1/accounts/{alice.actor.id}/statuses"
    mine = await all_ids(api, path, alice)
    assert mine == [hidden["id"], reply["id"], other["id"], thread["id"]]
    assert await all_ids(api, path) == [reply["id"], other["id"], thread["id"]]
    threads = await all_ids(api, f"{path}?exclude_replies=true")
    assert threads == [other["id"], thread["id"]]
    assert (await api.get(f"{path}?pinned=true")).json() == []
    assert (await api.get(f"{path}?only_media=true")).json() == []

    # A community's statuses are its threads
    stewards = thread["mentions"][0]["id"]
    group = await all_ids(api, f"/api/v1/accounts/{stewards}/statuses")
    assert group == [other["id"], thread["id"]]

    # Unknown and malformed accounts, lists, and bad paging
    assert (await api.get("/api/v1/accounts/123/statuses")).status_code == 404
    assert (await api.get("/api/v1/accounts/abc/statuses")).status_code == 404
    assert (await api.get("/api/v1/timelines/list/1", headers=alice.auth)).status_code == 404
    assert (await api.get("/api/v1/timelines/public?max_id=abc")).status_code == 422
    assert (await api.get("/api/v1/timelines/public?limit=0")).status_code == 422
