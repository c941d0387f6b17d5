"""POST /api/v1/reports on one node: what the app gets back, what the community's facilitators
see, and what is refused (with nothing kept). Across nodes: tests/test_reports_federation.py."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows, posts
from tests.api.conftest import ApiUser, api_user


async def _scene(app: Any, config: Config, alice: ApiUser) -> tuple[ApiUser, Any, Any]:
    """alice facilitates "librarians"; bob wrote a thread there, and alice a reply."""
    pool, network = app.state.pool, app.state.network
    community = await accounts.create_community(
        pool, config, "librarians", title="City Librarians", owner="alice"
    )
    bob = await api_user(app, config, "bob")
    await follows.join(pool, config, network, "bob", community.uri)
    thread = await posts.write(
        pool, config, network, author="bob", community_uri=community.uri,
        title="Cheap pills", content="Buy now",
    )  # fmt: skip
    reply = await posts.write(
        pool, config, network, author="alice", community_uri=community.uri,
        content="Please don't.", in_reply_to=thread.uri,
    )  # fmt: skip
    return bob, thread, reply


async def _reports(app: Any) -> list[tuple[str, str, bool]]:
    async with app.state.pool.acquire() as conn:
        rows = await conn.fetch("SELECT reason, category, forwarded FROM reports ORDER BY id")
    return [(row["reason"], row["category"], row["forwarded"]) for row in rows]


async def test_a_report_is_answered_as_mastodon_does_and_reaches_the_facilitators(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    bob, thread, _ = await _scene(app, config, alice)
    carol = await api_user(app, config, "carol")
    # When carol reports bob's thread, as a JSON body
    answer = await api.post(
        "/api/v1/reports",
        headers=carol.auth,
        json={
            "account_id": str(bob.actor.id),
            "status_ids": [str(thread.id)],
            "comment": "Selling pills",
            "category": "spam",
        },
    )
    # Then she gets a Report
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["category"] == "spam" and report["comment"] == "Selling pills"
    assert report["status_ids"] == [str(thread.id)]
    assert report["target_account"]["id"] == str(bob.actor.id)
    assert report["forwarded"] is False and report["action_taken"] is False
    # and alice, who facilitates the community, sees it on its Facilitate page's list
    assert await _reports(app) == [("Selling pills", "spam", False)]
    # A form body with status_ids[] and an unknown category works too (as "other")
    again = await api.post(
        "/api/v1/reports",
        headers=carol.auth,
        data={"account_id": str(bob.actor.id), "status_ids[]": str(thread.id), "category": "x"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["category"] == "other"


async def test_a_report_that_does_not_hold_together_is_refused_and_nothing_kept(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    bob, _, reply = await _scene(app, config, alice)
    refusals = [
        ({"account_id": str(bob.actor.id)}, None, 401),  # no token
        ({}, bob.auth, 422),  # nobody named
        ({"account_id": "99999"}, bob.auth, 404),  # nobody by that id
        ({"account_id": str(bob.actor.id)}, bob.auth, 422),  # himself
        # alice's reply is not bob's post
        ({"account_id": str(bob.actor.id), "status_ids": [str(reply.id)]}, alice.auth, 422),
        ({"account_id": str(alice.actor.id), "status_ids": ["12345"]}, bob.auth, 404),
        ({"account_id": str(alice.actor.id), "comment": "x" * 2001}, bob.auth, 422),
        ({"account_id": "not a number"}, bob.auth, 422),
    ]
    for body, headers, status in refusals:
        answer = await api.post("/api/v1/reports", headers=headers or {}, json=body)
        assert answer.status_code == status, (body, answer.text)
        assert "error" in answer.json()
    assert await _reports(app) == []
    # A token without write:reports cannot
    reader = await api_user(app, config, "reader", scopes="read")
    answer = await api.post(
        "/api/v1/reports", headers=reader.auth, json={"account_id": str(bob.actor.id)}
    )
    assert answer.status_code == 403
