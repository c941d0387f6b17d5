"""Profiles that travel and the directory that finds people, over real sockets: alpha hosts
"stewards" (facilitator fa); bea on beta and gus on gamma are members.

    bea states her expertise on beta's settings page -> beta sends the Update of her Person
    (attachment PropertyValues, Hashtag tags) to the community's server -> alpha keeps it ->
    alpha's members page and its "who knows about metadata" put her first, ahead of gus,
    who only wrote about it once
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import posts
from fedcop.store import actors as actor_store
from fedcop.store.people import profiles as profile_store
from tests.scene import Nodes, settle, three_nodes
from tests.web_session import signed_in


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as found:
        yield found


async def test_stated_expertise_travels_and_ranks_first_in_who_knows(nodes: Nodes) -> None:
    alpha, beta, gamma = nodes
    # Given gus on gamma wrote once about metadata in the community
    await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network, author="gus",
        community_uri=f"{alpha.base}/c/stewards", title="Shelf labels",
        content="We print labels; the metadata comes from the catalogue.",
    )  # fmt: skip
    # When bea sets her profile on beta's settings page
    async with signed_in(beta, "bea", "long enough") as bea:
        await bea.csrf("/settings")
        saved = await bea.submit(
            "/settings/profile", display_name="Bea", bio="", organisation="Beta University",
            sector="Higher education", job_role="Metadata librarian",
            expertise="metadata standards, Dublin Core",
        )  # fmt: skip
        assert saved.status_code == 200 and "Your profile is saved." in saved.text
    await settle(alpha, beta, gamma)

    # Then her Person on beta carries the fields and the hashtags
    document = (await beta.get("/u/bea", headers={"Accept": "application/activity+json"})).json()
    assert {"type": "PropertyValue", "name": "Expertise",
            "value": "metadata standards, Dublin Core"} in document["attachment"]  # fmt: skip
    assert {"type": "PropertyValue", "name": "Organisation",
            "value": "Beta University"} in document["attachment"]  # fmt: skip
    assert {"type": "Hashtag", "name": "#metadatastandards",
            "href": f"{beta.base}/tags/metadatastandards"} in document["tag"]  # fmt: skip
    # And alpha keeps them, from the Update it received
    bea_uri = f"{beta.base}/u/bea"
    async with alpha.pool.acquire() as conn:
        bea_here = await actor_store.find_by_uri(conn, bea_uri)
        assert bea_here is not None
        kept = await profile_store.profile_of(conn, bea_here.id)
    assert kept.expertise == ("metadata standards", "Dublin Core")
    assert (kept.organisation, kept.sector, kept.job_role) == (
        "Beta University", "Higher education", "Metadata librarian",
    )  # fmt: skip

    # When someone asks alpha's members page who knows about metadata
    page = await alpha.get("/c/stewards/members", params={"q": "metadata"})
    assert page.status_code == 200
    knowers = page.text.split('class="people knowers"', 1)[1].split("</ol>", 1)[0]
    # Then bea comes first, gus (one post) after her
    assert knowers.index("@bea@") < knowers.index("@gus@")
    assert "states it as expertise" in knowers and "1 post here about it" in knowers

    # And the members list filters by organisation and by expertise
    by_org = await alpha.get("/c/stewards/members", params={"organisation": "beta university"})
    listed = by_org.text.split('class="people members"', 1)[1]
    assert "@bea@" in listed and "@gus@" not in listed and "@fa@" not in listed
    by_subject = await alpha.get("/c/stewards/members", params={"expertise": "Dublin"})
    listed = by_subject.text.split('class="people members"', 1)[1]
    assert "@bea@" in listed and "@gus@" not in listed
    # And the spread shows Beta University among the organisations, chart and table alike
    assert re.search(r"<th scope=\"row\">Beta University</th><td>1</td><td>33%</td>", page.text)
    assert "Members by sector" in page.text and '<svg role="img"' in page.text

    # And beta's page of the community lists its members known there, with what they state
    on_beta = await beta.get(f"/c/stewards@{alpha.config.domain}/members")
    assert on_beta.status_code == 200
    assert "@bea@" in on_beta.text and "Metadata librarian" in on_beta.text

    # And her profile page on alpha and the client API show the fields
    profile_page = await alpha.get(f"/u/bea@{beta.config.domain}")
    assert "Metadata librarian" in profile_page.text and "Dublin Core" in profile_page.text
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}",
                                 headers={"Host": alpha.config.domain}) as http:  # fmt: skip
        account = (await http.get(f"/api/v1/accounts/{bea_here.id}")).json()
    assert {"name": "Expertise", "value": "metadata standards, Dublin Core",
            "verified_at": None} in account["fields"]  # fmt: skip


async def test_an_emptied_profile_is_emptied_elsewhere(nodes: Nodes) -> None:
    alpha, beta, gamma = nodes
    async with signed_in(beta, "bea", "long enough") as bea:
        for expertise in ("archives", ""):
            await bea.csrf("/settings")
            await bea.submit(
                "/settings/profile", display_name="Bea", bio="", organisation="",
                sector="", job_role="", expertise=expertise,
            )  # fmt: skip
            await settle(alpha, beta, gamma)
            async with alpha.pool.acquire() as conn:
                here = await actor_store.find_by_uri(conn, f"{beta.base}/u/bea")
                assert here is not None
                kept = await profile_store.profile_of(conn, here.id)
            assert kept.expertise == ((expertise,) if expertise else ())
