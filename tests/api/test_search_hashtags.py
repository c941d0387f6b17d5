"""Hashtag search as posts come and go: a tag is found while a post anyone may read carries it.
The tags in use are kept as posts change (migrations/0015_hashtags.sql); the last test checks
them against a count over the posts themselves, which is how the search used to answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg
import httpx

from fedcop.config import Config
from fedcop.services import accounts, moderation, post_changes
from tests.api.conftest import ApiUser, api_user

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "0015_hashtags.sql"

# The tags of readable posts, counted from the posts (the search's definition).
RECOUNT = """
    SELECT tag, count(*)::integer AS posts FROM (
        SELECT DISTINCT p.id, unnest(p.tags) AS tag FROM posts p
        WHERE p.tags <> '{}' AND p.deleted_at IS NULL AND p.removed_at IS NULL
          AND p.visibility IN ('public', 'unlisted')
          AND NOT EXISTS (SELECT 1 FROM communities c
                          WHERE c.actor_id = p.community_id AND c.private)
    ) t
    GROUP BY tag ORDER BY tag
"""


async def _tags(api: httpx.AsyncClient, user: ApiUser, prefix: str) -> list[str]:
    found = await api.get(
        "/api/v2/search", params={"q": prefix, "type": "hashtags"}, headers=user.auth
    )
    assert found.status_code == 200
    return [tag["name"] for tag in found.json()["hashtags"]]


async def _post(
    api: httpx.AsyncClient, user: ApiUser, text: str, visibility: str = "public"
) -> dict[str, Any]:
    written = await api.post(
        "/api/v1/statuses",
        data={"status": text, "visibility": visibility},
        headers=user.auth,
    )
    assert written.status_code == 200, written.text
    return dict(written.json())


async def test_a_tag_is_found_until_its_last_post_is_deleted(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await accounts.create_community(
        app.state.pool, config, "archivists", title="Archivists", owner="alice"
    )
    first = await _post(api, alice, "@archivists Appraisal\nOn #retention and #records")
    second = await _post(api, alice, "@archivists Schedules\nMore on #retention", "unlisted")

    assert await _tags(api, alice, "re") == ["records", "retention"]

    await api.delete(f"/api/v1/statuses/{first['id']}", headers=alice.auth)
    assert await _tags(api, alice, "re") == ["retention"]

    await api.delete(f"/api/v1/statuses/{second['id']}", headers=alice.auth)
    assert await _tags(api, alice, "re") == []

    # used again: found again
    await _post(api, alice, "@archivists Back\n#records again")
    assert await _tags(api, alice, "#REC") == ["records"]


async def test_an_edited_post_is_found_by_its_new_tags_only(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await accounts.create_community(
        app.state.pool, config, "archivists", title="Archivists", owner="alice"
    )
    post = await _post(api, alice, "@archivists Drafting\nA #draft on #metadata")

    await post_changes.edit(
        app.state.pool,
        config,
        author="alice",
        post_uri=post["uri"],
        content="The #final text on #metadata",
    )

    assert await _tags(api, alice, "dra") == []
    assert await _tags(api, alice, "fin") == ["final"]
    assert await _tags(api, alice, "meta") == ["metadata"]


async def test_tags_of_posts_not_everyone_may_read_are_not_found(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    community = await accounts.create_community(
        app.state.pool, config, "archivists", title="Archivists", owner="alice"
    )
    await accounts.create_community(
        app.state.pool, config, "vault", title="Vault", owner="alice", private=True
    )
    bob = await api_user(app, config, "bob")
    await _post(api, alice, "@vault Inside\nAbout #vaulted things")
    spam = await _post(api, bob, "@archivists Buy now\n#spamword here")
    assert await _tags(api, bob, "spam") == ["spamword"]

    # a facilitator removes bob's post
    await moderation.act(
        app.state.pool,
        config,
        app.state.network,
        moderator="alice",
        community_uri=community.uri,
        action=moderation.Action("remove", spam["uri"]),
    )

    assert await _tags(api, alice, "vault") == []
    assert await _tags(api, bob, "spam") == []


async def test_the_kept_tags_match_a_count_over_the_posts(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await accounts.create_community(
        app.state.pool, config, "archivists", title="Archivists", owner="alice"
    )
    await accounts.create_community(
        app.state.pool, config, "vault", title="Vault", owner="alice", private=True
    )
    kept = await _post(api, alice, "@archivists One\n#alpha #beta #alpha")
    gone = await _post(api, alice, "@archivists Two\n#beta #gamma", "unlisted")
    await _post(api, alice, "@vault Three\n#alpha #delta")
    await api.delete(f"/api/v1/statuses/{gone['id']}", headers=alice.auth)
    await post_changes.edit(
        app.state.pool, config, author="alice", post_uri=kept["uri"], content="#alpha #zeta"
    )
    async with app.state.pool.acquire() as conn:
        # several posts inserted by one statement with their tags (as a bulk load would):
        # copies of every stored post under new ids
        await conn.execute(
            """
            INSERT INTO posts
            SELECT (jsonb_populate_record(NULL::posts, to_jsonb(p)
                    || jsonb_build_object('id', fedcop_next_id(), 'uri', p.uri || '/copy'))).*
            FROM posts p
            """
        )
        # and erased rows (as cascades erase them)
        await conn.execute("DELETE FROM posts WHERE uri = $1", kept["uri"])

        assert await _kept(conn) == await _recount(conn)
        assert await _recount(conn) == {"alpha": 1, "zeta": 1}

        # the migration's own backfill finds the same
        await conn.execute("DELETE FROM hashtags")
        await conn.execute(_backfill())
        assert await _kept(conn) == await _recount(conn)

    assert await _tags(api, alice, "a") == ["alpha"]


async def _kept(conn: asyncpg.Connection) -> dict[str, int]:
    rows = await conn.fetch("SELECT name, posts FROM hashtags WHERE posts <> 0")
    return {row["name"]: row["posts"] for row in rows}


async def _recount(conn: asyncpg.Connection) -> dict[str, int]:
    return {row["tag"]: row["posts"] for row in await conn.fetch(RECOUNT)}


def _backfill() -> str:
    """The last statement of the migration: the tags of the posts already stored."""
    text = MIGRATION.read_text(encoding="utf-8")
    return text[text.rindex("INSERT INTO hashtags (name, posts)") :]
