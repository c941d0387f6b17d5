"""Two nodes over real sockets, driven through the client API as a Mastodon app would:

    alpha: ana and carl          beta: fb, who facilitates "guild" (open) and "clinic"
                                       (joining needs approval); bo, who facilitates nothing

ana finds @guild@beta by search (WebFinger + fetch), follows it, and is a member once beta's
Accept has come back. ana and carl ask to join clinic; fb lets ana in and turns carl away;
bo can do neither. Every request really crosses TCP, signed and verified.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts, resolving
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from federation.fetch_errors import IdMismatchError
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import microblog_server
from tests.scene import settle


@dataclass
class Client:
    """A user's app talking to their node over TCP with their bearer token."""

    node: LiveNode
    token: str

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Host": self.node.config.domain, "Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.node.port}") as http:
            return await http.request(method, path, headers=headers, **kwargs)

    async def relationship(self, account_id: str) -> Any:
        response = await self.call(
            "GET", "/api/v1/accounts/relationships", params={"id[]": account_id}
        )
        return response.json()[0]

    async def find(self, handle: str) -> Any:
        response = await self.call(
            "GET", "/api/v2/search", params={"q": handle, "resolve": "true", "type": "accounts"}
        )
        assert response.status_code == 200
        [account] = response.json()["accounts"]
        return account


async def _client(node: LiveNode, name: str, scopes: str = "read write follow") -> Client:
    await accounts.create_user(node.pool, node.config, name, "long enough")
    return Client(node, await oauth.admin_token(node.pool, name, scopes))


@dataclass
class Scene:
    alpha: LiveNode
    beta: LiveNode
    ana: Client
    carl: Client
    fb: Client
    bo: Client


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        ana = await _client(alpha, "ana")
        carl = await _client(alpha, "carl")
        fb = await _client(beta, "fb")
        bo = await _client(beta, "bo")
        await accounts.create_community(beta.pool, beta.config, "guild", title="Guild", owner="fb")
        await accounts.create_community(
            beta.pool, beta.config, "clinic", title="Clinicians", owner="fb"
        )
        await follows.set_manual_approval(beta.pool, "clinic", True)
        yield Scene(alpha, beta, ana, carl, fb, bo)


async def test_a_member_elsewhere_finds_and_joins_a_community(scene: Scene) -> None:
    alpha, beta, ana = scene.alpha, scene.beta, scene.ana
    handle = f"@guild@{beta.config.domain}"

    # When ana searches for the community's handle with resolve=true
    guild = await ana.find(handle)

    # Then alpha has looked it up on beta and shows it as a community account
    assert guild["acct"] == f"guild@{beta.config.domain}"
    assert guild["group"] is True
    assert guild["display_name"] == "Guild"
    assert guild["url"] == f"{beta.base}/c/guild"
    # and without resolve it is now found as stored
    stored = await ana.call("GET", "/api/v2/search", params={"q": handle[1:]})
    assert [a["id"] for a in stored.json()["accounts"]] == [guild["id"]]

    # When she follows it, she waits for beta's answer
    asked = await ana.call("POST", f"/api/v1/accounts/{guild['id']}/follow")
    assert asked.status_code == 200
    assert (asked.json()["following"], asked.json()["requested"]) == (False, True)

    # Then once both nodes have done their work, she is a member on both sides
    await settle(alpha, beta)
    joined = await ana.relationship(guild["id"])
    assert (joined["following"], joined["requested"]) == (True, False)
    members = await scene.fb.call(
        "GET", f"/api/v1/accounts/{await _id(scene.fb, 'guild')}/followers"
    )
    assert f"ana@{alpha.config.domain}" in {m["acct"] for m in members.json()}

    # When she unfollows, she has left on both sides
    left = await ana.call("POST", f"/api/v1/accounts/{guild['id']}/unfollow")
    assert left.json()["following"] is False
    await settle(alpha, beta)
    members = await scene.fb.call(
        "GET", f"/api/v1/accounts/{await _id(scene.fb, 'guild')}/followers"
    )
    assert {m["acct"] for m in members.json()} == {"fb"}


async def _id(client: Client, acct: str) -> str:
    response = await client.call("GET", "/api/v1/accounts/lookup", params={"acct": acct})
    assert response.status_code == 200, acct
    return str(response.json()["id"])


async def test_the_facilitator_decides_who_joins_from_elsewhere(scene: Scene) -> None:
    alpha, beta, ana, carl, fb, bo = (
        scene.alpha,
        scene.beta,
        scene.ana,
        scene.carl,
        scene.fb,
        scene.bo,
    )
    handle = f"clinic@{beta.config.domain}"
    # Given ana and carl on alpha asked to join clinic on beta
    for member in (ana, carl):
        clinic = await member.find(handle)
        asked = await member.call("POST", f"/api/v1/accounts/{clinic['id']}/follow")
        assert asked.json()["requested"] is True
    await settle(alpha, beta)
    clinic_here = await _id(fb, "clinic")

    # fb, its facilitator, sees both requests on beta (in the order beta received them)
    waiting = await fb.call("GET", "/api/v1/follow_requests")
    by_acct = {a["acct"]: a["id"] for a in waiting.json()}
    assert set(by_acct) == {f"ana@{alpha.config.domain}", f"carl@{alpha.config.domain}"}
    ana_on_beta = by_acct[f"ana@{alpha.config.domain}"]
    carl_on_beta = by_acct[f"carl@{alpha.config.domain}"]

    # Bad input changes nothing: bo facilitates nothing, ids that name nobody, a token without
    # the follow scope
    assert (await bo.call("GET", "/api/v1/follow_requests")).json() == []
    for path in (
        f"/api/v1/follow_requests/{ana_on_beta}/authorize",
        f"/api/v1/follow_requests/{carl_on_beta}/reject",
    ):
        refused = await bo.call("POST", path)
        assert (refused.status_code, refused.json()) == (404, {"error": "Record not found"})
    for bad in ("nonsense", "123456789", str(2**63)):
        response = await fb.call("POST", f"/api/v1/follow_requests/{bad}/authorize")
        assert response.status_code == 404, bad
    reader = Client(beta, await oauth.admin_token(beta.pool, "fb", "read"))
    no_scope = await reader.call("POST", f"/api/v1/follow_requests/{ana_on_beta}/authorize")
    assert no_scope.status_code == 403
    await settle(alpha, beta)
    assert len((await fb.call("GET", "/api/v1/follow_requests")).json()) == 2
    clinic_on_alpha = (await ana.find(handle))["id"]
    assert (await ana.relationship(clinic_on_alpha))["requested"] is True

    # When fb lets ana in and turns carl away
    authorized = await fb.call("POST", f"/api/v1/follow_requests/{ana_on_beta}/authorize")
    rejected = await fb.call("POST", f"/api/v1/follow_requests/{carl_on_beta}/reject")
    assert (authorized.status_code, rejected.status_code) == (200, 200)
    await settle(alpha, beta)

    # Then alpha knows: ana is a member, carl is not and has no request left
    ana_now = await ana.relationship(clinic_on_alpha)
    carl_now = await carl.relationship(clinic_on_alpha)
    assert (ana_now["following"], ana_now["requested"]) == (True, False)
    assert (carl_now["following"], carl_now["requested"]) == (False, False)
    # and beta lists ana among the members, with no request waiting
    members = await fb.call("GET", f"/api/v1/accounts/{clinic_here}/followers")
    assert {m["acct"] for m in members.json()} == {"fb", f"ana@{alpha.config.domain}"}
    assert (await fb.call("GET", "/api/v1/follow_requests")).json() == []


async def test_a_post_elsewhere_is_found_by_its_url(scene: Scene) -> None:
    alpha, beta, ana = scene.alpha, scene.beta, scene.ana
    # Given a thread and a reply in guild on beta, which alpha has never seen
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="fb",
        community_uri=f"{beta.base}/c/guild", title="Minutes", content="Read the #minutes",
    )  # fmt: skip
    reply = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bo",
        community_uri=f"{beta.base}/c/guild", content="Thanks!", in_reply_to=thread.uri,
    )  # fmt: skip
    await settle(alpha, beta)

    # When ana pastes their URLs into search with resolve=true
    found = []
    for post in (thread, reply):
        response = await ana.call(
            "GET", "/api/v2/search", params={"q": post.uri, "resolve": "true"}
        )
        assert response.status_code == 200
        found.append(response.json()["statuses"])

    # Then alpha fetched and kept each, as a post of guild, and shows it as a status
    [[shown_thread], [shown_reply]] = found
    assert shown_thread["uri"] == thread.uri
    assert shown_thread["account"]["acct"] == f"fb@{beta.config.domain}"
    assert "Minutes" in shown_thread["content"]
    assert shown_reply["uri"] == reply.uri
    assert shown_reply["in_reply_to_id"] == shown_thread["id"]
    async with alpha.pool.acquire() as conn:
        kept = await post_store.find_by_uri(conn, reply.uri)
        guild = await actor_store.find_by_uri(conn, f"{beta.base}/c/guild")
    assert kept is not None and guild is not None and kept.community_id == guild.id
    # and searching again finds the kept copy without asking beta
    again = await ana.call("GET", "/api/v2/search", params={"q": thread.uri})
    assert [s["id"] for s in again.json()["statuses"]] == [shown_thread["id"]]

    # A URL that names nothing on beta gives no result, and keeps nothing
    missing = await ana.call(
        "GET", "/api/v2/search", params={"q": f"{beta.base}/p/1", "resolve": "true"}
    )
    assert missing.json() == {"accounts": [], "statuses": [], "hashtags": []}


async def test_a_post_is_found_by_the_address_of_its_page(scene: Scene) -> None:
    alpha, beta, ana = scene.alpha, scene.beta, scene.ana
    guild = f"{beta.base}/c/guild"
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="fb",
        community_uri=guild, title="Agenda", content="Items for Thursday",
    )  # fmt: skip
    with microblog_server("masto") as masto:
        # A Mastodon user's thread in guild, whose page address is /@masto/ID
        note = masto.status(
            "<p>@guild Shared drive layout</p><p>How do you name folders?</p>",
            cc=[guild],
            tag=[{"type": "Mention", "href": guild, "name": f"@guild@{beta.config.domain}"}],
        )
        page = f"{masto.origin}/@{masto.name}/{note['id'].rsplit('/', 1)[1]}"
        # When ana pastes the pages' addresses (fedcop's /t/N and Mastodon's /@name/N)
        found = {}
        for address in (f"{beta.base}/t/{thread.id}", page):
            response = await ana.call(
                "GET", "/api/v2/search", params={"q": address, "resolve": "true"}
            )
            assert response.status_code == 200
            found[address] = [s["uri"] for s in response.json()["statuses"]]
    # Then each is found under its own id, and kept as a post of guild
    assert found == {f"{beta.base}/t/{thread.id}": [thread.uri], page: [note["id"]]}
    async with alpha.pool.acquire() as conn:
        kept = await post_store.find_by_uri(conn, note["id"])
    assert kept is not None and kept.title == "Shared drive layout"


async def test_a_page_claiming_a_document_on_another_host_finds_nothing(scene: Scene) -> None:
    alpha = scene.alpha
    guild = f"{scene.beta.base}/c/guild"
    with microblog_server("masto") as masto, microblog_server("other") as other:
        # A page on masto's host that serves a document whose id is on another host (a post
        # that would otherwise be kept: it is in guild)
        note = other.status(
            "<p>@guild Not masto's</p>",
            cc=[guild],
            tag=[{"type": "Mention", "href": guild, "name": f"@guild@{scene.beta.config.domain}"}],
        )
        masto.statuses[f"{masto.user}/statuses/1"] = note
        page = f"{masto.origin}/@{masto.name}/1"
        # The page is not followed to the other host
        with pytest.raises(IdMismatchError):
            await resolving.fetch_at_its_id(alpha.pool, alpha.app.state.network, page)
        # and search finds and keeps nothing
        response = await scene.ana.call(
            "GET", "/api/v2/search", params={"q": page, "resolve": "true"}
        )
    assert response.json()["statuses"] == []
    async with alpha.pool.acquire() as conn:
        assert await post_store.find_by_uri(conn, note["id"]) is None
