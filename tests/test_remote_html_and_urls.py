"""Remote HTML and URLs reach people only through one policy (fedcop.shown): HTML from elsewhere
is sanitised when it is stored and again when it is shown, and only http(s) URLs leave the node
in a field a client or a browser makes a link of.

    alpha        ana, a member of the community on lemmy.test
    lemmy.test   a hostile server: mallory's profile carries a script, a meta refresh and
                 javascript: links; a thread's `url` and attachments are javascript: too

Each case is also checked with the row as an earlier fedcop stored it (raw), since rows kept
before the policy are shown through the same builders.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, oauth
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.scene import settle, stored
from tests.signed_requests import encoded, post
from tests.test_federation_backfill import accept_join

HOSTILE_SUMMARY = (
    "<p>Archivist at the county records office</p>"
    '<script>alert("summary")</script>'
    '<meta http-equiv="refresh" content="0;url=https://evil.test/">'
    '<p><a href="javascript:alert(1)">my site</a> '
    '<a href="https://example.org/me">my page</a></p>'
    '<img src="x" onerror="alert(2)">'
)
# What no page or API answer may carry once a hostile document was read.
DANGERS = ("<script", "alert(", "javascript:", "http-equiv", "onerror", "<img")

Scene = tuple[LiveNode, GroupServer, str]


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    """alpha with ana (a member of lemmy.test's community, with a token), and mallory."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        with group_server("lemmy") as lemmy:
            lemmy.profiles["mallory"] = {
                "summary": HOSTILE_SUMMARY,
                "url": "javascript:alert(3)",
                "icon": {"type": "Image", "url": "javascript:alert(4)"},
                "image": {"type": "Image", "url": "data:text/html,<script>alert(5)</script>"},
                "attachment": [
                    {
                        "type": "PropertyValue",
                        "name": "Website",
                        "value": '<a href="javascript:alert(6)">home</a>',
                    }
                ],
            }
            await accept_join(alpha, lemmy, "ana")
            token = await oauth.admin_token(alpha.pool, "ana", "read write follow")
            yield alpha, lemmy, token


async def _get(alpha: LiveNode, path: str, token: str | None = None, **params: Any) -> Any:
    headers = {"Host": alpha.config.domain}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    else:
        headers["Accept"] = "text/html"
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}") as http:
        response = await http.get(path, headers=headers, params=params)
    assert response.status_code == 200, (path, response.status_code, response.text[:500])
    return response.json() if token is not None else response.text


# The pictures this node puts beside names (web.avatars: its own path, decorative): not from
# the hostile documents, so not what these tests look for.
OUR_AVATAR = re.compile(
    r'<img class="avatar" src="/avatars/\d+" alt="" width="\d+" height="\d+"( loading="lazy")?>'
)


def _assert_harmless(what: str, text: str) -> None:
    text = OUR_AVATAR.sub("", text)
    for danger in DANGERS:
        assert danger not in text.lower(), f"{what} carries {danger!r}: {text[:2000]}"


def _links(entity: Any) -> list[str]:
    """Every value of a field a client may make a link of, anywhere in an API answer."""
    found: list[str] = []
    if isinstance(entity, dict):
        for key, value in entity.items():
            if key in {"url", "uri", "avatar", "avatar_static", "header", "header_static"}:
                if isinstance(value, str):
                    found.append(value)
            elif key.endswith("_url") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_links(value))
    elif isinstance(entity, list):
        for item in entity:
            found.extend(_links(item))
    return found


def _assert_account_safe(account: dict[str, Any]) -> None:
    _assert_harmless("the account", json.dumps(account))
    assert "Archivist at the county records office" in account["note"]
    assert 'href="https://example.org/me"' in account["note"]
    for url in _links(account):
        assert url.startswith(("https://", "http://")), url


async def _mallory(alpha: LiveNode, lemmy: GroupServer, token: str) -> dict[str, Any]:
    found = await _get(
        alpha, "/api/v2/search", token, q=lemmy.person("mallory"), resolve="true", type="accounts"
    )
    [account] = found["accounts"]
    return dict(account)


async def test_a_hostile_profile_is_shown_sanitised(scene: Scene) -> None:
    alpha, lemmy, token = scene
    # When ana looks mallory up from her app
    account = await _mallory(alpha, lemmy, token)
    # Then the account her app gets is harmless, and so is the one it reads again
    _assert_account_safe(account)
    _assert_account_safe(await _get(alpha, f"/api/v1/accounts/{account['id']}", token))
    # And so is mallory's page here
    page = await _get(alpha, f"/u/{account['acct']}")
    _assert_harmless("the profile page", page)
    assert "Archivist at the county records office" in page
    # And what is kept is already sanitised
    async with alpha.pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT summary FROM actors WHERE uri = $1", lemmy.person("mallory")
        )
    _assert_harmless("the stored summary", kept)


async def test_a_profile_kept_raw_before_is_shown_sanitised(scene: Scene) -> None:
    alpha, lemmy, token = scene
    account = await _mallory(alpha, lemmy, token)
    # Given the profile as an earlier fedcop kept it: raw
    async with alpha.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET summary = $2 WHERE uri = $1",
            lemmy.person("mallory"),
            HOSTILE_SUMMARY,
        )
    # Then neither the client API nor the page shows it raw
    _assert_account_safe(await _get(alpha, f"/api/v1/accounts/{account['id']}", token))
    _assert_harmless("the profile page", await _get(alpha, f"/u/{account['acct']}"))


async def _hostile_thread(alpha: LiveNode, lemmy: GroupServer) -> Any:
    page = lemmy.page(
        "Retention schedules",
        "<p>See the attached schedule</p>",
        author="nutomic",
        url="javascript:alert(7)",
        attachment=[
            {"type": "Document", "mediaType": "image/png", "url": "javascript:alert(8)"},
            {"type": "Link", "href": "javascript:alert(9)", "name": "the schedule"},
            {"type": "Link", "href": "https://example.org/schedule", "name": "the real one"},
        ],
    )
    item = {"@context": "https://www.w3.org/ns/activitystreams", **lemmy.announce_create(page)}
    assert (await post(alpha, encoded(item), lemmy.sender)).status_code == 202
    await settle(alpha)
    kept = await stored(alpha, page["id"])
    assert kept is not None
    return kept


def _assert_status_safe(status: dict[str, Any]) -> None:
    _assert_harmless("the status", json.dumps(status))
    assert "https://example.org/schedule" in status["content"]
    for url in _links(status):
        assert url.startswith(("https://", "http://")), url


async def test_a_post_with_javascript_urls_reaches_apps_and_pages_without_them(
    scene: Scene,
) -> None:
    alpha, lemmy, token = scene
    thread = await _hostile_thread(alpha, lemmy)
    _assert_status_safe(await _get(alpha, f"/api/v1/statuses/{thread.id}", token))
    _assert_harmless("the thread's page", await _get(alpha, f"/t/{thread.id}"))


async def test_a_post_kept_with_javascript_urls_before_is_served_without_them(
    scene: Scene,
) -> None:
    alpha, lemmy, token = scene
    thread = await _hostile_thread(alpha, lemmy)
    # Given the post as an earlier fedcop might have kept it
    attachments = [
        {"type": "Image", "url": "javascript:alert(10)", "mediaType": "image/png", "name": ""},
        {"type": "Link", "url": "javascript:alert(11)", "mediaType": "", "name": "schedule"},
        {"type": "Link", "url": "https://example.org/schedule", "mediaType": "", "name": ""},
    ]
    async with alpha.pool.acquire() as conn:
        await conn.execute(
            "UPDATE posts SET url = $2, attachments = $3 WHERE id = $1",
            thread.id,
            f"javascript://{lemmy.origin.split('//')[1]}/%0Aalert(12)",
            attachments,
        )
    # Then apps and pages get no javascript: link
    _assert_status_safe(await _get(alpha, f"/api/v1/statuses/{thread.id}", token))
    _assert_harmless("the thread's page", await _get(alpha, f"/t/{thread.id}"))
