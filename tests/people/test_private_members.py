"""A members-only community's members are its members' business: its members page, and the
member list the client API and ActivityPub give, show nobody to anyone else."""

from __future__ import annotations

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, oauth
from fedcop.store import follows as follow_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import signed_in

PASSWORD = "long enough"


def _api(node: LiveNode, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Host": node.config.domain}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}", headers=headers)


async def test_members_of_a_private_community_are_shown_to_members_only(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        # Given a members-only community with a member who states her expertise
        for name in ("fa", "mel", "otto"):
            await accounts.create_user(alpha.pool, alpha.config, name, PASSWORD)
        clinic = await accounts.create_community(
            alpha.pool, alpha.config, "clinic", title="Clinicians", owner="fa", private=True
        )
        async with alpha.pool.acquire() as conn:
            mel = await conn.fetchval("SELECT id FROM actors WHERE username = 'mel'")
            await follow_store.upsert(conn, mel, clinic.id, f"{alpha.base}/u/mel#j", True)
        paths = ["/c/clinic/members", "/c/clinic/members?q=triage", "/c/clinic/members?sector=x"]

        # Then someone signed out gets a 404 for the members page, as for its threads
        for path in paths:
            assert (await alpha.get(path)).status_code == 404
        # And so does a signed-in non-member
        async with signed_in(alpha, "otto", PASSWORD) as otto:
            for path in paths:
                response = await otto.http.get(path)
                assert response.status_code == 404 and "@mel@" not in response.text
        # And the client API's member list is empty for them
        otto_token = await oauth.admin_token(alpha.pool, "otto", "read")
        async with _api(alpha, otto_token) as api:
            followers = await api.get(f"/api/v1/accounts/{clinic.id}/followers")
            assert followers.status_code == 200 and followers.json() == []
        async with _api(alpha) as api:
            assert (await api.get(f"/api/v1/accounts/{clinic.id}/followers")).json() == []
            # And its ActivityPub followers collection names nobody
            collection = await api.get(
                "/c/clinic/followers", headers={"Accept": "application/activity+json"}
            )
            assert "mel" not in collection.text

        # When a member asks
        async with signed_in(alpha, "mel", PASSWORD) as member:
            page = await member.page("/c/clinic/members")
        # Then she sees everyone
        assert "@mel@" in page and "@fa@" in page
        mel_token = await oauth.admin_token(alpha.pool, "mel", "read")
        async with _api(alpha, mel_token) as api:
            listed = (await api.get(f"/api/v1/accounts/{clinic.id}/followers")).json()
        assert {account["acct"] for account in listed} == {"mel", "fa"}
