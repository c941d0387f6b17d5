"""In a real browser: a member attaches a picture to a new thread from the web composer, then
finds it in the community's library, filters by its tag and searches it by its alt text."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.scene import settle
from tests.test_web_journeys import sign_in

PASSWORD = "long enough"
ALT = "The whiteboard after triage day, three columns of sticky notes"


@pytest.fixture
async def node(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    """A node the browser reaches at http://127.0.0.1:PORT, with a community ann belongs to."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", PASSWORD)
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(alpha.pool, alpha.config, "ann", PASSWORD)
        await follows.join(
            alpha.pool, alpha.config, alpha.app.state.network, "ann", f"{alpha.base}/c/stewards"
        )
        await settle(alpha)
        yield alpha


def _photo(path: Path) -> Path:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (30, 90, 160)).save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


async def test_a_file_attached_to_a_thread_is_found_in_the_library(
    node: LiveNode, tmp_path: Path
) -> None:
    photo = _photo(tmp_path / "whiteboard.jpg")
    async with browser() as page:
        # Given ann, signed in, starts a thread with a described picture, a tag and a licence
        await sign_in(page, node, "ann", PASSWORD)
        await page.goto(f"{node.base}/c/stewards")
        await page.get_by_label("Title").fill("Triage day")
        await page.get_by_label("Text (Markdown)").fill("What we agreed on the board.")
        await page.get_by_label("File 1", exact=True).set_input_files(str(photo))
        await page.get_by_label("Description (alt text)").first.fill(ALT)
        await page.get_by_label("Tag in the community's library (optional)").fill("triage")
        await page.get_by_label("Licence").select_option("cc-by-sa-4.0")
        await page.get_by_role("button", name="Post thread").click()
        await page.wait_for_url(re.compile(r".*/t/\d+$"))
        thread_path = re.sub(r"^https?://[^/]+", "", page.url)

        # When she opens the community's library from its page
        await page.goto(f"{node.base}/c/stewards")
        await page.get_by_role("link", name="Library").click()
        await page.wait_for_url(re.compile(r".*/c/stewards/resources$"))
        assert await unlabelled_fields(page) == []

        # Then her picture is there: its thumbnail and alt text, who shared it, in which
        # thread, its tag and its licence linked to the licence's text
        row = page.locator("tr.library-file")
        assert await row.count() == 1
        assert await row.locator("a.file-name").inner_text() == "whiteboard.jpg"
        thumbnail = row.get_by_role("img", name=ALT)
        await thumbnail.wait_for()
        # the thumbnail really loads (served by this node)
        assert await thumbnail.evaluate("img => img.complete && img.naturalWidth > 0")
        assert await row.locator(".description").inner_text() == ALT
        assert "ann" in await row.locator("td").nth(2).inner_text()
        assert await row.locator("a.where").get_attribute("href") == thread_path
        assert await row.locator("a.where").inner_text() == "Triage day"
        licence = row.get_by_role("link", name="CC BY-SA 4.0")
        assert await licence.get_attribute("href") == (
            "https://creativecommons.org/licenses/by-sa/4.0/"
        )

        # And its tag filters the library to it
        await row.get_by_role("link", name="triage", exact=True).click()
        await page.wait_for_url(re.compile(r".*/resources\?tag=triage$"))
        assert await page.locator("tr.library-file").count() == 1

        # And words of its alt text find it, while other words find nothing
        await page.goto(f"{node.base}/c/stewards/resources")
        search = page.get_by_label("Words in file names and descriptions")
        await search.fill("sticky notes")
        await page.get_by_role("button", name="Find files").click()
        await page.wait_for_url(re.compile(r".*q=sticky\+notes.*"))
        assert await page.locator("tr.library-file a.file-name").all_inner_texts() == [
            "whiteboard.jpg"
        ]
        await page.get_by_label("Words in file names and descriptions").fill("spreadsheet")
        await page.get_by_role("button", name="Find files").click()
        await page.get_by_text("No file you can see matches.").wait_for()
