"""An accepted answer in Mastodon apps: its author's notification comes as a type the apps
show (`favourite`, by whoever accepted it, with the answer as its status)."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import questions
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import community, join, post


async def test_the_answers_author_sees_the_acceptance_in_a_mastodon_app(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given alice's question in her community, and bob's reply to it
    stewards = await community(app, config, "stewards", "alice")
    bob = await api_user(app, config, "bob")
    await join(app, config, bob, stewards)
    thread = await post(api, alice, status="@stewards Which checksum tool?")
    await questions.mark(
        app.state.pool, config, by="alice", thread_id=int(thread["id"]), is_question=True
    )
    reply = await post(api, bob, status="sha256", in_reply_to_id=thread["id"])
    before = (await api.get("/api/v1/notifications", headers=bob.auth)).json()
    # When alice accepts it
    await questions.accept(
        app.state.pool, config, by="alice", thread_id=int(thread["id"]),
        answer_id=int(reply["id"]),
    )  # fmt: skip
    # Then bob's app lists one new notification it knows how to show
    after = (await api.get("/api/v1/notifications", headers=bob.auth)).json()
    assert len(after) == len(before) + 1
    newest = after[0]
    assert newest["type"] == "favourite"
    assert newest["account"]["acct"] == "alice"
    assert newest["status"]["id"] == reply["id"]
