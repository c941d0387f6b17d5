"""A Closed community is an archive on every door, and facilitators elsewhere set the stage
from their own node; over real sockets. alpha hosts "stewards" (facilitator fa), bea on beta
and gus on gamma are members.

    Closed: nobody edits (web, client API, inbox) or boosts (client API, inbox) what it keeps;
    an author may still delete their own post, on every door.
    bea, made a facilitator, sets the stage on beta's Facilitate page -> her Update of the
    Group goes to alpha, which takes it from a facilitator, logs it and announces it.
    Mastodon apps see the stage as a profile field of the community's account.
"""

from __future__ import annotations

import html
from typing import Any

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import boosts, lifecycle, moderation, oauth, post_changes, posts
from fedcop.services.moderation import Action
from fedcop.store import actors as actor_store
from fedcop.store import users as user_store
from tests.live_node import LiveNode
from tests.microblog_server import microblog_server
from tests.scene import settle, stored, three_nodes
from tests.signed_requests import encoded, post
from tests.web_session import signed_in

CLOSED_SENTENCE = "Data Stewards is closed: it is kept as a read-only archive"


async def api(node: LiveNode, token: str, method: str, path: str, **data: str) -> httpx.Response:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        return await http.request(
            method,
            path,
            headers={"Host": node.config.domain, "Authorization": f"Bearer {token}"},
            data=data or None,
        )


async def set_stage(node: LiveNode, who: str, handle: str, stage: str) -> httpx.Response:
    async with signed_in(node, who, "long enough") as browser:
        await browser.csrf(f"/c/{handle}/manage")
        return await browser.submit(f"/c/{handle}/manage/stage", stage=stage)


async def inbound(node: LiveNode, activity_type: str, actor_uri: str) -> Any:
    async with node.pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities "
            "WHERE activity_type = $1 AND actor_uri = $2 ORDER BY id DESC LIMIT 1",
            activity_type,
            actor_uri,
        )


async def test_a_closed_community_takes_no_edits_or_boosts_but_authors_may_delete(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        community = f"{alpha.base}/c/stewards"
        # Given fa's thread, gus's reply and bea's, written while the community was open
        thread = await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="fa",
            community_uri=community, title="Retention", content="Ideas?",
        )  # fmt: skip
        await settle(*nodes)
        replies = {}
        for node, name in ((gamma, "gus"), (beta, "bea")):
            replies[name] = await posts.write(
                node.pool, node.config, node.app.state.network, author=name,
                community_uri=community, content=f"{name}'s idea.", in_reply_to=thread.uri,
            )  # fmt: skip
        await settle(*nodes)
        # When fa closes it (gamma has not heard yet: its cache is reset below)
        assert (await set_stage(alpha, "fa", "stewards", "Closed")).status_code == 303
        await settle(*nodes)
        async with gamma.pool.acquire() as conn:
            await conn.execute("UPDATE actors SET stage = NULL WHERE uri = $1", community)

        # Then fa's thread page offers Delete but no Edit, and an edit from the web is refused
        async with signed_in(alpha, "fa", "long enough") as fa:
            page = await fa.page(f"/t/{thread.id}")
            assert f'href="/t/{thread.id}/edit"' not in page
            assert f'action="/t/{thread.id}/delete"' in page
            await fa.csrf(f"/t/{thread.id}")
            refused = await fa.submit(f"/t/{thread.id}/edit", content="Changed", title="New")
        assert refused.status_code == 400
        assert CLOSED_SENTENCE in html.unescape(refused.text)
        # and she is offered no summary to write, and refused one
        async with signed_in(alpha, "fa", "long enough") as fa:
            assert f"/t/{thread.id}/summary" not in await fa.page(f"/t/{thread.id}")
            summary = await fa.http.get(f"/t/{thread.id}/summary")
        assert summary.status_code == 403
        assert CLOSED_SENTENCE in html.unescape(summary.text)
        # and from the client API: an edit and a boost are refused as Mastodon apps expect
        token = await oauth.admin_token(alpha.pool, "fa", "write")
        edit = await api(alpha, token, "PUT", f"/api/v1/statuses/{thread.id}", status="Changed")
        assert edit.status_code == 422 and CLOSED_SENTENCE in edit.json()["error"]
        boost = await api(alpha, token, "POST", f"/api/v1/statuses/{thread.id}/reblog")
        assert boost.status_code == 422 and CLOSED_SENTENCE in boost.json()["error"]
        assert "Ideas?" in (await stored(alpha, thread.uri)).content

        # When gus, on gamma (which still thinks it open), edits his reply and boosts the thread
        await post_changes.edit(
            gamma.pool, gamma.config, author="gus", post_uri=replies["gus"].uri,
            content="gus's changed idea.",
        )  # fmt: skip
        async with gamma.pool.acquire() as conn:
            gus = await user_store.find_by_name(conn, "gus")
        assert gus is not None
        thread_on_gamma = await stored(gamma, thread.uri)
        await boosts.boost(gamma.pool, gamma.config, gus, thread_on_gamma.id)
        await settle(*nodes)
        # Then alpha kept neither, and recorded why
        gus_uri = f"{gamma.base}/u/gus"
        for kind in ("Update", "Announce"):
            row = await inbound(alpha, kind, gus_uri)
            assert row is not None and row["state"] == "rejected", kind
            assert CLOSED_SENTENCE in row["last_error"], kind
        assert "changed" not in (await stored(alpha, replies["gus"].uri)).content
        async with alpha.pool.acquire() as conn:
            boosted = await conn.fetchval("SELECT count(*) FROM boosts")
        assert boosted == 0

        # But authors may still take back their words: fa on the web, bea from beta
        async with signed_in(alpha, "fa", "long enough") as fa:
            await fa.csrf(f"/t/{thread.id}")
            deleted = await fa.submit(f"/t/{thread.id}/delete", confirmed="yes")
            assert deleted.status_code == 303
        await post_changes.delete(beta.pool, beta.config, author="bea", post_uri=replies["bea"].uri)
        await settle(*nodes)
        for node in nodes:
            assert (await stored(node, thread.uri)).deleted_at is not None, node.base
            assert (await stored(node, replies["bea"].uri)).deleted_at is not None, node.base


async def test_a_remote_facilitator_sets_the_stage_from_their_own_node(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, gamma = nodes
        community = f"{alpha.base}/c/stewards"
        handle = f"stewards@{alpha.config.domain}"
        # Given bea made a facilitator by fa
        await moderation.act(
            alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
            community_uri=community, action=Action("add_facilitator", f"{beta.base}/u/bea"),
        )  # fmt: skip
        await settle(*nodes)
        # When bea sets the stage to Grow on beta's Facilitate page of the community
        async with signed_in(beta, "bea", "long enough") as bea:
            assert "Where this community stands" in await bea.page(f"/c/{handle}/manage")
        assert (await set_stage(beta, "bea", handle, "Grow")).status_code == 303
        await settle(*nodes)
        # Then alpha set it, logged it as bea's, and every node shows it
        async with alpha.pool.acquire() as conn:
            found = await actor_store.find_by_uri(conn, community)
            logged = await conn.fetchrow(
                "SELECT a.uri, l.reason FROM moderation_log l "
                "JOIN actors a ON a.id = l.moderator_id "
                "WHERE l.action = 'set_stage' ORDER BY l.id DESC LIMIT 1"
            )
        assert found is not None and found.stage == "Grow"
        assert logged is not None and logged["uri"] == f"{beta.base}/u/bea"
        assert logged["reason"] == "Grow"
        for node in (beta, gamma):
            async with node.pool.acquire() as conn:
                cached = await actor_store.find_by_uri(conn, community)
            assert cached is not None and cached.stage == "Grow", node.base
        # When gus, who does not facilitate it, sends the same kind of Update by hand
        forged = {
            "type": "Update",
            "actor": f"{gamma.base}/u/gus",
            "object": {"id": community, "type": "Group", "fedcop:stage": "Closed"},
        }
        try:
            await lifecycle.receive_stage(alpha.pool, alpha.config, forged, forged["object"])
        except lifecycle.Refused:
            pass
        else:
            raise AssertionError("a member who is no facilitator set the stage")
        async with alpha.pool.acquire() as conn:
            found = await actor_store.find_by_uri(conn, community)
        assert found is not None and found.stage == "Grow"


async def test_mastodon_apps_see_the_stage_as_a_profile_field(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, _ = nodes
        token = await oauth.admin_token(alpha.pool, "fa", "read")
        looked_up = await api(alpha, token, "GET", "/api/v1/accounts/lookup?acct=stewards")
        assert looked_up.status_code == 200, looked_up.text
        assert looked_up.json()["fields"] == []
        assert (await set_stage(alpha, "fa", "stewards", "Closed")).status_code == 303
        await settle(*nodes)
        account = (await api(alpha, token, "GET", "/api/v1/accounts/lookup?acct=stewards")).json()
        assert account["group"] is True
        assert account["fields"] == [
            {"name": "Stage", "value": "Closed (a read-only archive)", "verified_at": None}
        ]
        # and beta's API says the same of the community it caches
        beta_token = await oauth.admin_token(beta.pool, "bea", "read")
        there = await api(
            beta, beta_token, "GET", f"/api/v1/accounts/lookup?acct=stewards@{alpha.config.domain}"
        )
        assert there.status_code == 200, there.text
        assert there.json()["fields"][0]["name"] == "Stage"


async def test_the_inbox_takes_an_update_of_its_own_community_from_elsewhere_only_to_judge_it(
    pg_cluster: EmbeddedPostgres,
) -> None:
    """An Update embedding a community of this node, sent by someone on another server, passes
    the inbox (a facilitator elsewhere may send one) and is refused by its handler when the
    sender facilitates nothing; one embedding a third server's object is still a 400."""
    async with three_nodes(pg_cluster) as nodes:
        alpha, beta, _ = nodes
        community = f"{alpha.base}/c/stewards"
        with microblog_server("masto") as masto:
            forged = {
                "@context": "https://www.w3.org/ns/activitystreams",
                "id": f"{masto.user}#updates/1",
                "type": "Update",
                "actor": masto.user,
                "object": {"id": community, "type": "Group", "fedcop:stage": "Closed"},
            }
            assert (await post(alpha, encoded(forged), masto.sender)).status_code == 202
            await settle(*nodes)
            row = await inbound(alpha, "Update", masto.user)
            assert row is not None and row["state"] == "rejected"
            assert "only facilitators" in row["last_error"]
            async with alpha.pool.acquire() as conn:
                found = await actor_store.find_by_uri(conn, community)
            assert found is not None and found.stage is None
            # An object of a third server embedded by the sender is refused at the door
            third = {
                **forged,
                "id": f"{masto.user}#updates/2",
                "object": {"id": f"{beta.base}/u/bea", "type": "Person"},
            }
            refused = await post(alpha, encoded(third), masto.sender)
            assert refused.status_code == 400
            assert "not on the actor's host" in refused.text
