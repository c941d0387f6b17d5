"""The life of a file: it goes with the last post or page that uses it, with its owner's
account, or a day after an upload nobody attached; its bytes are queued for deletion by the
row's trigger. The storage used is counted per account and in total."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import admin as admin_service
from fedcop.services import moderation, post_changes
from fedcop.services.knowledge import pages as kb_pages
from fedcop.services.media import drain_deleted_files
from fedcop.services.media import lifecycle as media_lifecycle
from fedcop.store.media import attach_to_page
from fedcop.workers.media_cleanup import MediaCleanupWorker
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.media.library_page import library_rows
from tests.media.library_world import (
    PASSWORD,
    World,
    attach,
    make_world,
    shared,
    thread,
    upload,
)
from tests.processes import clean_env, run_fedcop
from tests.test_metrics import samples, value
from tests.web_session import signed_in


async def _media(world: World) -> set[str]:
    async with world.pool.acquire() as conn:
        rows = await conn.fetch("SELECT file_name FROM media")
    return {row["file_name"] for row in rows}


async def _queued(world: World) -> set[str]:
    async with world.pool.acquire() as conn:
        rows = await conn.fetch("SELECT storage_key FROM media_files_to_delete")
    return {row["storage_key"] for row in rows}


async def _key(world: World, media_id: int) -> str:
    async with world.pool.acquire() as conn:
        return str(await conn.fetchval("SELECT storage_key FROM media WHERE id = $1", media_id))


async def _listed(client: httpx.AsyncClient) -> list[str]:
    response = await client.get("/c/clinic/resources")
    return [row["name"] for row in library_rows(response.text)[0]]


async def test_deleting_a_post_deletes_its_files_unless_another_post_uses_them(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    # Given ana's thread with two files, one of which her other thread carries too
    world = await make_world(app, config)
    protocol = await thread(world, "ana", "Triage protocol")
    own = await shared(world, "ana", protocol, "checklist.pdf")
    both = await shared(world, "ana", protocol, "poster.pdf")
    posters = await thread(world, "ana", "Posters")
    await attach(world, posters, both)
    own_key = await _key(world, own)
    assert sorted(await _listed(client)) == ["checklist.pdf", "poster.pdf", "poster.pdf"]

    # When ana deletes her thread
    await post_changes.delete(world.pool, config, author="ana", post_uri=protocol.uri)

    # Then the file only it used is gone, its bytes queued for deletion from storage
    assert await _media(world) == {"poster.pdf"}
    assert own_key in await _queued(world)
    # and the storage worker's drain deletes them, leaving the shared file's bytes
    assert await world.storage.size(own_key) is not None
    while await drain_deleted_files(world.pool, world.storage):
        pass
    assert await world.storage.size(own_key) is None
    assert await world.storage.size(await _key(world, both)) is not None
    # and the library lists only what the other thread still carries
    assert await _listed(client) == ["poster.pdf"]

    # When ana deletes the other thread too, the last use of the shared file goes, and the file
    await post_changes.delete(world.pool, config, author="ana", post_uri=posters.uri)
    assert await _media(world) == set()
    assert await _listed(client) == []


async def test_a_facilitator_removing_a_post_deletes_its_files(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    world = await make_world(app, config)
    spam = await thread(world, "bo", "Cheap watches")
    media_id = await shared(world, "bo", spam, "offer.pdf")
    key = await _key(world, media_id)

    await moderation.act(
        world.pool, config, world.network, moderator="fa", community_uri=world.community_uri,
        action=moderation.Action("remove", spam.uri, reason="spam"),
    )  # fmt: skip

    assert await _media(world) == set()
    assert key in await _queued(world)
    assert await _listed(client) == []


async def test_a_file_a_page_uses_outlives_its_post(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    # Given a file on a thread and on a knowledge-base page
    world = await make_world(app, config)
    protocol = await thread(world, "ana", "Triage protocol")
    media_id = await shared(world, "ana", protocol, "checklist.pdf", description="Front desk")
    change = await kb_pages.create(
        world.pool, config, community="clinic", by="ana", title="Triage", markdown="How we do it."
    )
    async with world.pool.acquire() as conn:
        ana = await conn.fetchval("SELECT id FROM actors WHERE username = 'ana'")
        await attach_to_page(conn, change.page.id, ana, [media_id], max_attachments=4)

    # When the thread is deleted
    await post_changes.delete(world.pool, config, author="ana", post_uri=protocol.uri)

    # Then the file stays, listed under the page
    assert await _media(world) == {"checklist.pdf"}
    rows = library_rows((await client.get("/c/clinic/resources")).text)[0]
    assert [(row["name"], row["where"]) for row in rows] == [("checklist.pdf", "Page: Triage")]
    assert rows[0]["where_href"] == "/c/clinic/kb/triage"

    # And when the page is deleted, the file goes
    async with world.pool.acquire() as conn:
        await conn.execute("DELETE FROM kb_pages WHERE id = $1", change.page.id)
    assert await _media(world) == set()


async def test_an_edit_taking_files_off_a_post_leaves_them_unattached_for_a_day(
    app: Any, config: Config
) -> None:
    # An edit that rewrites a post's list of files keeps those it puts back; those it takes
    # off are their owner's unattached uploads again, for a day from the edit
    world = await make_world(app, config)
    protocol = await thread(world, "ana", "Triage protocol")
    kept = await shared(world, "ana", protocol, "kept.pdf")
    await shared(world, "ana", protocol, "dropped.pdf")
    async with world.pool.acquire() as conn:
        await conn.execute("UPDATE media SET created_at = now() - interval '3 days'")
    async with world.pool.acquire() as conn, conn.transaction():
        await conn.execute("DELETE FROM post_media WHERE post_id = $1", protocol.id)
        await conn.execute(
            "INSERT INTO post_media (post_id, media_id, position) VALUES ($1, $2, 0)",
            protocol.id,
            kept,
        )
    assert await _media(world) == {"kept.pdf", "dropped.pdf"}
    async with world.pool.acquire() as conn:
        unattached = await conn.fetch("SELECT file_name FROM media WHERE attached_at IS NULL")
    assert [row["file_name"] for row in unattached] == ["dropped.pdf"]

    # The sweep leaves it while the day since the edit runs (its upload is three days old)
    await MediaCleanupWorker(world.pool).run_once()
    assert await _media(world) == {"kept.pdf", "dropped.pdf"}

    # and deletes it once that day is past; the file the post still carries stays
    async with world.pool.acquire() as conn:
        await conn.execute("UPDATE media SET detached_at = now() - interval '25 hours'")
    await MediaCleanupWorker(world.pool).run_once()
    assert await _media(world) == {"kept.pdf"}


async def test_uploads_never_attached_are_deleted_after_a_day(app: Any, config: Config) -> None:
    # Given an upload left unattached for more than a day, a fresh one, and an old attached one
    world = await make_world(app, config)
    stale = await upload(world, "ana", "forgotten.pdf")
    await upload(world, "ana", "fresh.pdf")
    protocol = await thread(world, "ana", "Triage protocol")
    await shared(world, "ana", protocol, "used.pdf")
    stale_key = await _key(world, stale)
    async with world.pool.acquire() as conn:
        await conn.execute(
            "UPDATE media SET created_at = now() - interval '25 hours'"
            " WHERE file_name IN ('forgotten.pdf', 'used.pdf')"
        )

    # When the cleanup job passes
    await MediaCleanupWorker(world.pool).run_once()

    # Then only the stale unattached upload is gone, its bytes queued
    assert await _media(world) == {"fresh.pdf", "used.pdf"}
    assert stale_key in await _queued(world)
    # and a second pass finds nothing more
    assert await media_lifecycle.sweep(world.pool, older_than=timedelta(days=1)) == 0


async def test_storage_use_is_counted_per_account_and_in_total(
    app: Any, config: Config, dsn: str
) -> None:
    world = await make_world(app, config)
    protocol = await thread(world, "ana", "Triage protocol")
    await shared(world, "ana", protocol, "a.pdf", byte_size=3_000_000)
    picture = await shared(world, "ana", protocol, "b.png", kind="image")
    await upload(world, "bo", "c.pdf", byte_size=500)
    async with world.pool.acquire() as conn:
        # a picture counts with its thumbnail
        picture_bytes = await conn.fetchval(
            "SELECT byte_size + thumbnail_byte_size FROM media WHERE id = $1", picture
        )
    ana_bytes = 3_000_000 + picture_bytes

    report = await media_lifecycle.storage_report(world.pool)
    assert (report.totals.files, report.totals.bytes, report.totals.accounts) == (
        3, ana_bytes + 500, 2,
    )  # fmt: skip
    assert [(u.username, u.files, u.bytes) for u in report.top] == [
        ("ana", 2, ana_bytes),
        ("bo", 1, 500),
    ]

    # the operator's command says the same
    env = clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_BASE_URL=config.base_url)
    result = run_fedcop("admin", "storage", "--top", "1", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"files stored: 3 (3.0 MB, {ana_bytes + 500} bytes) by 2 accounts",
        f"  @ana@alpha.test: 2 files, 3.0 MB ({ana_bytes} bytes)",
    ]

    # deleting a post takes its files off its owner's count
    await post_changes.delete(world.pool, config, author="ana", post_uri=protocol.uri)
    report = await media_lifecycle.storage_report(world.pool)
    assert (report.totals.files, report.totals.bytes) == (1, 500)
    # and deleting an account takes its files and its count
    async with world.pool.acquire() as conn:
        await conn.execute("DELETE FROM actors WHERE username = 'bo' AND domain IS NULL")
    report = await media_lifecycle.storage_report(world.pool)
    assert (report.totals.files, report.totals.bytes, report.top) == (0, 0, [])


async def test_metrics_and_the_admin_page_show_the_storage_used(pg_cluster: Any) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        world = await make_world(alpha.app, alpha.config)
        protocol = await thread(world, "ana", "Triage protocol")
        await shared(world, "ana", protocol, "a.pdf", byte_size=4096)
        await upload(world, "bo", "b.pdf", byte_size=1000)
        await admin_service.set_admin(alpha.pool, "fa", True)

        # the scraper reads bytes stored and files
        scraped = samples((await alpha.get("/metrics")).text)
        assert value(scraped, "fedcop_media_stored_bytes") == 5096
        assert value(scraped, "fedcop_media_files") == 2

        # the admin page lists the total and the accounts using the most
        async with signed_in(alpha, "fa", PASSWORD) as admin:
            page = await admin.page("/admin")
        assert "Files stored: 2, 5.1 kB, by 2 accounts." in page
        assert page.index('href="/u/ana"') < page.index('href="/u/bo"')
