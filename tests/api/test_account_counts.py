"""The counts on an account (followers, following, statuses, last status) are kept by triggers
(migrations/0014_actor_counts.sql), not counted on each request: they must follow every change
a person makes, and the migration's backfill must give what counting gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, follows, moderation
from fedcop.services.moderation import Action
from tests.api.conftest import ApiUser, api_user
from tests.api.test_statuses import join, post

# What the counts mean, counted the slow way (as account_facts.counts_of did before 0014).
RECOUNT = """
    SELECT a.id,
           (SELECT count(*) FROM follows f
             WHERE f.followed_id = a.id AND f.state = 'accepted') AS followers,
           (SELECT count(*) FROM follows f
             WHERE f.follower_id = a.id AND f.state = 'accepted') AS following,
           (SELECT count(*) FROM posts p
             WHERE (p.author_id = a.id OR (a.actor_type = 'Group' AND p.community_id = a.id
                                           AND p.thread_id IS NULL))
               AND p.deleted_at IS NULL AND p.removed_at IS NULL) AS statuses,
           (SELECT max(p.published) FROM posts p
             WHERE p.author_id = a.id AND p.deleted_at IS NULL) AS last_status_at
    FROM actors a ORDER BY a.id
"""
KEPT = """
    SELECT a.id, coalesce(c.followers, 0) AS followers, coalesce(c.following, 0) AS following,
           coalesce(c.statuses, 0) AS statuses, c.last_status_at
    FROM actors a LEFT JOIN actor_counts c ON c.actor_id = a.id ORDER BY a.id
"""
MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "0014_actor_counts.sql"


async def _kept_equals_recount(app: Any) -> None:
    async with app.state.pool.acquire() as conn:
        kept = [dict(row) for row in await conn.fetch(KEPT)]
        counted = [dict(row) for row in await conn.fetch(RECOUNT)]
    assert kept == counted


async def _counts(api: httpx.AsyncClient, actor_id: int) -> tuple[int, int, int]:
    shown = (await api.get(f"/api/v1/accounts/{actor_id}")).json()
    return shown["followers_count"], shown["following_count"], shown["statuses_count"]


async def _last_status_at(app: Any, actor_id: int) -> Any:
    async with app.state.pool.acquire() as conn:
        return await conn.fetchval(
            "SELECT last_status_at FROM actor_counts WHERE actor_id = $1", actor_id
        )


async def _published(app: Any, status_id: str) -> Any:
    async with app.state.pool.acquire() as conn:
        return await conn.fetchval("SELECT published FROM posts WHERE id = $1", int(status_id))


async def _scene(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> tuple[int, int, ApiUser, str, str]:
    """alice founds "clinic" (joining needs her approval) and "stewards"; bob follows alice,
    asks to join clinic, joins stewards and writes two threads; alice replies to one."""
    clinic = await accounts.create_community(
        app.state.pool, config, "clinic", title="Clinic", owner="alice"
    )
    await follows.set_manual_approval(app.state.pool, "clinic", True)
    stewards = await accounts.create_community(
        app.state.pool, config, "stewards", title="Stewards", owner="alice"
    )
    bob = await api_user(app, config, "bob")
    assert (await api.post(f"/api/v1/accounts/{alice.actor.id}/follow", headers=bob.auth)).json()[
        "following"
    ]
    asked = await api.post(f"/api/v1/accounts/{clinic.id}/follow", headers=bob.auth)
    assert asked.json()["requested"] is True
    await join(app, config, bob, f"{config.base_url}/c/stewards")
    first = await post(api, bob, status="@stewards Retention\nHow long do you keep records?")
    second = await post(api, bob, status="@stewards Formats\nWhich formats last?")
    await post(api, alice, status="Seven years.", in_reply_to_id=first["id"])
    return clinic.id, stewards.id, bob, first["id"], second["id"]


async def test_counts_follow_follows_posts_deletions_and_removals(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given the scene: bob follows alice, asked to join clinic, is in stewards, wrote 2 threads
    clinic, stewards, bob, first, second = await _scene(app, config, api, alice)
    bob_id = bob.actor.id
    # Then alice has one follower and follows her two communities (founders are members)
    assert await _counts(api, alice.actor.id) == (1, 2, 1)
    # bob's join request is not counted until it is accepted
    assert await _counts(api, bob_id) == (0, 2, 2)
    assert await _counts(api, clinic) == (1, 0, 0)
    # a community's statuses are its threads, not the replies in them
    assert await _counts(api, stewards) == (2, 0, 2)
    assert await _last_status_at(app, bob_id) == await _published(app, second)
    await _kept_equals_recount(app)

    # When alice lets bob into clinic
    let_in = await api.post(f"/api/v1/follow_requests/{bob_id}/authorize", headers=alice.auth)
    assert let_in.status_code == 200
    # Then both sides count it
    assert await _counts(api, clinic) == (2, 0, 0)
    assert await _counts(api, bob_id) == (0, 3, 2)

    # When bob stops following alice and leaves clinic
    for followed in (alice.actor.id, clinic):
        gone = await api.post(f"/api/v1/accounts/{followed}/unfollow", headers=bob.auth)
        assert gone.status_code == 200
    # Then neither counts him any more
    assert await _counts(api, alice.actor.id) == (0, 2, 1)
    assert await _counts(api, clinic) == (1, 0, 0)
    assert await _counts(api, bob_id) == (0, 1, 2)
    await _kept_equals_recount(app)

    # When bob deletes his newest thread
    deleted = await api.delete(f"/api/v1/statuses/{second}", headers=bob.auth)
    assert deleted.status_code == 200
    # Then it is gone from his and the community's statuses, and his last status is the first
    assert await _counts(api, bob_id) == (0, 1, 1)
    assert await _counts(api, stewards) == (2, 0, 1)
    assert await _last_status_at(app, bob_id) == await _published(app, first)

    # When alice, facilitating stewards, removes bob's first thread
    await moderation.act(
        app.state.pool,
        config,
        app.state.network,
        moderator="alice",
        community_uri=f"{config.base_url}/c/stewards",
        action=Action("remove", f"{config.base_url}/p/{first}"),
    )
    # Then it no longer counts, but bob did post then (removed is not deleted)
    assert await _counts(api, bob_id) == (0, 1, 0)
    assert await _counts(api, stewards) == (2, 0, 0)
    assert await _last_status_at(app, bob_id) == await _published(app, first)
    # and alice's reply under it still counts as hers
    assert await _counts(api, alice.actor.id) == (0, 2, 1)
    await _kept_equals_recount(app)

    # When the thread is erased (as when its author's account goes), with the reply under it
    async with app.state.pool.acquire() as conn:
        await conn.execute("DELETE FROM posts WHERE id = $1", int(first))
    # Then alice has written nothing left, and no last status
    assert await _counts(api, alice.actor.id) == (0, 2, 0)
    assert await _last_status_at(app, alice.actor.id) is None
    await _kept_equals_recount(app)


async def test_the_migration_backfills_what_counting_gives(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a node with real activity: follows, a pending request, threads, a reply, a deletion
    _, stewards, bob, first, second = await _scene(app, config, api, alice)
    await api.delete(f"/api/v1/statuses/{second}", headers=bob.auth)
    async with app.state.pool.acquire() as conn:
        # and a removed reply, and a thread the community itself wrote in itself (counted once)
        await conn.execute("UPDATE posts SET removed_at = now() WHERE thread_id = $1", int(first))
        await conn.execute(
            """
            INSERT INTO posts (uri, community_id, author_id, object_type, title, content)
            VALUES ($1, $2, $2, 'Page', 'Welcome', 'Hello')
            """,
            f"{config.base_url}/p/welcome",
            stewards,
        )
    await _kept_equals_recount(app)
    async with app.state.pool.acquire() as conn:
        before = [dict(row) for row in await conn.fetch(KEPT)]
        # When the counters are rebuilt as the migration builds them on an existing node
        async with conn.transaction():
            await conn.execute(
                """
                DROP TABLE actor_counts;
                DROP FUNCTION fedcop_count_change, fedcop_follows_counted, fedcop_posts_counted,
                              fedcop_actor_type_counted CASCADE;
                """
            )
            await conn.execute(MIGRATION.read_text(encoding="utf-8"))
        after = [dict(row) for row in await conn.fetch(KEPT)]
    # Then they are what counting gives, and what the triggers had kept
    await _kept_equals_recount(app)
    assert after == before
    assert await _counts(api, stewards) == (2, 0, 2)

    # and the triggers work again: a new thread counts at once
    await post(api, bob, status="@stewards Scanning\nWho scans paper records?")
    assert await _counts(api, stewards) == (2, 0, 3)

    # When a remote refresh would change the community's type, its threads stop counting as its
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE actors SET actor_type = 'Organization' WHERE id = $1", stewards)
    await _kept_equals_recount(app)
    async with app.state.pool.acquire() as conn:
        kept = await conn.fetchval(
            "SELECT statuses FROM actor_counts WHERE actor_id = $1", stewards
        )
    assert kept == 1  # only the thread it wrote itself
