"""Hostile requests to the client API: every one gets a 4xx with {"error": ...} (or an empty
answer), never a 500, and nothing private is shown to someone who may not read it."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.conftest import ApiUser, api_user

BIG = str(10**30)
HOSTILE_QUERIES = [
    "/api/v2/search?q=records&offset=" + BIG,
    "/api/v2/search?q=records&limit=" + BIG,
    "/api/v2/search?q=records&limit=-1",
    "/api/v2/search?q=records&offset=-5",
    "/api/v2/search?q=%40a%40b%40c&resolve=true",
    "/api/v2/search?q=http%3A%2F%2F%5B%3A%3A1&resolve=true",
    "/api/v2/search?q=https%3A%2F%2F" + "a" * 5000 + "&resolve=true",
    "/api/v2/search?q=" + "x" * 20000,
    "/api/v2/search?q=%ff%fe",
    "/api/v1/accounts/search?q=al&offset=" + BIG,
    "/api/v1/accounts/search?q=al&limit=" + BIG,
    "/api/v1/accounts/search?q=%40a%40b%40c&resolve=true",
    "/api/v1/accounts/lookup?acct=%40a%40b%40c",
    "/api/v1/accounts/lookup?acct=" + "a" * 5000,
    "/api/v1/timelines/public?since_id=" + str(2**63),
    "/api/v1/timelines/public?max_id=" + str(2**64),
    "/api/v1/timelines/public?min_id=9999999999999999999",
    "/api/v1/timelines/public?limit=" + BIG,
    "/api/v1/timelines/public?limit=-1",
    "/api/v1/timelines/home?since_id=9223372036854775808",
    "/api/v1/timelines/tag/" + "t" * 5000,
    "/api/v1/timelines/tag/%ff",
    "/api/v1/notifications?max_id=9999999999999999999",
    "/api/v1/notifications?account_id=9999999999999999999",
    "/api/v1/notifications?types[]=" + "&types[]=".join(["mention"] * 3000),
    "/api/v1/accounts/relationships?" + "&".join(f"id[]={n}" for n in range(3000)),
    "/api/v1/accounts?" + "&".join(f"id[]={n}" for n in range(3000)),
    "/api/v1/accounts/1/followers?limit=" + BIG,
    "/api/v1/accounts/1/statuses?max_id=99999999999999999999",
    "/api/v1/statuses/1/favourited_by?limit=" + BIG,
    "/api/v1/statuses/1/reblogged_by?limit=-1",
    "/api/v1/favourites?max_id=" + BIG,
    "/api/v1/bookmarks?since_id=9223372036854775808",
    "/api/v1/markers?timeline[]=" + "&timeline[]=".join(["home"] * 3000),
    "/api/v1/follow_requests?limit=" + BIG,
    "/api/v1/accounts/familiar_followers?" + "&".join(f"id[]={n}" for n in range(3000)),
]


@pytest.mark.parametrize("path", HOSTILE_QUERIES, ids=lambda p: p[:70])
async def test_hostile_query_never_fails_the_server(
    path: str, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    response = await api.get(path, headers=alice.auth)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert "error" in response.json()


async def _count(app: Any, table: str) -> int:
    async with app.state.pool.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


def _nested(depth: int) -> bytes:
    return b'{"status": ' + b"[" * depth + b"]" * depth + b"}"


HOSTILE_BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards " + "x" * 200_000}}),
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards hi", "spoiler_text": "s" * 5000}}),
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards hi\x00"}}),
    ("POST", "/api/v1/statuses", {"json": {"status": {"a": {"b": 1}}}}),
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards hi", "in_reply_to_id": 2**70}}),
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards hi", "in_reply_to_id": -1}}),
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards hi", "visibility": ["x"]}}),
    ("POST", "/api/v1/statuses", {"json": {"status": "@stewards hi", "sensitive": "maybe"}}),
    ("POST", "/api/v1/statuses", {"content": _nested(100_000)}),
    ("POST", "/api/v1/statuses", {"content": b'{"status": "\xff\xfe"}'}),
    ("POST", "/api/v1/statuses", {"form": b"status=%ff%fe%00"}),
    ("POST", "/api/v1/statuses", {"form": b"status=%40stewards+hi&in_reply_to_id=1%00"}),
    ("POST", "/api/v1/statuses", {"files": {"status": ("a.txt", b"hello", "text/plain")}}),
    (
        "POST",
        "/api/v1/statuses",
        {"files": [("f", ("a.txt", b"x", "text/plain")) for _ in range(10)]},
    ),
    ("PATCH", "/api/v1/accounts/update_credentials", {"json": {"display_name": "d" * 5000}}),
    ("PATCH", "/api/v1/accounts/update_credentials", {"json": {"note": "n" * 200_000}}),
    ("PATCH", "/api/v1/accounts/update_credentials", {"json": {"display_name": "a\x00b"}}),
    (
        "PATCH",
        "/api/v1/accounts/update_credentials",
        {"json": {"fields_attributes": [{"name": "Organisation", "value": "a\x00b"}]}},
    ),
    (
        "PATCH",
        "/api/v1/accounts/update_credentials",
        {"json": {"fields_attributes": [{"name": "Organisation", "value": "o" * 10_000}]}},
    ),
    (
        "PATCH",
        "/api/v1/accounts/update_credentials",
        {"json": {"fields_attributes": {"0": {"name": ["x"], "value": {"y": 1}}}}},
    ),
    (
        "PATCH",
        "/api/v1/accounts/update_credentials",
        {
            "json": {
                "fields_attributes": [
                    {"name": "Expertise", "value": ",".join(f"e{n}" for n in range(3000))}
                ]
            }
        },
    ),
    ("POST", "/api/v1/markers", {"json": {"home": {"last_read_id": str(2**64)}}}),
    ("POST", "/api/v1/markers", {"json": {"home": {"last_read_id": "1\x00"}}}),
    ("POST", "/api/v1/markers", {"json": {"home": "x", "notifications": [1, 2]}}),
    ("POST", "/api/v1/markers", {"form": b"home[last_read_id]=" + b"9" * 30}),
    (
        "POST",
        "/api/v1/apps",
        {"json": {"client_name": "n" * 5000, "redirect_uris": "https://app.example/cb"}},
    ),
    (
        "POST",
        "/api/v1/apps",
        {"json": {"client_name": "x", "redirect_uris": "https://app.example/" + "c" * 5000}},
    ),
    (
        "POST",
        "/api/v1/apps",
        {
            "json": {
                "client_name": "x",
                "redirect_uris": [f"https://a.example/{n}" for n in range(5000)],
            }
        },
    ),
    (
        "POST",
        "/api/v1/apps",
        {"json": {"client_name": "x", "redirect_uris": "http://[::1/cb"}},
    ),
    (
        "POST",
        "/api/v1/apps",
        {
            "json": {
                "client_name": "x",
                "redirect_uris": "https://a.example/cb",
                "website": "https://" + "w" * 5000,
            }
        },
    ),
    (
        "POST",
        "/api/v1/apps",
        {
            "json": {
                "client_name": "x",
                "redirect_uris": "https://a.example/cb",
                "website": "http://[x",
            }
        },
    ),
    ("POST", "/api/v1/apps", {"json": {"client_name": "x\x00", "redirect_uris": "urn:x"}}),
    ("POST", "/api/v1/apps", {"json": {"client_name": "x", "redirect_uris": {"a": "b"}}}),
    ("POST", "/api/v1/apps", {"json": {"client_name": "x", "scopes": "read " * 10000}}),
    ("POST", "/api/v1/statuses/1/reblog", {"json": {"visibility": "x" * 10000}}),
    ("POST", "/api/v1/accounts/1/follow", {"json": {"reblogs": "maybe"}}),
    ("POST", "/api/v1/notifications/" + str(2**64) + "/dismiss", {}),
    ("DELETE", "/api/v1/statuses/" + "9" * 40, {}),
]


@pytest.mark.parametrize(("method", "path", "body"), HOSTILE_BODIES, ids=lambda v: str(v)[:60])
async def test_hostile_body_is_refused_and_changes_nothing(
    method: str,
    path: str,
    body: dict[str, Any],
    app: Any,
    api: httpx.AsyncClient,
    alice: ApiUser,
) -> None:
    from fedcop.services import accounts

    await accounts.create_community(
        app.state.pool, app.state.config, "stewards", title="Data Stewards", owner="alice"
    )
    before = {t: await _count(app, t) for t in ("posts", "oauth_apps", "markers")}
    async with app.state.pool.acquire() as conn:
        profile = await conn.fetchrow("SELECT * FROM users WHERE actor_id = $1", alice.actor.id)
        actor = await conn.fetchrow(
            "SELECT display_name, summary FROM actors WHERE id = $1", alice.actor.id
        )
    headers = dict(alice.auth)
    kwargs: dict[str, Any] = {}
    if "form" in body:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        kwargs["content"] = body["form"]
    elif "content" in body:
        headers["Content-Type"] = "application/json"
        kwargs["content"] = body["content"]
    elif "json" in body:
        kwargs["json"] = body["json"]
    elif "files" in body:
        kwargs["files"] = body["files"]
    response = await api.request(method, path, headers=headers, **kwargs)
    assert 400 <= response.status_code < 500, response.text
    assert "error" in response.json()
    assert before == {t: await _count(app, t) for t in ("posts", "oauth_apps", "markers")}
    async with app.state.pool.acquire() as conn:
        assert profile == await conn.fetchrow(
            "SELECT * FROM users WHERE actor_id = $1", alice.actor.id
        )
        assert actor == await conn.fetchrow(
            "SELECT display_name, summary FROM actors WHERE id = $1", alice.actor.id
        )


# -- a private community's posts, whatever their author's server said about them ---------------


async def test_a_public_post_by_a_microblog_member_stays_among_the_members(
    pg_cluster: Any,
) -> None:
    """mona (on a Mastodon-like server) is an approved member of the private community
    `clinic`; her server addresses her post to the public, as Mastodon does. The post is the
    members' all the same: no endpoint shows it to a non-member, and it cannot be boosted."""
    import uuid

    from fedcop.services import accounts, follows, oauth
    from tests.conftest import fresh_database
    from tests.live_node import live_node
    from tests.microblog_server import microblog_server
    from tests.scene import settle, stored
    from tests.signed_requests import encoded, post

    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        pool, config = alpha.pool, alpha.config
        await accounts.create_user(pool, config, "fa", "long enough")
        await accounts.create_user(pool, config, "olga", "long enough")
        clinic = await accounts.create_community(
            pool, config, "clinic", title="Clinicians", owner="fa", private=True
        )
        member = {"Authorization": f"Bearer {await oauth.admin_token(pool, 'fa')}"}
        outsider = {"Authorization": f"Bearer {await oauth.admin_token(pool, 'olga')}"}
        with microblog_server("masto") as masto:
            masto.known_keys[clinic.public_key_id] = clinic.public_key_pem
            follow = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{masto.user}#follows/{uuid.uuid4().int}",
                "type": "Follow",
                "actor": masto.user,
                "object": clinic.uri,
            }
            assert (await post(alpha, encoded(follow), masto.sender)).status_code == 202
            await settle(alpha)
            await follows.decide_request(pool, config, "clinic", masto.user, approve=True)
            await settle(alpha)
            note = masto.status(
                f'<p><a href="{clinic.uri}" class="mention">@clinic</a> Ward 3 protocol</p>'
                "<p>Patient notes #wardthree</p>",
                cc=[f"{masto.user}/followers", clinic.uri],
                tag=[
                    {"type": "Mention", "href": clinic.uri},
                    {"type": "Hashtag", "name": "#wardthree"},
                ],
            )
            assert (await post(alpha, encoded(masto.create(note)), masto.sender)).status_code == 202
            await settle(alpha)
            kept = await stored(alpha, note["id"])
            assert kept is not None
            sid = str(kept.id)
            http = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=alpha.app), base_url=config.base_url
            )
            api = http.get

            # The member reads it
            seen = await api(f"/api/v1/statuses/{sid}", headers=member)
            assert seen.status_code == 200 and seen.json()["visibility"] == "private"
            # Nobody else does, anywhere
            for headers in (outsider, {}):
                assert (await api(f"/api/v1/statuses/{sid}", headers=headers)).status_code == 404
                for path in (
                    "/api/v1/timelines/public",
                    "/api/v1/timelines/public?local=true",
                    "/api/v1/timelines/public?remote=true",
                    "/api/v1/timelines/tag/wardthree",
                    f"/api/v1/accounts/{kept.author_id}/statuses",
                    f"/api/v1/accounts/{clinic.id}/statuses",
                ):
                    listed = await api(path, headers=headers)
                    assert listed.status_code == 200, (path, listed.text)
                    assert sid not in [s["id"] for s in listed.json()], path
                assert (await api("/api/v2/search?q=wardth", headers=headers)).json()[
                    "hashtags"
                ] == []
            found = await api("/api/v2/search", params={"q": note["id"]}, headers=outsider)
            assert found.json()["statuses"] == []
            for action in ("reblog", "favourite", "bookmark"):
                refused = await http.post(f"/api/v1/statuses/{sid}/{action}", headers=outsider)
                assert refused.status_code == 404, action
            # And even a member cannot boost it: a boost would publish it
            boosted = await http.post(f"/api/v1/statuses/{sid}/reblog", headers=member)
            assert boosted.status_code == 422
            assert "error" in boosted.json()
            async with pool.acquire() as conn:
                assert await conn.fetchval("SELECT count(*) FROM boosts") == 0
                # A post kept as public before this rule (as every such post was) is the
                # members' all the same
                await conn.execute("UPDATE posts SET visibility = 'public' WHERE id = $1", kept.id)
            assert (await api(f"/api/v1/statuses/{sid}", headers=outsider)).status_code == 404
            listed = await api("/api/v1/timelines/public", headers=outsider)
            assert sid not in [s["id"] for s in listed.json()]
            assert (await api(f"/api/v1/statuses/{sid}", headers=member)).status_code == 200
            boosted = await http.post(f"/api/v1/statuses/{sid}/reblog", headers=member)
            assert boosted.status_code == 422
            await http.aclose()


async def test_membership_of_a_private_community_is_shown_only_to_its_members(
    app: Any, config: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    from fedcop.services import accounts

    olga = await api_user(app, config, "olga")
    clinic = await accounts.create_community(
        app.state.pool, config, "clinic", title="Clinicians", owner="alice", private=True
    )
    open_group = await accounts.create_community(
        app.state.pool, config, "stewards", title="Stewards", owner="alice"
    )
    path = f"/api/v1/accounts/{alice.actor.id}/following"
    # alice (a member) sees both; olga and an anonymous reader only the open community
    mine = [a["id"] for a in (await api.get(path, headers=alice.auth)).json()]
    assert str(clinic.id) in mine and str(open_group.id) in mine
    for headers in (olga.auth, {}):
        theirs = [a["id"] for a in (await api.get(path, headers=headers)).json()]
        assert theirs == [str(open_group.id)]
        members = await api.get(f"/api/v1/accounts/{clinic.id}/followers", headers=headers)
        assert members.status_code == 200 and members.json() == []


async def test_a_token_in_the_query_string_is_not_repeated_in_the_link_header(
    app: Any, config: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    from fedcop.services import accounts, posts

    await accounts.create_community(
        app.state.pool, config, "stewards", title="Stewards", owner="alice"
    )
    await posts.write(
        app.state.pool, config, app.state.network,
        author="alice", community_uri=f"{config.base_url}/c/stewards", title="Hi", content="x",
    )  # fmt: skip
    response = await api.get(f"/api/v1/timelines/home?access_token={alice.token}&limit=1")
    assert response.status_code == 200 and len(response.json()) == 1
    assert "max_id=" in response.headers["link"]
    assert alice.token not in response.headers["link"]
    assert "access_token" not in response.headers["link"]
