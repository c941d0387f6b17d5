"""GET /api/v1/directory from a real Mastodon client (Mastodon.py) over a real socket: the
people who chose to be listed, with their profile fields, as Mastodon's directory answers."""

from __future__ import annotations

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from fedcop.services.people import profiles as people
from fedcop.store.actors import RemoteActorFields, upsert_remote
from fedcop.store.people import profiles as profile_store
from tests.api.test_mastodon_py import in_thread, sign_in_with_mastodon_py
from tests.conftest import fresh_database
from tests.live_node import live_node

PASSWORD = "correct horse battery"


async def test_the_directory_lists_those_who_chose_it(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        for name in ("alice", "bob", "carol"):
            await accounts.create_user(home.pool, home.config, name, PASSWORD)
        # A person elsewhere whose server says she may be listed
        async with home.pool.acquire() as conn:
            remote = await upsert_remote(
                conn,
                RemoteActorFields(
                    uri="https://b.test/users/rita", actor_type="Person", username="rita",
                    domain="b.test", display_name="Rita", summary="",
                    inbox_url="https://b.test/users/rita/inbox", shared_inbox_url=None,
                    outbox_url=None, followers_url=None,
                    public_key_id="https://b.test/users/rita#main-key",
                    public_key_pem="-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
                ),
            )  # fmt: skip
            await profile_store.save(
                conn, remote.id, profile_store.Profile(sector="Health", discoverable=True)
            )
        client = await in_thread(sign_in_with_mastodon_py, home.base, "alice", PASSWORD)
        # Nobody is listed until they choose it
        assert await in_thread(client.directory, local=True) == []

        # When alice chooses it from her app, with her profile fields, and bob on the web
        me = await in_thread(
            client.account_update_credentials,
            discoverable=True,
            fields=[("Organisation", "City Library"), ("Expertise", "metadata standards")],
        )
        assert me.discoverable is True and me.source.discoverable is True
        async with home.pool.acquire() as conn:
            bob = await conn.fetchval("SELECT id FROM actors WHERE username = 'bob'")
        await people.set_discoverable(home.pool, bob, True)

        # Then the local directory lists them, newest first when asked, never carol
        local = await in_thread(client.directory, local=True, order="new")
        assert [account.acct for account in local] == ["bob", "alice"]
        alice = local[1]
        assert [(f.name, f.value, f.verified_at) for f in alice.fields] == [
            ("Organisation", "City Library", None),
            ("Expertise", "metadata standards", None),
        ]
        assert alice.discoverable is True
        # And pages through offset and limit
        second = await in_thread(client.directory, local=True, order="new", offset=1, limit=1)
        assert [account.acct for account in second] == ["alice"]
        # And without `local`, people elsewhere who may be listed come too
        everyone = await in_thread(client.directory, order="new")
        assert {account.acct for account in everyone} == {"alice", "bob", "rita@b.test"}

        # And the web page of the directory lists the same people here
        page = await home.get("/directory")
        listed = page.text.split('class="people members"', 1)[1]
        assert "@alice@" in listed and "@bob@" in listed and "@carol@" not in listed
        assert "City Library" in listed and "rita" not in listed

        # When alice chooses not to be listed any more
        await in_thread(client.account_update_credentials, discoverable=False)
        assert [a.acct for a in await in_thread(client.directory, local=True)] == ["bob"]

        # And nonsense is refused with a 422, not a 500
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{home.port}", headers={"Host": home.config.domain}
        ) as http:
            for query in ({"order": "loud"}, {"limit": "-3"}, {"offset": "x"}):
                assert (await http.get("/api/v1/directory", params=query)).status_code == 422
