"""Direct messages and check-ins over real sockets: a facilitator on alpha checks in with a member
on beta and a member on a Mastodon-shaped server; each message arrives as a direct post at the
member's own server and nowhere else, the answers reach the facilitator alone, and anyone else
asking for them — on the web, through the client API (Mastodon.py) or over ActivityPub — is
answered 404.

alpha: fa (facilitates "stewards"), ann (a member of nothing); beta: bea (member);
gamma: gus (member); masto: mona (member, Mastodon-shaped, tests/microblog_server.py).
"""

from __future__ import annotations

import asyncio
import re

import pytest
from mastodon import MastodonNotFoundError

from fedcop.services import oauth
from federation.vocab import PUBLIC
from tests.direct_world import PASSWORD, World, app_for, direct_posts, signed_get, world
from tests.scene import stored
from tests.signed_requests import encoded, local_sender, post
from tests.web_session import signed_in

__all__ = ["world"]  # the fixture, used by name


async def test_a_check_in_reaches_each_member_alone_and_the_answers_reach_the_facilitator(
    world: World,
) -> None:
    alpha, beta, gamma, mona = world.alpha, world.beta, world.gamma, world.mona
    bea_uri = f"{beta.base}/u/bea"
    bea_id = await world.actor_id(alpha, bea_uri)
    mona_id = await world.actor_id(alpha, mona.user)
    # Given fa, facilitator of stewards, opens the check-in page for bea and mona
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        # (the facilitator's view posts its ticked members here, and gets the form)
        await fa.csrf("/c/stewards/manage")
        chosen = await fa.http.post(
            "/c/stewards/checkins/new",
            data={"csrf": fa.token, "member": [str(bea_id), str(mona_id)]},
        )
        assert chosen.status_code == 200 and 'name="content"' in chosen.text
        assert "bea@beta.test" in chosen.text and "mona@masto.test" in chosen.text
        page = await fa.page(f"/c/stewards/checkins/new?member={bea_id}&member={mona_id}")
        assert "bea@beta.test" in page and "mona@masto.test" in page
        await fa.csrf(f"/c/stewards/checkins/new?member={bea_id}&member={mona_id}")
        # When fa sends one message, with each member's name filled in
        sent = await fa.http.post(
            "/c/stewards/checkins/new",
            data={
                "csrf": fa.token,
                "member": [str(bea_id), str(mona_id)],
                "content": "Hello {name}, how is the retention work going?",
            },
        )
        assert sent.status_code == 303, sent.text
        # Then the page says when each was checked in with, and by whom
        again = await fa.page(f"/c/stewards/checkins/new?member={bea_id}&member={mona_id}")
        assert again.count("checked in on") == 2 and "by fa" in again
    # And ann, who facilitates nothing, may neither see the form nor send through it
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        assert (await ann.http.get(f"/c/stewards/checkins/new?member={bea_id}")).status_code == 403
        await ann.csrf("/messages")
        refused = await ann.http.post(
            "/c/stewards/checkins/new",
            data={"csrf": ann.token, "member": [str(bea_id)], "content": "Hi {name}"},
        )
        assert refused.status_code == 403
    await world.settle()

    # Then bea's server keeps one direct message for her, from fa, and tells her of it
    [on_beta] = await direct_posts(beta)
    assert "Hello bea, how is the retention work going?" in on_beta["content"]
    async with beta.pool.acquire() as conn:
        told = await conn.fetchval(
            "SELECT count(*) FROM notifications n JOIN actors a ON a.id = n.recipient_id"
            " WHERE a.username = 'bea' AND a.domain IS NULL AND n.kind = 'mention'"
            " AND n.post_id = $1",
            on_beta["id"],
        )
    assert told == 1
    # And mona's server got a Create addressed to her alone, at her own inbox
    creates = [a for a in mona.received if a["type"] == "Create"]
    assert len(creates) == 1 and mona.received_at == ["/users/mona/inbox"]
    note = creates[0]["object"]
    assert note["to"] == [mona.user] and note["cc"] == [] and creates[0]["cc"] == []
    assert "audience" not in note and PUBLIC not in str(creates[0])
    assert note["tag"] == [
        {"type": "Mention", "href": mona.user, "name": f"@mona@{mona.origin.split('//')[1]}"}
    ]
    assert "Hello mona" in note["content"]
    # And nobody else: gus (another member) got nothing, the community announced nothing
    assert await direct_posts(gamma) == []
    [to_bea, to_mona] = await direct_posts(alpha)
    async with alpha.pool.acquire() as conn:
        announced = await conn.fetchval(
            "SELECT count(*) FROM outbound_activities o JOIN actors a ON a.id = o.actor_id"
            " WHERE a.username = 'stewards' AND (o.body LIKE '%' || $1 || '%'"
            " OR o.body LIKE '%' || $2 || '%')",
            to_bea["uri"],
            to_mona["uri"],
        )
        destinations = {
            row["inbox_url"]
            for row in await conn.fetch(
                "SELECT d.inbox_url FROM deliveries d JOIN outbound_activities o"
                " ON o.id = d.activity_id WHERE o.body LIKE '%' || $1 || '%'"
                " OR o.body LIKE '%' || $2 || '%'",
                to_bea["uri"],
                to_mona["uri"],
            )
        }
        recorded = await conn.fetch(
            "SELECT member_id, kind FROM community_messages ORDER BY member_id"
        )
    assert announced == 0
    assert destinations == {f"{beta.base}/u/bea/inbox", f"{mona.user}/inbox"}
    assert sorted((r["member_id"], r["kind"]) for r in recorded) == sorted(
        [(bea_id, "checkin"), (mona_id, "checkin")]
    )

    # And the public pages, the outbox, the public timeline and search do not show it
    community_page = await alpha.get("/c/stewards")
    outbox = await alpha.get(
        "/u/fa/outbox?page=true", headers={"Accept": "application/activity+json"}
    )
    public = await alpha.get("/api/v1/timelines/public")
    found = await alpha.get("/search", params={"q": "retention"})
    for response in (community_page, outbox, public, found):
        assert "retention work" not in response.text
        assert to_bea["uri"] not in response.text

    # When bea answers privately on her own server
    async with signed_in(beta, "bea", PASSWORD) as bea:
        listing = await bea.page("/messages")
        [root] = re.findall(r'href="/messages/(\d+)"', listing)
        await bea.csrf(f"/messages/{root}")
        answered = await bea.submit(f"/messages/{root}", content="Slowly: we lost our archivist.")
        assert answered.status_code == 303
    mona.received.clear()
    await world.settle()
    # Then it reaches fa alone: in fa's conversation with bea, and nowhere else
    assert mona.received == []
    assert await direct_posts(gamma) == []
    answer = next(p for p in await direct_posts(alpha) if "archivist" in p["content"])
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        messages = await fa.page("/messages")
        assert "Slowly: we lost our archivist." in messages
        conversation_root = re.search(r'href="/messages/(\d+)"', messages)
        assert conversation_root is not None
    # And mona answers from Mastodon, in Mastodon's shape: to fa alone, a Mention, no cc
    reply = mona.status(
        "<p>Fine, thanks for asking!</p>",
        to=[f"{alpha.base}/u/fa"],
        cc=[],
        inReplyTo=to_mona["uri"],
        tag=[{"type": "Mention", "href": f"{alpha.base}/u/fa", "name": "@fa"}],
    )
    response = await post(alpha, encoded(mona.create(reply)), mona.sender)
    assert response.status_code == 202
    await world.settle()
    kept = await stored(alpha, reply["id"])
    assert kept is not None and kept.visibility == "direct"
    assert kept.community_id is None and kept.thread_id == to_mona["id"]

    # Anyone else asking gets 404: over ActivityPub (unsigned, gus, the community's members'
    # servers), on the web (ann signed in, or nobody), through the client API (ann's app)
    gus = await local_sender(gamma, "gus")
    for uri in (to_bea["uri"], answer["uri"], kept.uri):
        if uri.startswith(alpha.base):
            assert (await signed_get(alpha, uri, None)).status_code == 404
            assert (await signed_get(alpha, uri, gus)).status_code == 404
    fetched = await signed_get(alpha, to_bea["uri"], await local_sender(beta, "bea"))
    assert fetched.status_code == 200 and fetched.json()["to"] == [bea_uri]
    async with alpha.pool.acquire() as conn:
        create_uri = await conn.fetchval("SELECT create_uri FROM posts WHERE id = $1", to_bea["id"])
    assert (await signed_get(alpha, create_uri, gus)).status_code == 404
    assert (await signed_get(alpha, create_uri, await local_sender(beta, "bea"))).status_code == 200
    number = to_bea["uri"].rsplit("/", 1)[1]
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        for path in (
            f"/p/{number}",
            f"/t/{number}",
            f"/messages/{number}",
            "/messages/" + "9" * 30,
        ):
            assert (await ann.http.get(path)).status_code == 404
        assert "retention" not in await ann.page("/messages")
    for path in (f"/p/{number}", f"/t/{number}/feed.atom", f"/p/{number}/replies"):
        assert (await alpha.get(path)).status_code == 404
    ann_app = app_for(alpha, await oauth.admin_token(alpha.pool, "ann", "read write"))
    for post_id in (to_bea["id"], kept.id):
        with pytest.raises(MastodonNotFoundError):
            await asyncio.to_thread(ann_app.status, post_id)
    assert await asyncio.to_thread(ann_app.conversations) == []
    home = await asyncio.to_thread(ann_app.timeline_home)
    assert all(s["visibility"] != "direct" for s in home)

    # And fa's app shows the conversations, the messages as direct statuses
    fa_app = app_for(alpha, await oauth.admin_token(alpha.pool, "fa", "read write"))
    conversations = await asyncio.to_thread(fa_app.conversations)
    by_account = {c["accounts"][0]["acct"]: c for c in conversations}
    assert set(by_account) == {"bea@" + beta.config.domain, "mona@" + mona.origin.split("//")[1]}
    assert by_account["mona@" + mona.origin.split("//")[1]]["unread"] is True
    assert (
        "Fine, thanks" in by_account["mona@" + mona.origin.split("//")[1]]["last_status"]["content"]
    )
    status = await asyncio.to_thread(fa_app.status, kept.id)
    assert status["visibility"] == "direct"
    read = await asyncio.to_thread(
        fa_app.conversations_read, by_account["mona@" + mona.origin.split("//")[1]]["id"]
    )
    assert read["unread"] is False


async def test_a_direct_message_from_an_app_reaches_only_whom_it_names(world: World) -> None:
    alpha, beta, gamma = world.alpha, world.beta, world.gamma
    fa_app = app_for(alpha, await oauth.admin_token(alpha.pool, "fa", "read write"))
    bea_handle = f"@bea@{beta.config.domain}"
    # When fa's Mastodon app writes to bea with visibility direct
    written = await asyncio.to_thread(
        fa_app.status_post, f"{bea_handle} can we talk about the audit?", visibility="direct"
    )
    assert written["visibility"] == "direct"
    assert [m["acct"] for m in written["mentions"]] == [f"bea@{beta.config.domain}"]
    await world.settle()
    # Then bea has it on beta, and gus (gamma) nothing; the public timeline does not show it
    [kept] = await direct_posts(beta)
    assert "audit" in kept["content"]
    assert await direct_posts(gamma) == []
    public = await asyncio.to_thread(fa_app.timeline_public)
    assert all(s["id"] != written["id"] for s in public)
    # And fa's home shows it (Mastodon shows a direct message in its participants' home)
    home = await asyncio.to_thread(fa_app.timeline_home)
    assert written["id"] in [s["id"] for s in home]
    # When bea answers from her own app, the answer stays direct, to fa alone
    bea_app = app_for(beta, await oauth.admin_token(beta.pool, "bea", "read write"))
    [conversation] = await asyncio.to_thread(bea_app.conversations)
    assert conversation["unread"] is True
    answer = await asyncio.to_thread(
        bea_app.status_post, "Yes, Tuesday?", in_reply_to_id=conversation["last_status"]["id"]
    )
    assert answer["visibility"] == "direct"
    await world.settle()
    assert await direct_posts(gamma) == []
    [fa_conversation] = await asyncio.to_thread(fa_app.conversations)
    assert "Tuesday" in fa_conversation["last_status"]["content"]
    # When fa deletes his message from his app, bea's server alone is told, and keeps a
    # deleted message; the Delete, like the Create, is served to the participants only
    await asyncio.to_thread(fa_app.status_delete, written["id"])
    await world.settle()
    async with beta.pool.acquire() as conn:
        gone = await conn.fetchval(
            "SELECT deleted_at IS NOT NULL FROM posts WHERE uri = $1", written["uri"]
        )
    assert gone is True
    async with alpha.pool.acquire() as conn:
        deletion = await conn.fetchrow(
            "SELECT o.uri, array_agg(d.inbox_url) AS inboxes FROM outbound_activities o"
            " JOIN deliveries d ON d.activity_id = o.id"
            " WHERE o.document->>'type' = 'Delete' AND o.document->>'object' = $1"
            " GROUP BY o.uri",
            written["uri"],
        )
    assert deletion["inboxes"] == [f"{beta.base}/u/bea/inbox"]
    gus = await local_sender(gamma, "gus")
    assert (await signed_get(alpha, deletion["uri"], gus)).status_code == 404
    # And removing the conversation from bea's list removes it
    await asyncio.to_thread(bea_app.conversations_read, conversation["id"])
    await asyncio.to_thread(
        bea_app._Mastodon__api_request, "DELETE", f"/api/v1/conversations/{conversation['id']}"
    )
    assert await asyncio.to_thread(bea_app.conversations) == []
