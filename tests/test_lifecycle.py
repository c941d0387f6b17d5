"""A community's lifecycle stage, over real sockets: alpha hosts "stewards" (facilitator fa),
bea on beta and gus on gamma are members. fa sets the stage on the Facilitate page; every
node shows it; Closed makes the community a read-only archive on every path in."""

from __future__ import annotations

import html
from collections.abc import AsyncIterator

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts, votes
from fedcop.store import actors as actor_store
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, stored, three_nodes
from tests.web_session import signed_in

AP = {"Accept": "application/activity+json"}
CLOSED_SENTENCE = "Data Stewards is closed: it is kept as a read-only archive"


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


async def set_stage_on_the_web(node: LiveNode, who: str, stage: str) -> int:
    async with signed_in(node, who, "long enough") as browser:
        await browser.csrf("/c/stewards/manage" if who == "fa" else "/c/stewards")
        response = await browser.submit("/c/stewards/manage/stage", stage=stage)
        return response.status_code


async def cached_stage(node: LiveNode, uri: str) -> str | None:
    async with node.pool.acquire() as conn:
        found = await actor_store.find_by_uri(conn, uri)
        assert found is not None
        return found.stage


async def test_a_facilitator_sets_the_stage_and_every_node_shows_it(three: Nodes) -> None:
    alpha, beta, gamma = three
    community = f"{alpha.base}/c/stewards"
    await accounts.create_user(alpha.pool, alpha.config, "ola", "long enough")
    # A community whose stage was never set states none
    assert "fedcop:stage" not in (await alpha.get("/c/stewards", headers=AP)).json()
    # When ola, who does not facilitate it, tries to set it, she is refused
    assert await set_stage_on_the_web(alpha, "ola", "Grow") == 403
    assert await cached_stage(alpha, community) is None
    # When fa sets it to Grow on the Facilitate page
    assert await set_stage_on_the_web(alpha, "fa", "Grow") == 303
    # Then the community's page shows it, and so does its actor document, in fedcop's namespace
    page = (await alpha.get("/c/stewards")).text
    assert "Stage: <strong>Grow</strong>" in page
    document = (await alpha.get("/c/stewards", headers=AP)).json()
    assert document["fedcop:stage"] == "Grow"
    assert {"fedcop": "https://fedcop.org/ns#"}.items() <= document["@context"][2].items()
    # and the moderation log says who set it, and to what
    log = html.unescape((await alpha.get("/c/stewards/modlog")).text)
    assert "set the stage of" in log and "<q>Grow</q>" in log and 'href="/u/fa"' in log
    # and a value outside the stages changes nothing
    async with signed_in(alpha, "fa", "long enough") as browser:
        await browser.csrf("/c/stewards/manage")
        assert (await browser.submit("/c/stewards/manage/stage", stage="Shiny")).status_code == 400
    assert (await alpha.get("/c/stewards", headers=AP)).json()["fedcop:stage"] == "Grow"
    # When the Update of the Group has reached the members' nodes
    await settle(alpha, beta, gamma)
    # Then beta and gamma keep the stage with the cached community, and beta's page shows it
    assert await cached_stage(beta, community) == "Grow"
    assert await cached_stage(gamma, community) == "Grow"
    async with signed_in(beta, "bea", "long enough") as browser:
        remote_page = await browser.page(f"/c/stewards@{alpha.config.domain}")
    assert "Stage: <strong>Grow</strong>" in remote_page


async def test_a_closed_community_stays_readable_and_takes_nothing_new(three: Nodes) -> None:
    alpha, beta, gamma = three
    community = f"{alpha.base}/c/stewards"
    network = gamma.app.state.network
    # Given a thread gus wrote while the community was open
    thread = await posts.write(
        gamma.pool, gamma.config, network,
        author="gus", community_uri=community, title="Retention", content="Ideas?",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    local_thread = await stored(alpha, thread.uri)
    async with signed_in(alpha, "fa", "long enough") as browser:
        assert "Start a thread" in await browser.page("/c/stewards")
        assert f'action="/t/{local_thread.id}/reply"' in await browser.page(f"/t/{local_thread.id}")
    # When fa closes the community
    assert await set_stage_on_the_web(alpha, "fa", "Closed") == 303
    await settle(alpha, beta, gamma)
    # Then the thread is still readable, and the community's page says it is closed
    assert "Retention" in (await alpha.get(f"/t/{local_thread.id}")).text
    assert "a read-only archive" in (await alpha.get("/c/stewards")).text
    # and a new thread from the web is refused with the sentence
    async with signed_in(alpha, "fa", "long enough") as browser:
        # (the pages offer no form to add anything: the thread says it is an archive)
        assert "Start a thread" not in await browser.page("/c/stewards")
        thread_page = await browser.page(f"/t/{local_thread.id}")
        assert f'action="/t/{local_thread.id}/reply"' not in thread_page
        assert f'action="/t/{local_thread.id}/like"' not in thread_page
        assert "is closed: it is kept as a read-only archive" in thread_page
        await browser.csrf("/c/stewards")
        refused = await browser.submit("/c/stewards/threads", title="More", content="Anyone?")
    assert refused.status_code == 400
    assert CLOSED_SENTENCE in html.unescape(refused.text)
    # and a reply from the client API is refused as Mastodon apps expect (422, an error)
    token = await oauth.admin_token(alpha.pool, "fa", "write")
    async with alpha.pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM posts")
    response = await _api_post(alpha, token, "Me too", str(local_thread.id))
    assert response.status_code == 422, response.text
    assert CLOSED_SENTENCE in response.json()["error"]
    # and bea, on beta, is refused by her own node, which read the stage from the Update
    async with signed_in(beta, "bea", "long enough") as browser:
        handle = f"stewards@{alpha.config.domain}"
        await browser.csrf(f"/c/{handle}")
        refused = await browser.submit(f"/c/{handle}/threads", title="Late", content="Hi")
    assert refused.status_code == 400
    assert CLOSED_SENTENCE in html.unescape(refused.text)
    # When a node that has not heard yet (gamma's cache still says Grow-less) sends a reply
    async with gamma.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET stage = NULL WHERE uri = $1", community)
    reply = await posts.write(
        gamma.pool, gamma.config, network,
        author="gus", community_uri=community, content="Late answer", in_reply_to=thread.uri,
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # Then alpha's inbox kept nothing, and recorded why
    assert await stored(alpha, reply.uri) is None
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities "
            "WHERE activity_type = 'Create' AND coalesce("
            "  document->'object'->>'id', document->>'object') = $1",
            reply.uri,
        )
        after = await conn.fetchval("SELECT count(*) FROM posts")
    assert row is not None and row["state"] == "rejected"
    assert CLOSED_SENTENCE in row["last_error"]
    assert after == before


async def _api_post(node: LiveNode, token: str, text: str, in_reply_to_id: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        return await http.post(
            "/api/v1/statuses",
            headers={"Host": node.config.domain, "Authorization": f"Bearer {token}"},
            data={"status": text, "in_reply_to_id": in_reply_to_id},
        )


async def test_a_closed_community_takes_no_votes_or_joins(three: Nodes) -> None:
    alpha, beta, gamma = three
    community = f"{alpha.base}/c/stewards"
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community, title="Retention", content="Ideas?",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    local_thread = await stored(alpha, thread.uri)
    await accounts.create_user(alpha.pool, alpha.config, "ola", "long enough")
    await accounts.create_user(beta.pool, beta.config, "bob", "long enough")
    await accounts.create_user(gamma.pool, gamma.config, "gil", "long enough")
    # Given the community is closed, and gamma has not heard yet
    assert await set_stage_on_the_web(alpha, "fa", "Closed") == 303
    await settle(alpha, beta, gamma)
    async with gamma.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET stage = NULL WHERE uri = $1", community)
    # When fa favourites the thread from the client API, she is refused with the sentence
    token = await oauth.admin_token(alpha.pool, "fa", "write")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}") as http:
        response = await http.post(
            f"/api/v1/statuses/{local_thread.id}/favourite",
            headers={"Host": alpha.config.domain, "Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 422, response.text
    assert CLOSED_SENTENCE in response.json()["error"]
    # When ola, here, asks to join on the web, she is refused and is no member
    async with signed_in(alpha, "ola", "long enough") as browser:
        assert ">Join<" not in await browser.page("/c/stewards")
        await browser.csrf("/c/stewards")
        refused = await browser.submit("/c/stewards/join")
    assert refused.status_code == 400
    assert CLOSED_SENTENCE in html.unescape(refused.text)
    # When bob on beta asks his own node to join, beta refuses: it read the stage
    async with signed_in(beta, "bob", "long enough") as browser:
        handle = f"stewards@{alpha.config.domain}"
        await browser.csrf(f"/c/{handle}")
        refused = await browser.submit(f"/c/{handle}/join")
    assert refused.status_code == 400
    assert CLOSED_SENTENCE in html.unescape(refused.text)
    # When gus votes and gil joins from gamma, which still thinks it open
    network = gamma.app.state.network
    await votes.vote(gamma.pool, gamma.config, voter="gus", post_uri=thread.uri)
    await follows.follow_remote(gamma.pool, gamma.config, network, "gil", community)
    await settle(alpha, beta, gamma)
    # Then alpha kept neither, and recorded why; gil's request was answered with a Reject
    async with alpha.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT activity_type, state, last_error FROM inbound_activities "
            "WHERE actor_uri = ANY($1) AND activity_type IN ('Like', 'Follow') ORDER BY id",
            [f"{gamma.base}/u/gus", f"{gamma.base}/u/gil"],
        )
        members = await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id WHERE a.uri = $1",
            f"{gamma.base}/u/gil",
        )
        likes = await conn.fetchval(
            "SELECT count(*) FROM votes WHERE post_id = $1", local_thread.id
        )
    assert [(r["activity_type"], r["state"]) for r in rows][-2:] == [
        ("Like", "rejected"),
        ("Follow", "rejected"),
    ]
    assert all(CLOSED_SENTENCE in r["last_error"] for r in rows[-2:])
    assert members == 0 and likes == 0
    async with gamma.pool.acquire() as conn:
        pending = await conn.fetchval(
            "SELECT count(*) FROM follows f JOIN actors a ON a.id = f.follower_id "
            "JOIN actors c ON c.id = f.followed_id WHERE a.username = 'gil' "
            "AND a.domain IS NULL AND c.uri = $1",
            community,
        )
    assert pending == 0
