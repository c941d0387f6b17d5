"""A Mastodon-shaped peer's profile fields, read here over real sockets: from its actor document
when alpha looks it up, and from the Update of its Person it sends. Shown on its profile page
here and in the client API's `fields`; hostile values sanitised and bounded."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import remote_actors
from fedcop.store.people import profiles as profile_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.signed_requests import encoded, post

# As Mastodon 4 serves them (tests/data/real/mastodon/actors/person_fietkau_social.json)
MASTODON_FIELDS = [
    {
        "type": "PropertyValue",
        "name": "Website",
        "value": '<a href="https://mona.example" target="_blank" rel="nofollow noopener '
        'noreferrer me" translate="no"><span class="invisible">https://</span>'
        '<span class="">mona.example</span><span class="invisible"></span></a>',
    },
    {"type": "PropertyValue", "name": "Organization", "value": "Harbour Museum"},
    {"type": "PropertyValue", "name": "Expertise", "value": "conservation, metadata"},
]


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, MicroblogServer]]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        with microblog_server("masto") as masto:
            masto.actor_extra = {
                "attachment": MASTODON_FIELDS,
                "tag": [{"type": "Hashtag", "name": "#Museums", "href": "https://x/tags/m"}],
                "discoverable": True,
            }
            yield alpha, masto


async def _api_account(alpha: LiveNode, actor_id: int) -> dict[str, Any]:
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{alpha.port}", headers={"Host": alpha.config.domain}
    ) as http:
        response = await http.get(f"/api/v1/accounts/{actor_id}")
    assert response.status_code == 200
    found: dict[str, Any] = response.json()
    return found


async def test_a_mastodon_peer_s_fields_show_on_its_profile_and_in_the_api(
    scene: tuple[LiveNode, MicroblogServer],
) -> None:
    alpha, masto = scene
    # When alpha looks the Mastodon user up
    mona = await remote_actors.look_up(alpha.pool, alpha.app.state.network, masto.user)
    # Then its profile page here shows every field, the link kept safe
    page = await alpha.get(f"/u/mona@{mona.domain}")
    assert page.status_code == 200
    assert "<dt>Organisation</dt><dd>Harbour Museum</dd>" in page.text
    assert "<li>conservation</li>" in page.text and "<li>metadata</li>" in page.text
    assert "<dt>Website</dt>" in page.text
    assert 'href="https://mona.example"' in page.text and 'target="_blank"' not in page.text
    # And the client API lists them as fields, unverified
    account = await _api_account(alpha, mona.id)
    names = [(f["name"], f["verified_at"]) for f in account["fields"]]
    assert names == [("Organisation", None), ("Expertise", None), ("Website", None)]
    assert account["fields"][1]["value"] == "conservation, metadata"
    assert "mona.example" in account["fields"][2]["value"]
    assert account["discoverable"] is True


async def test_an_update_with_hostile_fields_is_sanitised_and_bounded(
    scene: tuple[LiveNode, MicroblogServer],
) -> None:
    alpha, masto = scene
    mona = await remote_actors.look_up(alpha.pool, alpha.app.state.network, masto.user)
    await alpha.drain()
    scripted = {
        "type": "PropertyValue",
        "value": '<script>alert(1)</script><a href="javascript:alert(1)">x</a>',
    }
    fields = [scripted | {"name": f"<b>f{i}</b>"} for i in range(99)]
    fields.append({"type": "PropertyValue", "name": "Organisation", "value": "O" * 8000})
    hostile = masto.actor() | {
        "name": "Mona",
        "attachment": fields,
        "tag": [{"type": "Hashtag", "name": "#" + "t" * 5000}],
    }
    update = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{masto.user}#updates/{uuid.uuid4().int}",
        "type": "Update",
        "actor": masto.user,
        "object": hostile,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }
    # When the peer sends an Update of its Person with 99 script-laden fields (the inbox takes 100)
    assert (await post(alpha, encoded(update), masto.sender)).status_code == 202
    await alpha.drain()
    async with alpha.pool.acquire() as conn:
        kept = await profile_store.profile_of(conn, mona.id)
    # Then at most 16 fields are kept, with no script and no javascript: link
    assert len(kept.other_fields) == 16
    assert all("script" not in f.value_html and "javascript" not in f.value_html
               for f in kept.other_fields)  # fmt: skip
    assert kept.other_fields[0].name == "<b>f0</b>"  # a name is plain text...
    page = await alpha.get(f"/u/mona@{mona.domain}")
    assert "&lt;b&gt;f0&lt;/b&gt;" in page.text and "<b>f0</b>" not in page.text  # ...escaped
    # And the Organisation field beyond the first 64 entries is not read at all
    assert kept.organisation == ""
    assert len(kept.expertise) == 1 and len(kept.expertise[0]) <= 50

    # When it sends 10,000 fields
    flood = update | {
        "id": f"{masto.user}#updates/{uuid.uuid4().int}",
        "object": hostile
        | {"attachment": [{"type": "PropertyValue", "name": "n", "value": "v"}] * 10_000},
    }
    refused = await post(alpha, encoded(flood), masto.sender)
    # Then the inbox refuses it, and what was kept stays
    assert 400 <= refused.status_code < 500
    await alpha.drain()
    async with alpha.pool.acquire() as conn:
        assert len((await profile_store.profile_of(conn, mona.id)).other_fields) == 16
