"""A facilitator whose account lives on another node than the community, over real sockets:
alpha hosts "stewards" (facilitator fa), bea on beta and gus on gamma are members. fa makes bea
a facilitator; bea facilitates from beta's own pages, with a session and its CSRF token."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import (
    accounts,
    follows,
    moderation,
    posts,
    remote_actors,
    remote_facilitators,
)
from fedcop.services.errors import InvalidInput
from fedcop.services.moderation import Action
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from tests.browser import browser, unlabelled_fields
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, stored, three_nodes
from tests.web_session import signed_in

AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


def community(alpha: LiveNode) -> str:
    return f"{alpha.base}/c/stewards"


async def facilitators_known(node: LiveNode, community_uri: str) -> list[str]:
    async with node.pool.acquire() as conn:
        found = await actor_store.find_by_uri(conn, community_uri)
        assert found is not None
        return sorted(a.uri for a in await actor_store.facilitators_of(conn, found.id))


async def test_a_remote_facilitator_pins_and_removes_from_their_own_nodes_pages(
    three: Nodes,
) -> None:
    alpha, beta, gamma = three
    bea = f"{beta.base}/u/bea"
    handle = f"stewards@{alpha.config.domain}"
    # Given a thread by gus, and bea made a facilitator by fa on alpha
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community(alpha), title="Retention", content="Ideas?",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    await moderation.act(
        alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
        community_uri=community(alpha), action=Action("add_facilitator", bea),
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # Then beta learned it from the community's Announce(Add) (fa it read when bea joined)
    assert await facilitators_known(beta, community(alpha)) == sorted([f"{alpha.base}/u/fa", bea])
    async with signed_in(beta, "bea", "long enough") as browser:
        # and bea finds the Facilitate link and page on her own node
        assert f"/c/{handle}/manage" in await browser.page(f"/c/{handle}")
        desk = await browser.page(f"/c/{handle}/manage")
        assert "Retention" in desk and ">Pin<" in desk
        local_id = (await stored(beta, thread.uri)).id
        await browser.csrf(f"/c/{handle}/manage")
        # When she pins gus's thread from there
        pinned = await browser.submit(f"/t/{local_id}/moderate", action="pin", **{"from": "manage"})
        assert pinned.status_code == 303
        assert pinned.headers["location"].endswith(f"/c/{handle}/manage")
        await settle(alpha, beta, gamma)
        # Then alpha pinned it, and the pin came back to beta (and reached gamma)
        featured = (await alpha.get("/c/stewards/featured", headers=AP)).json()
        assert featured["orderedItems"] == [thread.uri]
        for node in (beta, gamma):
            async with node.pool.acquire() as conn:
                community_id = (await stored(node, thread.uri)).community_id
                assert await mod_store.pinned_uris(conn, community_id) == [thread.uri], node.base
        assert ">Unpin<" in await browser.page(f"/c/{handle}/manage")
        # When she removes it, with a reason, from the thread's own page
        assert "Remove thread" in await browser.page(f"/t/{local_id}")
        await browser.csrf(f"/t/{local_id}")
        removed = await browser.submit(
            f"/t/{local_id}/moderate", action="remove", reason="off topic", confirmed="yes"
        )
        assert removed.status_code == 303
        await settle(alpha, beta, gamma)
    # Then every node hides it, and alpha's log says bea did it, and why
    for node in three:
        assert (await stored(node, thread.uri)).removed_at is not None, node.base
    async with alpha.pool.acquire() as conn:
        log = await mod_store.log_of(conn, (await stored(alpha, thread.uri)).community_id)
    assert [(e.action, e.moderator_uri, e.reason) for e in log[:2]] == [
        ("remove", bea, "off topic"),
        ("pin", bea, ""),
    ]
    # The activities bea's node sent are those Lemmy takes from a moderator: public, in cc
    async with beta.pool.acquire() as conn:
        sent = [
            row["document"]
            for row in await conn.fetch(
                "SELECT document FROM outbound_activities WHERE document->>'actor' = $1 "
                "AND document->>'type' IN ('Add', 'Delete') ORDER BY id",
                bea,
            )
        ]
    assert [(a["type"], a["object"], a.get("target")) for a in sent] == [
        ("Add", thread.uri, f"{community(alpha)}/featured"),
        ("Delete", thread.uri, None),
    ]
    for activity in sent:
        assert activity["to"] == ["https://www.w3.org/ns/activitystreams#Public"]
        assert activity["cc"] == [community(alpha)]
        assert activity["audience"] == community(alpha)


async def test_someone_who_is_no_facilitator_gets_no_controls(three: Nodes) -> None:
    alpha, beta, _ = three
    handle = f"stewards@{alpha.config.domain}"
    await accounts.create_user(beta.pool, beta.config, "admin", "long enough", is_admin=True)
    async with signed_in(beta, "bea", "long enough") as browser:
        assert "/manage" not in await browser.page(f"/c/{handle}")
        response = await browser.http.get(f"/c/{handle}/manage")
        assert response.status_code == 404
        assert "only facilitators" in response.text
    # Not even beta's admin: alpha decides who facilitates its community
    async with signed_in(beta, "admin", "long enough") as browser:
        assert (await browser.http.get(f"/c/{handle}/manage")).status_code == 404


async def test_the_moderators_collection_is_read_on_joining_and_on_refresh(
    three: Nodes,
) -> None:
    alpha, beta, gamma = three
    # Given bo on beta, made a facilitator on alpha while beta heard nothing of it
    await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
    bo = f"{beta.base}/u/bo"
    async with alpha.pool.acquire() as conn:
        community_id = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", community(alpha))
        bo_actor = await conn.fetchval("SELECT count(*) FROM actors WHERE uri = $1", bo)
    assert bo_actor == 0
    remote_bo = await alpha.app.state.network.fetch(bo)
    bo_here = await remote_actors.store_actor(alpha.pool, remote_bo)
    async with alpha.pool.acquire() as conn:
        assert await mod_store.add_facilitator(conn, community_id, bo_here.id)
    # When bo joins the community from beta
    await follows.follow_remote(
        beta.pool, beta.config, beta.app.state.network, "bo", community(alpha)
    )
    await settle(alpha, beta, gamma)
    # Then beta read the moderators collection with the join: bo has the controls
    assert await facilitators_known(beta, community(alpha)) == sorted([f"{alpha.base}/u/fa", bo])
    # When alpha drops bo without a word, the next refresh of the community reads it again
    async with alpha.pool.acquire() as conn:
        assert await mod_store.remove_facilitator(conn, community_id, bo_here.id)
    kept = await remote_facilitators.read_moderators(
        beta.pool, beta.app.state.network, community(alpha)
    )
    assert kept == 1
    assert await facilitators_known(beta, community(alpha)) == [f"{alpha.base}/u/fa"]


async def test_a_remote_facilitator_locks_unlocks_and_bans_from_their_own_node(
    three: Nodes,
) -> None:
    alpha, beta, gamma = three
    bea, gus = f"{beta.base}/u/bea", f"{gamma.base}/u/gus"
    handle = f"stewards@{alpha.config.domain}"
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community(alpha), title="Buy now", content="Cheap pills",
    )  # fmt: skip
    await moderation.act(
        alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
        community_uri=community(alpha), action=Action("add_facilitator", bea),
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    local_id = (await stored(beta, thread.uri)).id
    async with signed_in(beta, "bea", "long enough") as browser:
        await browser.csrf(f"/c/{handle}/manage")
        # When bea locks the thread from beta's Facilitate page
        await browser.submit(f"/t/{local_id}/moderate", action="lock", **{"from": "manage"})
        await settle(alpha, beta, gamma)
        # Then it is locked everywhere, and her page offers to unlock it
        for node in three:
            assert (await stored(node, thread.uri)).locked, node.base
        assert ">Unlock<" in await browser.page(f"/c/{handle}/manage")
        # When she unlocks it (an Undo naming her Lock, as beta learned it back from alpha)
        await browser.submit(f"/t/{local_id}/moderate", action="unlock", **{"from": "manage"})
        await settle(alpha, beta, gamma)
        for node in three:
            assert not (await stored(node, thread.uri)).locked, node.base
        # When she bans gus, with a reason
        banned = await browser.submit(
            f"/c/{handle}/manage/bans",
            who=f"gus@{gamma.config.domain}",
            reason="spam",
            confirmed="yes",
        )
        assert banned.status_code == 303, banned.text
        await settle(alpha, beta, gamma)
    # Then alpha banned him, and his own node refuses his next post before sending it
    async with alpha.pool.acquire() as conn:
        community_id = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", community(alpha))
        gus_id = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", gus)
        assert await mod_store.is_banned(conn, community_id, gus_id)
    with pytest.raises(InvalidInput, match="banned"):
        await posts.write(
            gamma.pool, gamma.config, gamma.app.state.network,
            author="gus", community_uri=community(alpha), title="Again", content="pills",
        )  # fmt: skip


async def test_in_a_real_browser_a_remote_facilitator_pins_and_reports(three: Nodes) -> None:
    alpha, beta, gamma = three
    bea = f"{beta.base}/u/bea"
    handle = f"stewards@{alpha.config.domain}"
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community(alpha), title="Retention", content="Ideas?",
    )  # fmt: skip
    await moderation.act(
        alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
        community_uri=community(alpha), action=Action("add_facilitator", bea),
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    local_id = (await stored(beta, thread.uri)).id
    # The browser reaches beta by its address (it cannot resolve *.test names)
    at_beta = f"http://127.0.0.1:{beta.port}"
    async with browser() as page:
        await page.goto(f"{at_beta}/login")
        await page.get_by_label("Account name").fill("bea")
        await page.get_by_label("Password").fill("long enough")
        await page.get_by_role("button", name="Sign in").click()
        await page.get_by_role("button", name="Sign out").wait_for()
        # When bea opens the community on her node and follows its Facilitate link
        await page.goto(f"{at_beta}/c/{handle}")
        await page.get_by_role("link", name="Facilitate this community").click()
        assert await unlabelled_fields(page) == [], page.url
        # and pins gus's thread
        row = page.locator(f"#thread-{local_id}")
        await row.get_by_role("button", name="Pin", exact=True).click()
        await page.wait_for_url(f"**/c/{handle}/manage")
        await settle(alpha, beta, gamma)
        # Then, once alpha has announced it, her page shows it pinned
        await page.reload()
        await row.get_by_role("button", name="Unpin", exact=True).wait_for()
        assert "pinned" in await row.inner_text()
        # When she reports the thread from its page
        await page.goto(f"{at_beta}/t/{local_id}")
        await page.locator("details.report summary").first.click()
        assert await unlabelled_fields(page) == [], page.url
        await page.get_by_label("What is wrong with this post?").fill("Off topic")
        await page.get_by_role("button", name="Send report").click()
        await page.get_by_role("heading", name="Report sent").wait_for()
    await settle(alpha, beta, gamma)
    # Then alpha's featured collection has it, and alpha and gamma each got the report's Flag
    featured = (await alpha.get("/c/stewards/featured", headers=AP)).json()
    assert featured["orderedItems"] == [thread.uri]
    for node, actor in ((alpha, bea), (gamma, f"{beta.base}/actor")):
        async with node.pool.acquire() as conn:
            flag = await conn.fetchval(
                "SELECT document FROM inbound_activities WHERE activity_type = 'Flag'"
            )
        assert (flag["actor"], flag["content"]) == (actor, "Off topic"), node.base


async def test_a_facilitator_who_is_not_a_member_learns_it_on_their_node(three: Nodes) -> None:
    alpha, beta, gamma = three
    # Given nobody on gamma follows the community any more, and gil there is no member
    await follows.leave(gamma.pool, gamma.config, "gus", community(alpha))
    await accounts.create_user(gamma.pool, gamma.config, "gil", "long enough")
    await settle(alpha, beta, gamma)
    gil = f"{gamma.base}/u/gil"
    # When fa makes gil a facilitator, then takes it back
    for kind in ("add_facilitator", "remove_facilitator"):
        await moderation.act(
            alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
            community_uri=community(alpha), action=Action(kind, gil),
        )  # fmt: skip
        await settle(alpha, beta, gamma)
        # Then gamma applied the community's Announce, sent to gil's server
        known = await facilitators_known(gamma, community(alpha))
        assert (gil in known) == (kind == "add_facilitator"), kind
    async with gamma.pool.acquire() as conn:
        states = await conn.fetch(
            "SELECT state FROM inbound_activities WHERE activity_type = 'Announce' "
            "AND document->'object'->>'object' = $1",
            gil,
        )
    assert [row["state"] for row in states] == ["done", "done"]


async def test_a_member_who_is_no_facilitator_is_refused_before_anything_is_sent(
    three: Nodes,
) -> None:
    alpha, beta, gamma = three
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community(alpha), title="Retention", content="Ideas?",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    local_id = (await stored(beta, thread.uri)).id
    async with signed_in(beta, "bea", "long enough") as browser:
        assert "Facilitate" not in await browser.page(f"/t/{local_id}")
        await browser.csrf(f"/t/{local_id}")
        refused = await browser.submit(f"/t/{local_id}/moderate", action="pin")
        assert refused.status_code == 403
        assert "facilitators can do that" in refused.text
    async with beta.pool.acquire() as conn:
        sent = await conn.fetchval(
            "SELECT count(*) FROM outbound_activities WHERE document->>'type' = 'Add'"
        )
    assert sent == 0
