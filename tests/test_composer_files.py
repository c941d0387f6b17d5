"""Files from the web composers, over a live node with real sessions and CSRF: a thread and a
reply carry pictures and documents with alt text, tag and licence; a picture without a
description gets one gentle prompt; refusals come back with the typed text and store nothing."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.services.media import drain_deleted_files
from fedcop.store import posts as post_store
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.test_web_journeys import sign_in
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"


def picture(width: int = 40, height: int = 30) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 160, 90)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        await accounts.create_user(node.pool, node.config, "fa", PASSWORD)
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(node.pool, node.config, "ann", PASSWORD)
        await follows.join(
            node.pool, node.config, node.app.state.network, "ann", f"{node.base}/c/stewards"
        )
        await settle(node)
        yield node


async def _post(browser: Browser, path: str, fields: dict[str, str], files: dict[str, Any]) -> Any:
    return await browser.http.post(path, data={"csrf": browser.token, **fields}, files=files)


async def _media(node: LiveNode) -> list[Any]:
    async with node.pool.acquire() as conn:
        return list(await conn.fetch("SELECT * FROM media ORDER BY id"))


async def _stored_files(node: LiveNode) -> int:
    """Files in the media directory (shared by the nodes of a test run: compare counts)."""
    root = node.config.data_dir / "media"
    return sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0


async def _thread_id(response: Any) -> int:
    assert response.status_code == 303, response.text
    found = re.fullmatch(r"/t/(\d+)", response.headers["location"])
    assert found is not None, response.headers["location"]
    return int(found.group(1))


async def test_a_thread_and_a_reply_carry_files(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as browser:
        page = await browser.page("/c/stewards")
        assert 'enctype="multipart/form-data"' in page
        assert 'name="file_0" type="file"' in page and 'name="alt_0"' in page
        assert '<option value="cc-by-4.0"' in page
        await browser.csrf("/c/stewards")
        response = await _post(
            browser,
            "/c/stewards/threads",
            {
                "title": "Triage day",
                "content": "The board and the checklist.",
                "alt_0": "The whiteboard, three columns of sticky notes",
                "tag": "triage",
                "licence": "cc-by-4.0",
            },
            {
                "file_0": ("board.jpg", picture(), "image/jpeg"),
                "file_1": ("checklist.csv", b"step,who\nsort,ann\n", "text/csv"),
            },
        )
        thread_id = await _thread_id(response)
        async with alpha.pool.acquire() as conn:
            thread = await post_store.find(conn, thread_id)
        assert thread is not None
        assert [(a["type"], a["mediaType"], a["name"]) for a in thread.attachments] == [
            ("Image", "image/jpeg", "The whiteboard, three columns of sticky notes"),
            ("Document", "text/csv", ""),
        ]
        media = await _media(alpha)
        assert [(m["file_name"], m["tag"], m["licence"]) for m in media] == [
            ("board.jpg", "triage", "cc-by-4.0"),
            ("checklist.csv", "triage", "cc-by-4.0"),
        ]
        assert all(m["attached_at"] is not None for m in media)

        # A reply with a described picture, from the thread's reply form
        thread_page = await browser.page(f"/t/{thread_id}")
        reply_form = thread_page[thread_page.index(f'action="/t/{thread_id}/reply"') :]
        assert 'enctype="multipart/form-data"' in reply_form[:200]
        assert 'name="file_0"' in reply_form and 'name="licence"' not in reply_form
        await browser.csrf(f"/t/{thread_id}")
        reply = await _post(
            browser,
            f"/t/{thread_id}/reply",
            {"content": "After lunch.", "alt_0": "The board, all notes in Done"},
            {"file_0": ("after.jpg", picture(), "image/jpeg")},
        )
        assert reply.status_code == 303, reply.text
        reply_id = int(reply.headers["location"].rsplit("#post-", 1)[1])
        async with alpha.pool.acquire() as conn:
            written = await post_store.find(conn, reply_id)
        assert written is not None
        assert [a["name"] for a in written.attachments] == ["The board, all notes in Done"]

        # The thread's edit form lists its files: one removed, the other described anew
        board_id, checklist_id = media[0]["id"], media[1]["id"]
        form = await browser.page(f"/t/{thread_id}/edit")
        assert f'name="keep_file" type="checkbox" value="{checklist_id}" checked' in form
        await browser.csrf(f"/t/{thread_id}/edit")
        edited = await browser.http.post(
            f"/t/{thread_id}/edit",
            data={
                "csrf": browser.token,
                "title": "Triage day",
                "content": "The board.",
                "files_listed": "1",
                "keep_file": str(board_id),
                f"describe_{board_id}": "The whiteboard at noon",
                f"describe_{checklist_id}": "ignored: not kept",
            },
        )
        assert edited.status_code == 303, edited.text
        async with alpha.pool.acquire() as conn:
            after = await post_store.find(conn, thread_id)
        assert after is not None
        assert [(a["media_id"], a["name"]) for a in after.attachments] == [
            (board_id, "The whiteboard at noon")
        ]


async def test_a_picture_without_alt_text_is_prompted_once(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as browser:
        await browser.csrf("/c/stewards")
        prompted = await _post(
            browser,
            "/c/stewards/threads",
            {"title": "Shelf photo", "content": "Before weeding."},
            {"file_0": ("shelf.jpg", picture(), "image/jpeg")},
        )
        # Not posted yet: the composer comes back with the picture and a gentle word
        assert prompted.status_code == 200
        assert "Add a description to your picture?" in prompted.text
        assert "You can also post without one." in prompted.text
        assert 'value="Shelf photo"' in prompted.text and "Before weeding." in prompted.text
        [media] = await _media(alpha)
        assert media["attached_at"] is None
        kept = re.search(r'name="kept" value="(\d+)"', prompted.text)
        assert kept is not None and int(kept.group(1)) == media["id"]
        assert f'name="kept_alt_{media["id"]}"' in prompted.text
        # Posting again without a description posts it (encouraged, not forced)
        posted = await _post(
            browser,
            "/c/stewards/threads",
            {
                "title": "Shelf photo",
                "content": "Before weeding.",
                "kept": str(media["id"]),
                "described": "yes",
            },
            {},
        )
        thread_id = await _thread_id(posted)
        async with alpha.pool.acquire() as conn:
            thread = await post_store.find(conn, thread_id)
        assert thread is not None
        assert [a["media_id"] for a in thread.attachments] == [media["id"]]
        # Or described in the prompt: the description is kept with the file
        await browser.csrf("/c/stewards")
        again = await _post(
            browser,
            "/c/stewards/threads",
            {"title": "Second shelf", "content": "After."},
            {"file_0": ("after.jpg", picture(), "image/jpeg")},
        )
        second = int(re.findall(r'name="kept" value="(\d+)"', again.text)[0])
        described = await _post(
            browser,
            "/c/stewards/threads",
            {
                "title": "Second shelf",
                "content": "After.",
                "kept": str(second),
                f"kept_alt_{second}": "Half-empty shelves",
                "described": "yes",
            },
            {},
        )
        second_thread = await _thread_id(described)
        async with alpha.pool.acquire() as conn:
            thread = await post_store.find(conn, second_thread)
        assert thread is not None
        assert [a["name"] for a in thread.attachments] == ["Half-empty shelves"]


async def test_refusals_keep_the_text_and_store_nothing(alpha: LiveNode) -> None:
    files_before = await _stored_files(alpha)
    async with signed_in(alpha, "ann", PASSWORD) as browser:
        await browser.csrf("/c/stewards")
        # A kind of file fedcop does not take, beside a good one: neither is kept
        refused = await _post(
            browser,
            "/c/stewards/threads",
            {"title": "Tools", "content": "My script, compiled.", "alt_0": "A chart"},
            {
                "file_0": ("chart.jpg", picture(), "image/jpeg"),
                "file_1": ("tool.exe", b"MZ\x90\x00" + bytes(300), "application/octet-stream"),
            },
        )
        assert refused.status_code == 400
        assert "not accepted" in refused.text
        assert 'value="Tools"' in refused.text and "My script, compiled." in refused.text
        # Too large for a picture
        big = picture()[:64] + bytes(alpha.config.media.max_image_bytes)
        too_big = await _post(
            browser,
            "/c/stewards/threads",
            {"title": "Huge", "content": "A big photo."},
            {"file_0": ("huge.jpg", big, "image/jpeg")},
        )
        assert too_big.status_code == 413
        assert "at most" in too_big.text and "A big photo." in too_big.text
        assert await _media(alpha) == []
        # A picture waiting in the form (the alt-text prompt) stays there when a file sent with
        # it is refused
        prompted = await _post(
            browser,
            "/c/stewards/threads",
            {"title": "Shelves", "content": "Two photos."},
            {"file_0": ("one.jpg", picture(), "image/jpeg")},
        )
        [waiting] = await _media(alpha)
        assert f'name="kept" value="{waiting["id"]}"' in prompted.text
        again = await _post(
            browser,
            "/c/stewards/threads",
            {"title": "Shelves", "content": "Two photos.", "kept": str(waiting["id"])},
            {"file_0": ("two.exe", b"MZ\x90\x00" + bytes(300), "application/octet-stream")},
        )
        assert again.status_code == 400 and "not accepted" in again.text
        assert f'name="kept" value="{waiting["id"]}"' in again.text
        assert [m["id"] for m in await _media(alpha)] == [waiting["id"]]
        async with alpha.pool.acquire() as conn:
            await conn.execute("DELETE FROM media")
        # The one upload that worked before the refusal is gone with its row; its bytes with
        # the deletion queue's drain (as always: services.media.removal)
        await drain_deleted_files(alpha.pool, alpha.app.state.media_storage)
        assert await _stored_files(alpha) == files_before
        async with alpha.pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM posts") == 0


@pytest.fixture
async def reachable(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    """The node at http://127.0.0.1:PORT, which the browser reaches."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "fa", PASSWORD)
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(node.pool, node.config, "ann", PASSWORD)
        await follows.join(
            node.pool, node.config, node.app.state.network, "ann", f"{node.base}/c/stewards"
        )
        await settle(node)
        yield node


async def test_the_composer_in_a_real_browser(reachable: LiveNode, tmp_path: Path) -> None:
    photo = tmp_path / "whiteboard.jpg"
    photo.write_bytes(picture(80, 60))
    async with browser() as page:
        await sign_in(page, reachable, "ann", PASSWORD)
        await page.goto(f"{reachable.base}/c/stewards")
        assert await unlabelled_fields(page) == []
        await page.get_by_label("Title").fill("Whiteboard from triage")
        await page.get_by_label("Text (Markdown)").fill("What we agreed.")
        await page.get_by_label("File 1", exact=True).set_input_files(str(photo))
        await page.get_by_role("button", name="Post thread").click()
        # The gentle prompt: the picture waits in the form with a field for its description
        await page.get_by_role("heading", name="Add a description to your picture?").wait_for()
        assert await unlabelled_fields(page) == []
        assert await page.get_by_label("Title").input_value() == "Whiteboard from triage"
        await page.get_by_label("Description (alt text): missing").fill(
            "A whiteboard with three columns of notes"
        )
        await page.get_by_role("button", name="Post thread").click()
        await page.wait_for_url(re.compile(r".*/t/\d+$"))
        # The thread shows the picture with its description
        shown = page.get_by_role("img", name="A whiteboard with three columns of notes")
        await shown.wait_for()
