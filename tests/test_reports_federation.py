"""Reports from anyone, over real sockets: alpha hosts "stewards" (facilitator fa), bea on beta
writes in it, gus on gamma reports her post, from gamma's pages and from a Mastodon app. The
report reaches the community's node (a Flag from gus) and bea's node (a Flag from gamma's
instance actor, so gus's name stays on gamma)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mastodon import Mastodon

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, oauth, posts
from fedcop.store import moderation as mod_store
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, stored, three_nodes
from tests.web_session import signed_in

PASSWORD = "long enough"
AP = "application/activity+json"


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


async def thread_by_bea(nodes: Nodes) -> Any:
    alpha, beta, gamma = nodes
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bea",
        community_uri=f"{alpha.base}/c/stewards", title="Cheap pills", content="Buy now",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    return thread


async def flags_received(node: LiveNode) -> list[tuple[str, dict[str, Any]]]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT state, document FROM inbound_activities WHERE activity_type = 'Flag' "
            "ORDER BY id"
        )
    return [(row["state"], row["document"]) for row in rows]


async def reports_kept(node: LiveNode, post_uri: str) -> list[mod_store.Report]:
    async with node.pool.acquire() as conn:
        community_id = (await stored(node, post_uri)).community_id
        return await mod_store.open_reports(conn, community_id)


async def test_a_report_from_the_web_arrives_as_flag_at_the_community_and_the_author(
    three: Nodes,
) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    gus, bea = f"{gamma.base}/u/gus", f"{beta.base}/u/bea"
    # When gus reports bea's thread from its page on gamma
    local_id = (await stored(gamma, thread.uri)).id
    async with signed_in(gamma, "gus", PASSWORD) as browser:
        page = await browser.page(f"/t/{local_id}")
        assert "<summary>Report</summary>" in page
        assert f"Also tell {beta.config.domain}" in page
        await browser.csrf(f"/t/{local_id}")
        sent = await browser.submit(
            f"/t/{local_id}/report", reason="Spam link", category="spam", forward="on"
        )
        assert sent.status_code == 200, sent.text
        assert "Report sent" in sent.text and "facilitators of Data Stewards" in sent.text
    await settle(alpha, beta, gamma)
    # Then the community's node got a Flag from gus, and its facilitators see the report
    [(state, flag)] = await flags_received(alpha)
    assert state == "done"
    assert flag["actor"] == gus
    assert flag["to"] == [f"{alpha.base}/c/stewards"]
    assert flag["object"] == [thread.uri, bea]
    assert flag["content"] == "Spam link"
    [report] = await reports_kept(alpha, thread.uri)
    assert (report.reporter_uri, report.reason) == (gus, "Spam link")
    async with signed_in(alpha, "fa", PASSWORD) as browser:
        assert "Spam link" in await browser.page("/c/stewards/manage")
    # and bea's node got a Flag from gamma's instance actor, not naming gus
    [(state, flag)] = await flags_received(beta)
    assert state == "done"
    instance = flag["actor"]
    document = (await gamma.get(instance.removeprefix(gamma.base), headers={"Accept": AP})).json()
    assert document["type"] == "Application"
    assert flag["object"] == [bea, thread.uri]
    assert flag["content"] == "Spam link"
    assert gus not in str(flag)
    [report] = await reports_kept(beta, thread.uri)
    assert (report.reporter_uri, report.reason) == (instance, "Spam link")
    # The Flag is not served at its id: who reported whom is for its recipients alone
    async with gamma.pool.acquire() as conn:
        flag_ids = [
            row["uri"]
            for row in await conn.fetch(
                "SELECT uri FROM outbound_activities WHERE document->>'type' = 'Flag'"
            )
        ]
    assert len(flag_ids) == 2
    for flag_id in flag_ids:
        path = flag_id.removeprefix(gamma.base)
        answer = await gamma.get(path, headers={"Accept": AP})
        assert answer.status_code == 404


async def test_a_report_from_a_mastodon_app_arrives_as_flag_at_the_community_and_the_author(
    three: Nodes,
) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    gus, bea = f"{gamma.base}/u/gus", f"{beta.base}/u/bea"
    token = await oauth.admin_token(gamma.pool, "gus", "read write")
    app = Mastodon(access_token=token, api_base_url=f"http://127.0.0.1:{gamma.port}")
    async with gamma.pool.acquire() as conn:
        bea_id = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", bea)
    status_id = (await stored(gamma, thread.uri)).id
    # When gus reports it from his app, asking for it to be forwarded
    filed = await asyncio.to_thread(
        app.report, bea_id, status_ids=[status_id], comment="Selling pills", forward=True,
        category="spam",
    )  # fmt: skip
    # Then the app gets the Report it expects
    assert filed["category"] == "spam"
    assert filed["comment"] == "Selling pills"
    assert filed["forwarded"] is True
    assert filed["action_taken"] is False
    assert [str(i) for i in filed["status_ids"]] == [str(status_id)]
    assert filed["target_account"]["acct"] == f"bea@{beta.config.domain}"
    await settle(alpha, beta, gamma)
    # and the community's node and bea's node each got a Flag
    [(_, to_community)] = await flags_received(alpha)
    assert (to_community["actor"], to_community["content"]) == (gus, "Selling pills")
    assert thread.uri in to_community["object"]
    [(_, to_author)] = await flags_received(beta)
    assert to_author["object"] == [bea, thread.uri]
    assert to_author["actor"] != gus
    assert [r.reason for r in await reports_kept(alpha, thread.uri)] == ["Selling pills"]
    assert [r.reason for r in await reports_kept(beta, thread.uri)] == ["Selling pills"]


async def test_a_report_about_a_person_reaches_their_node(three: Nodes) -> None:
    alpha, beta, gamma = three
    await thread_by_bea(three)  # gamma knows bea
    bea = f"{beta.base}/u/bea"
    async with signed_in(gamma, "gus", PASSWORD) as browser:
        handle = f"bea@{beta.config.domain}"
        await browser.csrf(f"/u/{handle}")
        sent = await browser.submit(f"/u/{handle}/report", reason="Impersonation", forward="on")
        assert sent.status_code == 200, sent.text
        # Nobody reports themselves
        await browser.csrf("/u/gus")
        assert "Report</summary>" not in await browser.page("/u/gus")
        assert (await browser.submit("/u/gus/report", reason="me")).status_code == 400
    await settle(alpha, beta, gamma)
    [(state, flag)] = await flags_received(beta)
    assert state == "done" and flag["object"] == [bea]
    assert flag["content"] == "Impersonation"
    assert await flags_received(alpha) == []
    async with beta.pool.acquire() as conn:
        kept = await conn.fetch("SELECT id, community_id, reason FROM reports")
    assert [(row["community_id"], row["reason"]) for row in kept] == [(None, "Impersonation")]
    # and beta's admins see it on their page, and close it there
    await accounts.create_user(beta.pool, beta.config, "root", PASSWORD, is_admin=True)
    async with signed_in(beta, "root", PASSWORD) as browser:
        await browser.csrf("/admin")
        assert "Impersonation" in await browser.page("/admin")
        closed = await browser.submit(f"/admin/reports/{kept[0]['id']}")
        assert closed.status_code == 303
        assert "Impersonation" not in await browser.page("/admin")


async def test_a_report_without_forwarding_stays_with_the_community(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await thread_by_bea(three)
    local_id = (await stored(gamma, thread.uri)).id
    async with signed_in(gamma, "gus", PASSWORD) as browser:
        await browser.csrf(f"/t/{local_id}")
        sent = await browser.submit(f"/t/{local_id}/report", reason="Not sure")
        assert sent.status_code == 200
    await settle(alpha, beta, gamma)
    assert len(await flags_received(alpha)) == 1
    assert await flags_received(beta) == []
