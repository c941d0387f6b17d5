"""A post's files on the pages that show posts: pictures inline (a thumbnail of an upload, the
media proxy for a picture from elsewhere) with their description as `alt`, other files as links
with their type and size, a sensitive post's files behind a click, old entries as links."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.services import posts as post_service
from fedcop.web.media.attachment_views import size_text, type_name
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import signed_in

PROXIED = {
    "type": "Image",
    "url": "https://photos.example/board.jpg",
    "mediaType": "image/jpeg",
    "name": "The whiteboard: three columns of sticky notes",
    "sensitive": False,
    "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    "width": 1600,
    "height": 1200,
    "proxy": "boardToken_0123456789abcdefgh",
}
UPLOADED = {
    "type": "Image",
    "url": "https://beta.example/media/upTok/diagram.webp",
    "mediaType": "image/webp",
    "name": "Flow of a request through the archive",
    "sensitive": False,
    "width": 800,
    "height": 600,
    "media_id": 1,
    "preview_url": "https://beta.example/media/upTok/thumbnail.webp",
    "file_name": "diagram.webp",
}
DOCUMENT = {
    "type": "Document",
    "url": "https://beta.example/media/docTok/retention-schedule.pdf",
    "mediaType": "application/pdf",
    "name": "The schedule we agreed in March",
    "sensitive": False,
    "size": 1_234_567,
    "media_id": 2,
    "file_name": "retention-schedule.pdf",
}
# Kept before pictures were proxied: no token, so a link.
OLD_PICTURE = {
    "type": "Image",
    "url": "https://photos.example/old.png",
    "mediaType": "image/png",
    "name": "an old photo",
    "sensitive": False,
}


class Elements(HTMLParser):
    """Every element of a page, as (tag, attributes), and the page's text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def text_content(self) -> str:
        return "".join(self.text)

    def tagged(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.found if name == tag]


def elements(html: str) -> Elements:
    parser = Elements()
    parser.feed(html)
    return parser


@contextlib.asynccontextmanager
async def thread_with(
    pg_cluster: EmbeddedPostgres, tmp_path: Path, *entries: dict[str, Any], sensitive: bool = False
) -> AsyncIterator[tuple[LiveNode, int]]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "beta", data_dir=tmp_path) as beta:
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        community = await accounts.create_community(
            beta.pool, beta.config, "stewards", title="Data Stewards", owner="bea"
        )
        thread = await post_service.write(
            beta.pool,
            beta.config,
            beta.app.state.network,
            author="bea",
            community_uri=community.uri,
            title="The workshop's outputs",
            content="Photos and the schedule",
            sensitive=sensitive,
        )
        async with beta.pool.acquire() as conn:
            await conn.execute(
                "UPDATE posts SET attachments = $2 WHERE id = $1", thread.id, list(entries)
            )
        yield beta, thread.id


async def test_pictures_and_files_on_the_thread_page(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    async with thread_with(pg_cluster, tmp_path, PROXIED, UPLOADED, DOCUMENT, OLD_PICTURE) as (
        beta,
        thread_id,
    ):
        page = await beta.get(f"/t/{thread_id}")
    assert page.status_code == 200
    shown = elements(page.text)
    pictures = {attrs["src"]: attrs for attrs in shown.tagged("img")}
    # The picture from elsewhere comes through this node's proxy, never from its server
    remote = pictures["/media/proxy/boardToken_0123456789abcdefgh"]
    assert remote["alt"] == PROXIED["name"]
    assert (remote["width"], remote["height"]) == ("1600", "1200")
    assert remote["loading"] == "lazy"
    assert not any("photos.example/board.jpg" in str(src) for src in pictures)
    # The upload shows its thumbnail, linking to the full file
    thumbnail = pictures[UPLOADED["preview_url"]]
    assert thumbnail["alt"] == UPLOADED["name"]
    assert (thumbnail["width"], thumbnail["height"]) == ("800", "600")
    links = [attrs["href"] for attrs in shown.tagged("a")]
    assert UPLOADED["url"] in links
    # The document is a link named by its file, with its type and size
    text = " ".join("".join(shown.text).split())
    assert DOCUMENT["url"] in links
    assert "retention-schedule.pdf (PDF · 1.2 MB)" in text
    assert DOCUMENT["name"] in text
    # A picture kept before pictures were proxied stays a link
    assert OLD_PICTURE["url"] in links
    assert OLD_PICTURE["url"] not in pictures


async def test_a_sensitive_posts_files_wait_behind_a_click(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    async with thread_with(pg_cluster, tmp_path, PROXIED, DOCUMENT, sensitive=True) as (
        beta,
        thread_id,
    ):
        page = await beta.get(f"/t/{thread_id}")
    html = page.text
    opening = html.index('<details class="sensitive">')
    assert "Sensitive media: show 2 attachments" in html
    picture_at = html.index("/media/proxy/boardToken_0123456789abcdefgh")
    assert opening < picture_at < html.index("</details>", opening)


def test_types_and_sizes_read_as_people_say_them() -> None:
    assert [type_name(t) for t in ("application/pdf", "image/png", "text/csv", "video/mp4")] == [
        "PDF",
        "PNG image",
        "CSV",
        "MP4 video",
    ]
    assert type_name("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") == (
        "Spreadsheet"
    )
    assert [size_text(n) for n in (0, 820, 14_200, 1_234_567, 25_000_000, True, "12")] == [
        "",
        "820 bytes",
        "14 kB",
        "1.2 MB",
        "25 MB",
        "",
        "",
    ]


async def test_the_home_timeline_shows_a_posts_files(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    async with thread_with(pg_cluster, tmp_path, PROXIED, DOCUMENT) as (beta, _thread_id):
        await follows.join(
            beta.pool, beta.config, beta.app.state.network, "bea", f"{beta.base}/c/stewards"
        )
        async with signed_in(beta, "bea", "long enough") as browser:
            home = await browser.page("/home")
    shown = elements(home)
    (remote,) = [a for a in shown.tagged("img") if a["src"] == "/media/proxy/" + PROXIED["proxy"]]
    assert remote["alt"] == PROXIED["name"]
    assert "retention-schedule.pdf (PDF · 1.2 MB)" in " ".join(shown.text_content().split())
