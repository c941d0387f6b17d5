"""Facilitators and members are told of what arrives from other nodes, over real sockets and
signatures: a Flag about a post of their community (sent by hand, signed by gus on gamma), a
request to join their private community (a Follow from beta), and, on the member's own node,
the community's Accept or Reject of that request.

alpha hosts "stewards" (facilitator fa; bea of beta and gus of gamma are members) and the
private "clinic" (facilitator cho); cy on beta asks to join the clinic.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from mastodon import Mastodon

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, three_nodes
from tests.signed_requests import activity, encoded, local_sender, post
from tests.web_session import signed_in

PASSWORD = "long enough"


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


def notification_lines(page: str) -> list[str]:
    """Each notification's sentence on /notifications, without tags, spacing or its time."""
    items = re.findall(r'<li class="notification-[^"]*">(.*?)</li>', page, re.S)
    # each line without its time (written the reader's way, its length varies)
    items = [re.sub(r"<time[^>]*>.*?</time>", " ", item, flags=re.S) for item in items]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


async def client_notifications(node: LiveNode, name: str) -> list[Any]:
    token = await oauth.admin_token(node.pool, name, "read")
    app = Mastodon(access_token=token, api_base_url=f"http://127.0.0.1:{node.port}")
    return list(await asyncio.to_thread(app.notifications))


async def test_a_flag_from_another_node_tells_the_community_facilitators(three: Nodes) -> None:
    alpha, beta, gamma = three
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bea",
        community_uri=f"{alpha.base}/c/stewards", title="Cheap pills", content="Buy now",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # When gamma's gus sends alpha a Flag of bea's thread, as Lemmy sends it
    gus = await local_sender(gamma, "gus")
    flag = activity(
        gus, "Flag", object=[thread.uri, f"{beta.base}/u/bea"], content="Selling pills",
        to=[f"{alpha.base}/c/stewards"], audience=f"{alpha.base}/c/stewards",
    )  # fmt: skip
    answer = await post(alpha, encoded(flag), gus)
    assert answer.status_code == 202, answer.text
    await settle(alpha)
    # Then fa, who facilitates stewards, is told, by name, with where to look at it
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        page = await fa.page("/notifications")
        assert notification_lines(page) == [
            f"New: gus {gamma.config.domain} reported bea in Data Stewards : Selling pills ."
            " Look at the report ."
        ]
        assert f'<a href="/u/bea@{beta.config.domain}">bea</a>' in page
        assert 'href="/c/stewards/manage#reports-heading"' in page
        assert f'href="/u/gus@{gamma.config.domain}"' in page
        assert "Selling pills" in await fa.page("/c/stewards/manage")
    [told] = await client_notifications(alpha, "fa")
    assert (told["type"], told["account"]["acct"]) == ("admin.report", f"gus@{gamma.config.domain}")
    assert told["report"]["target_account"]["acct"] == f"bea@{beta.config.domain}"
    assert told["report"]["comment"] == "Selling pills"
    # A second delivery of the same Flag tells nobody twice
    await post(alpha, encoded(flag), gus)
    await settle(alpha)
    assert len(await client_notifications(alpha, "fa")) == 1


async def test_a_request_to_join_from_another_node_and_its_decisions(three: Nodes) -> None:
    alpha, beta, _ = three
    await accounts.create_user(alpha.pool, alpha.config, "cho", PASSWORD)
    await accounts.create_community(
        alpha.pool, alpha.config, "clinic", title="Clinicians", owner="cho", private=True
    )
    await accounts.create_user(beta.pool, beta.config, "cy", PASSWORD)
    clinic, cy = f"{alpha.base}/c/clinic", f"{beta.base}/u/cy"
    # When cy, on beta, asks to join the clinic (a Follow to alpha)
    await follows.join(beta.pool, beta.config, beta.app.state.network, "cy", clinic)
    await settle(alpha, beta)
    # Then cho is told on alpha, with where to decide
    async with signed_in(alpha, "cho", PASSWORD) as cho:
        page = await cho.page("/notifications")
        assert notification_lines(page) == [
            f"New: cy {beta.config.domain} asks to join Clinicians : approve or decline the"
            " request ."
        ]
        # When cho declines it
        await cho.csrf("/c/clinic/manage")
        declined = await cho.submit("/c/clinic/manage/requests", follower=cy, decision="decline")
        assert declined.status_code == 303
    await settle(alpha, beta)
    # Then cy is told on beta (alpha's Reject), by the community's name
    handle = f"clinic@{alpha.config.domain}"
    async with signed_in(beta, "cy", PASSWORD) as cy_web:
        page = await cy_web.page("/notifications")
        assert notification_lines(page) == ["New: Clinicians declined your request to join it."]
        assert f'href="/c/{handle}"' in page
    # When cy asks again and cho approves
    await follows.join(beta.pool, beta.config, beta.app.state.network, "cy", clinic)
    await settle(alpha, beta)
    async with signed_in(alpha, "cho", PASSWORD) as cho:
        await cho.csrf("/c/clinic/manage")
        approved = await cho.submit("/c/clinic/manage/requests", follower=cy, decision="approve")
        assert approved.status_code == 303
    await settle(alpha, beta)
    # Then cy is told of that too (alpha's Accept)
    told = await client_notifications(beta, "cy")
    assert [(n["type"], n["account"]["acct"]) for n in told] == [
        ("join_accepted", handle),
        ("join_refused", handle),
    ]
