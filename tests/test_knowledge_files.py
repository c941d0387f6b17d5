"""Knowledge-base pages carry files: written with the page from the web (a picture with alt text,
a document), kept, removed and added by later edits, shown under the page, and sent as the
Article's `attachment` (served at its id and in the community's Update)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.web_session import Browser, signed_in

PASSWORD = "long enough"
AP = {"Accept": "application/activity+json"}


def picture() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (90, 20, 160)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        for name in ("fa", "ann"):
            await accounts.create_user(node.pool, node.config, name, PASSWORD)
        stewards = await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
        )
        await follows.join(node.pool, node.config, node.app.state.network, "ann", stewards.uri)
        await settle(node)
        yield node


async def _send(browser: Browser, path: str, fields: dict[str, Any], files: dict[str, Any]) -> Any:
    return await browser.http.post(path, data={"csrf": browser.token, **fields}, files=files)


async def _page_media(node: LiveNode) -> list[int]:
    async with node.pool.acquire() as conn:
        rows = await conn.fetch("SELECT media_id FROM kb_page_media ORDER BY position")
    return [row["media_id"] for row in rows]


async def test_a_page_carries_files_shown_and_sent(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        form = await ann.page("/c/stewards/kb/new")
        assert 'enctype="multipart/form-data"' in form and 'name="file_0"' in form
        await ann.csrf("/c/stewards/kb/new")
        created = await _send(
            ann,
            "/c/stewards/kb/new",
            {
                "title": "Retention schedule",
                "markdown": "How long we keep what.",
                "note": "",
                "alt_0": "The schedule as a chart",
                "licence": "cc-by-sa-4.0",
            },
            {
                "file_0": ("chart.png", picture(), "image/png"),
                "file_1": ("schedule.csv", b"kind,years\nsurvey,10\n", "text/csv"),
            },
        )
        assert created.status_code == 303, created.text
        path = created.headers["location"]
        chart, schedule = await _page_media(alpha)

        # Shown under the page: the picture with its alt text, the document as a link
        page = await ann.page(path)
        assert 'alt="The schedule as a chart"' in page
        assert "schedule.csv" in page and "CSV" in page

        # Sent as the Article's attachment, without this node's bookkeeping
        article = (await ann.http.get(path, headers=AP)).json()
        assert [(a["type"], a["mediaType"], a.get("name")) for a in article["attachment"]] == [
            ("Image", "image/png", "The schedule as a chart"),
            ("Document", "text/csv", None),
        ]
        assert article["attachment"][0]["url"].startswith(f"{alpha.base}/media/")
        assert (article["attachment"][0]["width"], article["attachment"][0]["height"]) == (60, 40)
        assert not any(key in a for a in article["attachment"] for key in ("media_id", "proxy"))

        # An edit removes the chart (unticked) and adds a note
        form = await ann.page(f"{path}/edit")
        assert f'name="keep_file" type="checkbox" value="{chart}" checked' in form
        ann.token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
        edited = await _send(
            ann,
            f"{path}/edit",
            {
                "title": "Retention schedule",
                "markdown": "How long we keep what, by kind.",
                "note": "files",
                "base_version": "1",
                "files_listed": "1",
                "keep_file": str(schedule),
                "alt_0": "Meeting notes",
            },
            {"file_0": ("notes.txt", b"We agreed on ten years.\n", "text/plain")},
        )
        assert edited.status_code == 303, edited.text
        files = await _page_media(alpha)
        assert files[0] == schedule and len(files) == 2 and chart not in files
        article = (await ann.http.get(path, headers=AP)).json()
        assert [a["mediaType"] for a in article["attachment"]] == ["text/csv", "text/plain"]
        # The community's Update of the Article carries the files too
        async with alpha.pool.acquire() as conn:
            update = await conn.fetchval(
                """SELECT body FROM outbound_activities
                   WHERE document->>'type' = 'Update' ORDER BY id DESC LIMIT 1"""
            )
        assert update is not None
        sent = json.loads(update)
        assert [a["mediaType"] for a in sent["object"]["attachment"]] == [
            "text/csv",
            "text/plain",
        ]

        # A text-only edit from an older form (no file list) keeps the files
        await ann.csrf(f"{path}/edit")
        kept = await _send(
            ann,
            f"{path}/edit",
            {"title": "Retention schedule", "markdown": "Same files.", "base_version": "2"},
            {},
        )
        assert kept.status_code == 303, kept.text
        assert await _page_media(alpha) == files


async def test_a_picture_without_alt_text_on_a_page_is_prompted_once(alpha: LiveNode) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as ann:
        await ann.csrf("/c/stewards/kb/new")
        fields = {"title": "Shelf map", "markdown": "Where things are.", "note": ""}
        prompted = await _send(
            ann, "/c/stewards/kb/new", fields, {"file_0": ("map.png", picture(), "image/png")}
        )
        assert prompted.status_code == 200
        assert "Add a description to your picture?" in prompted.text
        assert 'value="Shelf map"' in prompted.text and "Where things are." in prompted.text
        async with alpha.pool.acquire() as conn:
            waiting = await conn.fetchval("SELECT id FROM media")
            assert await conn.fetchval("SELECT count(*) FROM kb_pages") == 1  # the charter
        assert f'name="describe_{waiting}"' in prompted.text
        saved = await _send(
            ann,
            "/c/stewards/kb/new",
            {
                **fields,
                "keep_file": str(waiting),
                f"describe_{waiting}": "A map of the stacks",
                "described": "yes",
                "files_listed": "1",
            },
            {},
        )
        assert saved.status_code == 303, saved.text
        assert await _page_media(alpha) == [waiting]
        page = await ann.page(saved.headers["location"])
        assert 'alt="A map of the stacks"' in page
