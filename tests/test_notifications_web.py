"""/notifications and the header's unread count, over a live node with real sessions and CSRF:
replies and likes, requests to join a community and their decisions, reports for facilitators
and admins; opening the page marks what it shows as read, "Mark all as read" marks the rest,
and a Mastodon app (Mastodon.py) sees the same events and the same marker.

"stewards" (facilitator fa; members ann and rae), the private "clinic" (facilitator cho), lu
and ned (no member of anything) and ad, this node's admin.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from mastodon import Mastodon
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.paths import MASTODON_OPENAPI
from tests.scene import settle
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        for name in ("fa", "ann", "rae", "cho", "lu", "ned"):
            await accounts.create_user(node.pool, node.config, name, PASSWORD)
        await accounts.create_user(node.pool, node.config, "ad", PASSWORD, is_admin=True)
        stewards = await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_community(
            node.pool, node.config, "clinic", title="Clinicians", owner="cho", private=True
        )
        for name in ("ann", "rae"):
            await follows.join(node.pool, node.config, node.app.state.network, name, stewards.uri)
        await settle(node)
        yield node


def app_of(node: LiveNode, token: str) -> Mastodon:
    return Mastodon(access_token=token, api_base_url=f"http://127.0.0.1:{node.port}")


async def client_notifications(node: LiveNode, name: str) -> list[Any]:
    """`name`'s notifications as a Mastodon app reads them."""
    app = app_of(node, await oauth.admin_token(node.pool, name, "read"))
    return list(await asyncio.to_thread(app.notifications))


def mastodon_notification_problems(entity: dict[str, Any]) -> list[str]:
    """How a Notification entity departs from Mastodon's OpenAPI description of one."""
    schema = json.loads(MASTODON_OPENAPI.read_text(encoding="utf-8"))
    registry: Registry = Registry().with_resource(
        "urn:mastodon", Resource.from_contents(schema, DRAFT202012)
    )
    wanted = {"$ref": "urn:mastodon#/components/schemas/Notification"}
    validator = Draft202012Validator(wanted, registry=registry)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(entity)]


async def raw_notifications(node: LiveNode, name: str) -> list[dict[str, Any]]:
    """`name`'s notifications as the API sends them (JSON, before any client reads it)."""
    token = await oauth.admin_token(node.pool, name, "read")
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{node.port}", headers={"Host": node.config.domain}
    ) as http:
        answer = await http.get(
            "/api/v1/notifications", headers={"Authorization": f"Bearer {token}"}
        )
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def unread_in_header(page: str) -> str | None:
    """The count next to Notifications in the header, as shown ("3", "99+"), or None."""
    header = page.split("</header>", 1)[0]
    found = re.search(r'Notifications <span class="unread-count">([^<]+)<span', header)
    return found.group(1) if found else None


def notification_lines(page: str) -> list[str]:
    """The text of each notification on /notifications, tags, spacing and its time (written
    for the reader's language) removed."""
    items = re.findall(r'<li class="notification-[^"]*">(.*?)</li>', page, re.S)
    items = [re.sub(r'<span class="meta"><time .*?</time></span>', "", item) for item in items]
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


async def thread_of(node: LiveNode, author: str, title: str) -> Any:
    thread = await posts.write(
        node.pool, node.config, node.app.state.network, author=author,
        community_uri=f"{node.base}/c/stewards", title=title, content="What do you use?",
    )  # fmt: skip
    await settle(node)
    return thread


async def reply_of(node: LiveNode, author: str, to: Any, text: str) -> Any:
    reply = await posts.write(
        node.pool, node.config, node.app.state.network, author=author,
        community_uri=f"{node.base}/c/stewards", content=text, in_reply_to=to.uri,
    )  # fmt: skip
    await settle(node)
    return reply


async def like(browser: Browser, post_id: int) -> None:
    await browser.csrf(f"/t/{post_id}")
    assert (await browser.submit(f"/t/{post_id}/like")).status_code == 303


async def test_a_reply_and_a_like_are_counted_in_the_header_until_the_page_is_opened(
    alpha: LiveNode,
) -> None:
    thread = await thread_of(alpha, "fa", "Metadata schemas")
    # Nothing happened to fa yet: no count in the header
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        assert unread_in_header(await fa.page("/")) is None
    # When ann replies to fa's thread and likes it
    reply = await reply_of(alpha, "ann", thread, "We use Dublin Core")
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await like(ann, thread.id)
        assert unread_in_header(await ann.page("/")) is None  # nobody is told of their doing
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        # Then every page fa opens shows two unread notifications in its header
        home = await fa.page("/home")
        assert unread_in_header(home) == "2"
        assert '2<span class="visually-hidden"> unread</span>' in home
        # The replies-and-mentions filter shows the reply alone, and marks nothing read
        mentions = await fa.page("/notifications?kind=mentions")
        assert notification_lines(mentions) == [
            "New: ann replied to you or mentioned you in Metadata schemas ."
        ]
        assert _time(mentions, 0)  # when, written for the reader's language
        assert f'href="/t/{thread.id}#post-{reply.id}"' in mentions
        assert unread_in_header(await fa.page("/home")) == "2"
        # Opening the page shows both as new sentences with names and links
        page = await fa.page("/notifications")
        lines = notification_lines(page)
        assert [line for line in lines] == [
            "New: ann liked your post Metadata schemas .",
            "New: ann replied to you or mentioned you in Metadata schemas .",
        ]
        assert '<a href="/u/ann">ann</a>' in page
        assert f'<a href="/t/{thread.id}">Metadata schemas</a>' in page
        # ... and from then on they are read: the header counts nothing, the page shows them
        # as read, and a Mastodon app's marker says the same
        assert unread_in_header(await fa.page("/home")) is None
        again = await fa.page("/notifications")
        assert not any(line.startswith("New:") for line in notification_lines(again))
        app = app_of(alpha, await oauth.admin_token(alpha.pool, "fa", "read"))
        told = await asyncio.to_thread(app.notifications)
        marker = await asyncio.to_thread(app.markers_get, "notifications")
        assert str(marker["notifications"]["last_read_id"]) == str(told[0]["id"])
        assert [item["type"] for item in told] == ["favourite", "mention"]

        # A new reply is counted again; "Mark all as read" (from the filtered view, which
        # reads nothing by itself) clears the count
        await reply_of(alpha, "rae", thread, "Darwin Core for specimens")
        assert unread_in_header(await fa.page("/home")) == "1"
        await fa.csrf("/notifications?kind=mentions")
        marked = await fa.submit("/notifications/read", kind="mentions")
        assert marked.status_code == 303
        assert marked.headers["location"] == "/notifications?kind=mentions"
        assert unread_in_header(await fa.page("/home")) is None
        unread = await asyncio.to_thread(app.notifications_unread_count)
        assert unread["count"] == 0


def _time(page: str, index: int) -> str:
    """The time shown by the index-th notification (as the page formats it)."""
    return re.findall(r"<time [^>]*>([^<]+)</time>", page)[index]


async def test_the_unread_count_stops_at_99_plus(alpha: LiveNode) -> None:
    # When ann answers fa's thread a hundred times
    thread = await thread_of(alpha, "fa", "Metadata schemas")
    for number in range(100):
        await posts.write(
            alpha.pool, alpha.config, alpha.app.state.network, author="ann",
            community_uri=f"{alpha.base}/c/stewards", content=f"Idea {number}",
            in_reply_to=thread.uri,
        )  # fmt: skip
    # Then fa's header says "99+", not 100; the page shows the newest forty, and reads them
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        assert unread_in_header(await fa.page("/home")) == "99+"
        page = await fa.page("/notifications")
        assert len(notification_lines(page)) == 40
        assert "Older notifications" in page
        # Read is a position, as Mastodon's notifications marker: everything up to the newest
        # shown is read, older pages included
        assert unread_in_header(await fa.page("/home")) is None


async def test_join_requests_tell_the_facilitators_and_decisions_tell_who_asked(
    alpha: LiveNode,
) -> None:
    network = alpha.app.state.network
    # When lu and ned ask to join the private clinic
    for name in ("lu", "ned"):
        await follows.join(alpha.pool, alpha.config, network, name, f"{alpha.base}/c/clinic")
    # Then its facilitator cho is told of each, with where to decide
    async with signed_in(alpha, "cho", PASSWORD) as cho:
        page = await cho.page("/notifications")
        assert [line for line in notification_lines(page)] == [
            "New: ned asks to join Clinicians : approve or decline the request .",
            "New: lu asks to join Clinicians : approve or decline the request .",
        ]
        assert page.count('href="/c/clinic/manage#requests-heading"') == 2
        assert '<a href="/c/clinic">Clinicians</a>' in page
        # ... and a Mastodon app shows them as follow requests, from lu and ned
        told = await client_notifications(alpha, "cho")
        assert [(n["type"], n["account"]["acct"]) for n in told] == [
            ("follow_request", "ned"),
            ("follow_request", "lu"),
        ]
        raw = await raw_notifications(alpha, "cho")
        assert [mastodon_notification_problems(n) for n in raw] == [[], []]
        # When cho approves lu and declines ned on the Facilitate page
        await cho.csrf("/c/clinic/manage")
        for name, decision in (("lu", "approve"), ("ned", "decline")):
            decided = await cho.submit(
                "/c/clinic/manage/requests", follower=f"{alpha.base}/u/{name}", decision=decision
            )
            assert decided.status_code == 303, decided.text
    # Then cho is no longer asked to decide them
    async with signed_in(alpha, "cho", PASSWORD) as cho:
        assert notification_lines(await cho.page("/notifications")) == []
    assert await client_notifications(alpha, "cho") == []
    # and each of them is told the decision, by the community's name
    async with signed_in(alpha, "lu", PASSWORD) as lu:
        assert unread_in_header(await lu.page("/")) == "1"
        page = await lu.page("/notifications")
        assert [line for line in notification_lines(page)] == [
            "New: Clinicians accepted your request to join it: you are a member now."
        ]
        assert '<a href="/c/clinic">Clinicians</a>' in page
    async with signed_in(alpha, "ned", PASSWORD) as ned:
        page = await ned.page("/notifications")
        assert [line for line in notification_lines(page)] == [
            "New: Clinicians declined your request to join it."
        ]
    # A Mastodon app gets fedcop's own types for the decisions (apps skip types they do not
    # know), with the community as the account
    assert [(n["type"], n["account"]["acct"]) for n in await client_notifications(alpha, "lu")] == [
        ("join_accepted", "clinic")
    ]
    assert [n["type"] for n in await client_notifications(alpha, "ned")] == ["join_refused"]


async def test_reports_tell_the_facilitators_or_for_a_person_the_admins(alpha: LiveNode) -> None:
    thread = await thread_of(alpha, "rae", "Cheap pills")
    # When ann reports rae's thread, and then rae herself, from their pages
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await ann.csrf(f"/t/{thread.id}")
        sent = await ann.submit(f"/t/{thread.id}/report", reason="Spam link", category="spam")
        assert sent.status_code == 200, sent.text
        await ann.csrf("/u/rae")
        sent = await ann.submit("/u/rae/report", reason="Sends spam in private", category="spam")
        assert sent.status_code == 200, sent.text
    # Then the community's facilitator is told of the first, with where to look at it
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        page = await fa.page("/notifications")
        assert [line for line in notification_lines(page)] == [
            "New: ann reported rae in Data Stewards : Spam link . Look at the report ."
        ]
        assert 'href="/c/stewards/manage#reports-heading"' in page
    # ... and the admin of the second, about a person of this node with no community
    async with signed_in(alpha, "ad", PASSWORD) as ad:
        page = await ad.page("/notifications")
        assert [line for line in notification_lines(page)] == [
            "New: ann reported rae , a person of this node: Sends spam in private . "
            "Look at the report ."
        ]
        assert 'href="/admin#reports-heading"' in page
    # The reporter is told of neither; a Mastodon app shows the facilitator an admin.report
    assert await client_notifications(alpha, "ann") == []
    [told] = await client_notifications(alpha, "fa")
    assert told["type"] == "admin.report"
    assert told["account"]["acct"] == "ann"
    assert told["report"]["comment"] == "Spam link"
    assert told["report"]["category"] == "spam"
    assert told["report"]["target_account"]["acct"] == "rae"
    assert told["report"]["status_ids"] == [str(thread.id)]
    # ... which is a Notification as Mastodon describes one, Report and all
    [raw] = await raw_notifications(alpha, "fa")
    assert mastodon_notification_problems(raw) == []


async def test_odd_addresses_and_forms_change_nothing(alpha: LiveNode) -> None:
    thread = await thread_of(alpha, "fa", "Metadata schemas")
    await reply_of(alpha, "ann", thread, "We use Dublin Core")
    # Nobody signed in is sent to sign in, and marks nothing read
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{alpha.port}", headers={"Host": alpha.config.domain}
    ) as visitor:
        answer = await visitor.get("/notifications")
        assert (answer.status_code, answer.headers["location"]) == (
            303,
            "/login?next=/notifications",
        )
        assert (await visitor.post("/notifications/read")).status_code == 303
    async with signed_in(alpha, "fa", PASSWORD) as fa:
        # Marking read without the form's token is refused, and the count stays
        fa.token = "forged"
        assert (await fa.submit("/notifications/read")).status_code == 403
        assert unread_in_header(await fa.page("/home")) == "1"
        # Odd pages and filters answer a page, never an error; a filter reads nothing
        for path in (
            "/notifications?before=abc&kind=mentions",
            "/notifications?before=99999999999999999999999&kind=mentions",
            "/notifications?before=-1&kind=mentions",
        ):
            page = await fa.page(path)
            assert len(notification_lines(page)) == 1, path
        assert unread_in_header(await fa.page("/home")) == "1"
        # An unknown filter is the whole list (which reads it)
        assert len(notification_lines(await fa.page("/notifications?kind=%00x"))) == 1
        assert unread_in_header(await fa.page("/home")) is None
