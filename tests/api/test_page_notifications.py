"""A watched knowledge-base page's change in the client API: an `update` notification whose
status stands for the change and links to the page; a members-only community's changes only
while the reader is a member."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows
from fedcop.services.knowledge import editing, pages
from tests.api.conftest import api_user


async def test_a_watched_page_changed_is_an_update_for_members_only(
    app: Any, config: Config, api: httpx.AsyncClient
) -> None:
    pool, network = app.state.pool, app.state.network
    dee = await api_user(app, config, "dee")
    await accounts.create_user(pool, config, "cho", "correct horse battery")
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="cho", private=True
    )
    await follows.join(pool, config, network, "dee", clinic.uri)
    await follows.decide_request(pool, config, "clinic", dee.actor.uri, approve=True)
    # Given dee wrote a page of the members-only clinic (so watches it), and cho edits it
    await pages.create(pool, config, community="clinic", by="dee", title="Triage", markdown="a")
    await editing.edit(
        pool, config, community="clinic", slug="triage", by="cho", base_version=1,
        title="Triage", markdown="b", note="<b>bold</b> note",
    )  # fmt: skip
    # Then dee's app lists it as an update by cho, linking to the page (after the clinic's
    # acceptance of her request to join)
    told = (await api.get("/api/v1/notifications", headers=dee.auth)).json()
    assert [(n["type"], n["account"]["acct"]) for n in told] == [
        ("update", "cho"),
        ("join_accepted", "clinic"),
    ]
    status = told[0]["status"]
    assert status["url"] == f"{config.base_url}/c/clinic/kb/triage"
    assert status["visibility"] == "private"
    assert "&lt;b&gt;bold&lt;/b&gt; note" in status["content"]  # the note is text, escaped
    shown = await api.get(f"/api/v1/notifications/{told[0]['id']}", headers=dee.auth)
    assert shown.status_code == 200 and shown.json()["status"]["url"] == status["url"]
    # and the stored kinds filter it: page_changed, not the kind apps are shown
    kinds = {"types[]": "page_changed"}
    assert len((await api.get("/api/v1/notifications", params=kinds, headers=dee.auth)).json()) == 1
    # When dee leaves the clinic, its change is no longer shown to her
    await follows.leave(pool, config, "dee", clinic.uri)
    left = (await api.get("/api/v1/notifications", headers=dee.auth)).json()
    assert [n["type"] for n in left] == ["join_accepted"]
