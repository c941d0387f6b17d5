"""Hostile or mistaken knowledge-base activities change nothing and are refused with a reason
(over real sockets, really signed): an edit by a non-member, an edit with a forged base
version, an oversized page, a page version announced by a community on another host, a
person's Update of the page itself, and an answer to an edit from someone not its community.

alpha hosts "stewards" (facilitator fa), whose page "Checksums" is at version 1; bea on beta
and gus on gamma are members; zed on gamma is not; "decoy" is a community on beta.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, admin, lifecycle, moderation
from fedcop.services.knowledge import pages, remote_edits
from fedcop.services.knowledge import settings as kb_settings
from fedcop.services.lifecycle import ClosedCommunity
from fedcop.store import users as user_store
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, three_nodes
from tests.signed_requests import Sender, encoded, local_sender, post
from tests.web_session import signed_in

FEDCOP = {"fedcop": "https://fedcop.org/ns#"}
CONTEXT = ["https://www.w3.org/ns/activitystreams", FEDCOP]


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as federation:
        alpha, beta, gamma = federation
        await accounts.create_user(gamma.pool, gamma.config, "zed", "long enough")
        await accounts.create_community(beta.pool, beta.config, "decoy", title="Decoy", owner="bea")
        await pages.create(
            alpha.pool, alpha.config, community="stewards", by="fa", title="Checksums",
            markdown="Use sha256.",
        )  # fmt: skip
        await settle(*federation)
        yield federation


def page_uri(alpha: LiveNode) -> str:
    return f"{alpha.base}/c/stewards/kb/checksums"


async def versions_of(node: LiveNode, uri: str) -> list[str]:
    async with node.pool.acquire() as conn:
        page = await page_store.find_by_ap_id(conn, uri)
        assert page is not None
        return [v.markdown for v in await version_store.history(conn, page.id)]


async def outcome(node: LiveNode, activity_id: str) -> tuple[str, str]:
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, reason FROM inbound_activities WHERE activity_id = $1", activity_id
        )
    assert row is not None, activity_id
    return row["state"], row["reason"] or ""


def proposal(
    sender: Sender, uri: str, community: str, base: Any, markdown: str = "Use sha512."
) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "id": f"{sender.origin}/activities/{uuid.uuid4().hex}",
        "type": "Update",
        "actor": sender.uri,
        "to": [community],
        "object": {
            "id": uri,
            "type": "Article",
            "attributedTo": community,
            "name": "Checksums",
            "content": "<p>…</p>",
            "source": {"content": markdown, "mediaType": "text/markdown"},
            "fedcop:baseVersion": base,
        },
    }


async def sent_to(node: LiveNode, sender: Sender, activity: dict[str, Any]) -> None:
    response = await post(node, encoded(activity), sender)
    assert response.status_code == 202, response.text


async def test_edits_the_community_refuses_change_nothing(nodes: Nodes) -> None:
    alpha, beta, gamma = nodes
    uri, community = page_uri(alpha), f"{alpha.base}/c/stewards"
    zed = await local_sender(gamma, "zed")
    gus = await local_sender(gamma, "gus")
    cases = [
        # a non-member
        (zed, proposal(zed, uri, community, 1), "join"),
        # forged base versions: none such, or not a version number at all
        (gus, proposal(gus, uri, community, 99), "no version 99"),
        # an oversized page
        (gus, proposal(gus, uri, community, 1, "x" * 100_001), "too long"),
    ]
    for sender, activity, why in cases:
        await sent_to(alpha, sender, activity)
        await settle(*nodes)
        # Then the page is as it was, the inbox row says why, and the editor's server got a
        # Reject of the Update saying the same
        assert await versions_of(alpha, uri) == ["Use sha256."]
        state, reason = await outcome(alpha, activity["id"])
        assert state == "rejected" and why in reason, (why, reason)
        async with alpha.pool.acquire() as conn:
            answer = await conn.fetchval(
                """
                SELECT document FROM outbound_activities
                WHERE document->>'type' = 'Reject' AND document->>'object' = $1
                """,
                activity["id"],
            )
        assert answer is not None and why in answer["summary"]
    # And base versions that are no version number at all are refused at the inbox's door
    # (schemas/objects/Article.json), naming the property
    for forged in (0, "1", 10**12, None, 2.5):
        response = await post(alpha, encoded(proposal(gus, uri, community, forged)), gus)
        assert response.status_code == 400, forged
        assert "fedcop:baseVersion" in response.text, response.text
    await settle(*nodes)
    assert await versions_of(alpha, uri) == ["Use sha256."]
    # and nobody's copy changed
    for node in (beta, gamma):
        assert await versions_of(node, uri) == ["Use sha256."]


async def test_page_versions_from_anyone_but_the_community_are_refused(nodes: Nodes) -> None:
    alpha, beta, gamma = nodes
    uri, community = page_uri(alpha), f"{alpha.base}/c/stewards"
    article = (await alpha.get(uri.removeprefix(alpha.base), headers=_AP)).json()
    forged = {**article, "fedcop:version": 7, "source": {"content": "Use md5.", "mediaType":
              "text/markdown"}}  # fmt: skip
    del forged["@context"]
    # When a community on another host (beta's "decoy") announces a new version of alpha's page
    decoy = await local_sender(beta, "decoy")
    inner = {
        "id": f"{beta.base}/activities/{uuid.uuid4().hex}",
        "type": "Update",
        "actor": decoy.uri,
        "object": {**forged, "id": uri},
    }
    announce = {
        "@context": CONTEXT,
        "id": f"{beta.base}/activities/{uuid.uuid4().hex}",
        "type": "Announce",
        "actor": decoy.uri,
        "object": inner,
    }
    await sent_to(gamma, decoy, announce)
    # or announces alpha's community's Update, as if relaying it
    relayed = {**announce, "id": f"{beta.base}/activities/{uuid.uuid4().hex}",
               "object": {**inner, "actor": community}}  # fmt: skip
    await sent_to(gamma, decoy, relayed)
    # or gus, a member, sends an Update of the page itself with a version number
    gus = await local_sender(gamma, "gus")
    direct = {
        "@context": CONTEXT,
        "id": f"{gamma.base}/activities/{uuid.uuid4().hex}",
        "type": "Update",
        "actor": gus.uri,
        "object": forged,
    }
    refused_at_the_door = await post(alpha, encoded(direct), gus)
    await settle(*nodes)
    # Then gamma's copy is unchanged, each refused with its reason
    assert await versions_of(gamma, uri) == ["Use sha256."]
    state, reason = await outcome(gamma, announce["id"])
    assert state == "rejected" and "is not a page on" in reason, reason
    state, reason = await outcome(gamma, relayed["id"])
    assert state == "rejected" and "change only by its own" in reason, reason
    # and alpha refuses a person's Update of its page at the inbox (the object is not theirs)
    assert refused_at_the_door.status_code == 400
    assert "not on the actor's host" in refused_at_the_door.text
    assert await versions_of(alpha, uri) == ["Use sha256."]


async def test_only_the_community_answers_an_edit(nodes: Nodes) -> None:
    alpha, beta, gamma = nodes
    uri = page_uri(alpha)
    # Given gus's edit, sent to the community and not yet answered
    sent = await remote_edits.propose(
        gamma.pool, gamma.config, community=f"stewards@{alpha.config.domain}",
        slug="checksums", by="gus", base_version=1, title="Checksums", markdown="Use b3sum.",
    )  # fmt: skip
    # When decoy, a community on beta, accepts it with a page of its making
    decoy = await local_sender(beta, "decoy")
    accept = {
        "@context": CONTEXT,
        "id": f"{beta.base}/activities/{uuid.uuid4().hex}",
        "type": "Accept",
        "actor": decoy.uri,
        "object": sent.activity_uri,
    }
    await sent_to(gamma, decoy, accept)
    await beta.drain()
    await gamma.app.state.inbox_worker.run_once()
    # Then gamma refuses it: the edit still waits, the copy is unchanged
    state, reason = await outcome(gamma, accept["id"])
    assert state == "rejected" and "the page's community" in reason
    gus_id = sent.editor_actor_id
    waiting = await remote_edits.latest(gamma.pool, sent.page_id, gus_id)
    assert waiting is not None and waiting.waiting
    # And when the real answer comes, the edit is taken
    await settle(*nodes)
    taken = await remote_edits.latest(gamma.pool, sent.page_id, gus_id)
    assert taken is not None and taken.accepted
    assert await versions_of(gamma, uri) == ["Use b3sum.", "Use sha256."]


_AP = {"Accept": "application/activity+json"}


async def test_the_communitys_rules_hold_for_edits_from_elsewhere(nodes: Nodes) -> None:
    """The community judges an edit from elsewhere as one made on its own node: its edit
    setting, its bans, its stage; the editor's node shows the refusal with its reason."""
    alpha, beta, gamma = nodes
    uri, community = page_uri(alpha), f"{alpha.base}/c/stewards"
    async with alpha.pool.acquire() as conn:
        fa = await user_store.find_by_name(conn, "fa")
    assert fa is not None
    # Given only facilitators edit the pages (gamma cannot know: it asks the community)
    await kb_settings.set_editors(alpha.pool, "stewards", fa, "facilitators")
    sent = await remote_edits.propose(
        gamma.pool, gamma.config, community=f"stewards@{alpha.config.domain}",
        slug="checksums", by="gus", base_version=1, title="Checksums", markdown="Use b3sum.",
    )  # fmt: skip
    await settle(*nodes)
    # Then gus's page says it was refused, and why
    refused = await remote_edits.latest(gamma.pool, sent.page_id, sent.editor_actor_id)
    assert refused is not None and refused.refused
    assert refused.edit.reason is not None and "only the facilitators" in refused.edit.reason
    assert await versions_of(alpha, uri) == ["Use sha256."]
    # When the pages are the members' again, but bea is banned
    await kb_settings.set_editors(alpha.pool, "stewards", fa, "members")
    await moderation.act(
        alpha.pool, alpha.config, alpha.app.state.network, moderator="fa",
        community_uri=community, action=moderation.Action("ban", f"{beta.base}/u/bea"),
    )  # fmt: skip
    await settle(*nodes)
    bea = await local_sender(beta, "bea")
    banned = proposal(bea, uri, community, 1)
    await sent_to(alpha, bea, banned)
    await settle(*nodes)
    state, reason = await outcome(alpha, banned["id"])
    assert state == "rejected" and "banned" in reason, reason
    # When the community is Closed: gamma knows it (its stage travels with the Group) and
    # refuses at once; an edit sent anyway is refused by the community
    await lifecycle.set_stage(alpha.pool, alpha.config, "stewards", fa, "Closed")
    await settle(*nodes)
    with pytest.raises(ClosedCommunity):
        await remote_edits.propose(
            gamma.pool, gamma.config, community=f"stewards@{alpha.config.domain}",
            slug="checksums", by="gus", base_version=1, title="Checksums", markdown="b3sum",
        )  # fmt: skip
    gus = await local_sender(gamma, "gus")
    closed = proposal(gus, uri, community, 1)
    await sent_to(alpha, gus, closed)
    await settle(*nodes)
    state, reason = await outcome(alpha, closed["id"])
    assert state == "rejected" and "closed" in reason.lower(), reason
    assert await versions_of(alpha, uri) == ["Use sha256."]
    assert await versions_of(gamma, uri) == ["Use sha256."]


async def test_an_edit_that_cannot_be_delivered_says_so(nodes: Nodes) -> None:
    """alpha blocks gamma: gus's edit is refused at alpha's door (403), its delivery given
    up, and gamma's page tells him it could not be delivered, until he puts it away."""
    alpha, _, gamma = nodes
    await admin.set_domain_blocked(alpha.pool, gamma.config.domain.split(":")[0], True)
    alpha.app.state.acceptance.forget_blocks()
    path = f"/c/stewards@{alpha.config.domain}/kb/checksums"
    async with signed_in(gamma, "gus", "long enough") as gus:
        await gus.csrf(f"{path}/edit")
        sent = await gus.submit(
            f"{path}/edit", base_version="1", title="Checksums", markdown="Use b3sum.", note=""
        )
        assert sent.status_code == 303
        assert "Waiting for the community" in await gus.page(path)
        await settle(*nodes)
        shown = await gus.page(path)
        assert "Your edit could not be delivered" in shown
        assert "Waiting for the community" not in shown and "Use b3sum." in shown
        # When he puts it away, the page is as before
        await gus.submit(f"{path}/edit/dismiss")
        shown = await gus.page(path)
        assert "could not be delivered" not in shown and "Waiting for the community" not in shown
    assert await versions_of(alpha, page_uri(alpha)) == ["Use sha256."]
