"""Users and communities: one namespace, valid names, facilitators, keys off the event loop."""

from __future__ import annotations

from typing import Any

import pytest

from fedcop.config import Config
from fedcop.services import accounts
from fedcop.services.errors import InvalidInput, NameTaken, NotFound
from fedcop.services.passwords import check_password
from fedcop.store import actors as store


async def test_user_and_community_share_one_namespace(pool: Any, config: Config) -> None:
    await accounts.create_user(pool, config, "ana", "long enough")
    with pytest.raises(NameTaken):
        await accounts.create_community(pool, config, "ana", title="T", owner="ana")
    await accounts.create_community(pool, config, "stewards", title="Data Stewards", owner="ana")
    with pytest.raises(NameTaken):
        await accounts.create_user(pool, config, "stewards", "long enough")


async def test_community_owner_is_its_first_facilitator(pool: Any, config: Config) -> None:
    ana = await accounts.create_user(pool, config, "ana", "long enough")
    community = await accounts.create_community(pool, config, "stewards", title="T", owner="ana")
    async with pool.acquire() as conn:
        facilitators = await store.facilitators_of(conn, community.id)
    assert [f.uri for f in facilitators] == [ana.uri]


async def test_a_community_cannot_own_a_community(pool: Any, config: Config) -> None:
    await accounts.create_user(pool, config, "ana", "long enough")
    await accounts.create_community(pool, config, "stewards", title="T", owner="ana")
    with pytest.raises(NotFound):
        await accounts.create_community(pool, config, "sub", title="T", owner="stewards")


CYRILLIC_A = "\u0430"


@pytest.mark.parametrize(
    "name", ["", "Ana", "ana smith", "ana-smith", "a" * 31, CYRILLIC_A + "na", "../x"]
)
async def test_invalid_names_are_refused(pool: Any, config: Config, name: str) -> None:
    with pytest.raises(InvalidInput):
        await accounts.create_user(pool, config, name, "long enough")


async def test_password_is_stored_hashed(pool: Any, config: Config) -> None:
    await accounts.create_user(pool, config, "ana", "long enough")
    async with pool.acquire() as conn:
        stored = await store.password_hash_of(conn, "ana")
    assert stored is not None
    assert "long enough" not in stored
    assert check_password("long enough", stored)
    assert not check_password("long enougH", stored)


async def test_instance_actor_is_created_once(pool: Any, config: Config) -> None:
    first = await accounts.ensure_instance_actor(pool, config)
    second = await accounts.ensure_instance_actor(pool, config)
    assert first.actor.id == second.actor.id
    assert first.actor.actor_type == "Application"
    assert first.actor.uri == "https://alpha.test/actor"


async def test_every_local_actor_has_its_own_key(pool: Any, config: Config) -> None:
    ana = await accounts.create_user(pool, config, "ana", "long enough")
    bea = await accounts.create_user(pool, config, "bea", "long enough")
    assert ana.public_key_pem != bea.public_key_pem
    assert ana.public_key_id == "https://alpha.test/u/ana#main-key"


async def test_a_remote_user_and_community_may_share_a_name(pool: Any) -> None:
    # Lemmy lets @rust@host (a user) and !rust@host (a community) coexist
    for uri, actor_type in (
        ("https://l.example/u/rust", "Person"),
        ("https://l.example/c/rust", "Group"),
    ):
        fields = store.RemoteActorFields(
            uri=uri,
            actor_type=actor_type,
            username="rust",
            domain="l.example",
            display_name="rust",
            summary="",
            inbox_url=f"{uri}/inbox",
            shared_inbox_url="https://l.example/inbox",
            outbox_url=None,
            followers_url=None,
            public_key_id=f"{uri}#main-key",
            public_key_pem="-----BEGIN PUBLIC KEY-----\n-----END PUBLIC KEY-----\n",
        )
        async with pool.acquire() as conn:
            await store.upsert_remote(conn, fields)
    async with pool.acquire() as conn:
        assert await store.find_by_uri(conn, "https://l.example/c/rust") is not None
        assert await store.find_by_uri(conn, "https://l.example/u/rust") is not None
