"""The media proxy: pictures from elsewhere shown from this node, fetched once, checked, cached.

Each test keeps a thread on a live node (real sockets) whose attachment entries name files on a
real file host on loopback (tests/media/picture_server.py), as a post from elsewhere is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import zlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.media.proxy_cache import ProxyCache
from fedcop.media.settings import MediaSettings
from fedcop.services import accounts
from fedcop.services import posts as post_service
from fedcop.services.media.proxy import MediaProxy
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.media.picture_server import closing_server, picture_server, png_bytes

TOKEN = "pictureToken_0123456789abcdef"
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@contextlib.asynccontextmanager
async def node_with_thread(
    pg_cluster: EmbeddedPostgres, data_dir: Path, **overrides: Any
) -> AsyncIterator[tuple[LiveNode, int]]:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn, "beta", data_dir=data_dir, **overrides) as beta,
    ):
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        await accounts.create_community(
            beta.pool, beta.config, "stewards", title="Data Stewards", owner="bea"
        )
        thread = await post_service.write(
            beta.pool,
            beta.config,
            beta.app.state.network,
            author="bea",
            community_uri=f"{beta.base}/c/stewards",
            title="The whiteboard",
            content="A photo of the board",
        )
        yield beta, thread.id


async def attach(node: LiveNode, post_id: int, *entries: dict[str, Any]) -> None:
    async with node.pool.acquire() as conn:
        await conn.execute(
            "UPDATE posts SET attachments = $2 WHERE id = $1", post_id, list(entries)
        )


def picture(url: str, token: str = TOKEN, **fields: Any) -> dict[str, Any]:
    return {
        "type": "Image",
        "url": url,
        "mediaType": "image/png",
        "name": "the whiteboard after the workshop",
        "sensitive": False,
        "proxy": token,
        **fields,
    }


async def test_a_picture_is_fetched_once_and_served_with_safe_headers(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    board = png_bytes()
    with picture_server({"/board.png": (board, "application/octet-stream")}) as files:
        async with node_with_thread(pg_cluster, tmp_path) as (beta, post_id):
            await attach(beta, post_id, picture(files.url("/board.png")))
            # When ten people look at once, and once more afterwards
            answers = await asyncio.gather(*(beta.get(f"/media/proxy/{TOKEN}") for _ in range(10)))
            later = await beta.get(f"/media/proxy/{TOKEN}")
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{beta.port}") as http:
                head = await http.head(
                    f"/media/proxy/{TOKEN}", headers={"Host": beta.config.domain}
                )
    # Then every one of them gets the picture, fetched from its host once
    for answer in [*answers, later]:
        assert answer.status_code == 200, answer.text
        assert answer.content == board
        # typed by its bytes (the host said octet-stream), never sniffed nor run by browsers
        assert answer.headers["content-type"] == "image/png"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in answer.headers["content-security-policy"]
        assert "max-age" in answer.headers["cache-control"]
        # and web apps on other origins may show it
        assert answer.headers["cross-origin-resource-policy"] == "cross-origin"
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == str(len(board))
    assert files.hits["/board.png"] == 1
    # and the cache keeps it in the data directory
    cached = [path for path in (tmp_path / "media-proxy").rglob("*") if path.is_file()]
    assert any(path.read_bytes() == board for path in cached)


async def test_html_or_svg_served_as_a_picture_is_refused_and_not_asked_again(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    served = {"/trap.png": (HTML, "image/png"), "/drawing.png": (SVG, "image/png")}
    with picture_server(served) as files:
        async with node_with_thread(pg_cluster, tmp_path) as (beta, post_id):
            other = "drawingToken_0123456789abcdef"
            await attach(
                beta,
                post_id,
                picture(files.url("/trap.png")),
                picture(files.url("/drawing.png"), token=other),
            )
            first = await beta.get(f"/media/proxy/{TOKEN}")
            again = await beta.get(f"/media/proxy/{TOKEN}")
            drawing = await beta.get(f"/media/proxy/{other}")
    for answer in (first, again, drawing):
        assert answer.status_code == 502
        assert answer.headers["content-type"].startswith("text/plain")
        assert "not a picture" in answer.text
        assert b"<script>" not in answer.content
    # The refusal is remembered: the host was asked once per file
    assert files.hits == {"/trap.png": 1, "/drawing.png": 1}


async def test_a_picture_at_a_private_address_is_refused_without_being_fetched(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    with picture_server({"/inside.png": (png_bytes(), "image/png")}) as files:
        async with node_with_thread(pg_cluster, tmp_path, allow_private_addresses=False) as (
            beta,
            post_id,
        ):
            # Given a post from elsewhere naming a file on this machine's loopback
            await attach(beta, post_id, picture(files.url("/inside.png")))
            answer = await beta.get(f"/media/proxy/{TOKEN}")
    # Then the proxy refuses it and never connects there
    assert answer.status_code == 502
    assert "private or local network" in answer.text
    assert files.hits["/inside.png"] == 0


async def test_a_picture_over_the_size_limit_is_refused(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    large = png_bytes(600, 600, "white") + b"\0" * 40_000
    small_limit = MediaSettings(proxy_max_bytes=20_000)
    with picture_server({"/large.png": (large, "image/png")}) as files:
        async with node_with_thread(pg_cluster, tmp_path, media=small_limit) as (beta, post_id):
            declared_too = "declaredToken_0123456789abcdef"
            await attach(
                beta,
                post_id,
                picture(files.url("/large.png")),
                # an entry that says how large it is is not even asked for
                picture(files.url("/large.png?declared"), token=declared_too, size=50_000),
            )
            answer = await beta.get(f"/media/proxy/{TOKEN}")
            declared = await beta.get(f"/media/proxy/{declared_too}")
    assert answer.status_code == declared.status_code == 502
    assert "larger than" in answer.text and "larger than" in declared.text
    assert files.hits["/large.png"] == 1


async def test_only_pictures_of_posts_shown_here_are_proxied(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    with picture_server({"/board.png": (png_bytes(), "image/png")}) as files:
        async with node_with_thread(pg_cluster, tmp_path) as (beta, post_id):
            document = {
                **picture(files.url("/board.png"), token="documentToken_0123456789abcd"),
                "type": "Document",
                "mediaType": "application/pdf",
            }
            await attach(beta, post_id, picture(files.url("/board.png")), document)
            unknown = await beta.get("/media/proxy/unknownToken_0123456789abcdef")
            malformed = await beta.get("/media/proxy/..%2F..%2Fetc%2Fpasswd")
            not_a_picture = await beta.get("/media/proxy/documentToken_0123456789abcd")
            shown = await beta.get(f"/media/proxy/{TOKEN}")
            # When the post is deleted, its picture is no longer served, cached or not
            async with beta.pool.acquire() as conn:
                await conn.execute("UPDATE posts SET deleted_at = now() WHERE id = $1", post_id)
            after_deletion = await beta.get(f"/media/proxy/{TOKEN}")
    assert unknown.status_code == malformed.status_code == not_a_picture.status_code == 404
    assert shown.status_code == 200
    assert after_deletion.status_code == 404
    assert files.hits["/board.png"] == 1


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header announces `width` x `height` pixels (its data is not there)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + header
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(header))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )


async def test_a_decompression_bomb_is_refused(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    bomb = png_header_only(30_000, 30_000)
    with picture_server({"/bomb.png": (bomb, "image/png")}) as files:
        async with node_with_thread(pg_cluster, tmp_path) as (beta, post_id):
            await attach(beta, post_id, picture(files.url("/bomb.png")))
            answer = await beta.get(f"/media/proxy/{TOKEN}")
    assert answer.status_code == 502
    assert "more pixels" in answer.text


async def test_processes_sharing_the_cache_fetch_a_picture_once(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    board = png_bytes()
    with picture_server({"/board.png": (board, "image/png")}) as files:
        async with node_with_thread(pg_cluster, tmp_path) as (beta, post_id):
            await attach(beta, post_id, picture(files.url("/board.png")))
            # Given two web processes' proxies over the same data directory
            state = beta.app.state
            proxies = [
                MediaProxy(
                    state.pool,
                    state.network,
                    ProxyCache(tmp_path / "media-proxy", max_bytes=10**7, max_age_seconds=86400.0),
                    max_bytes=10**6,
                )
                for _ in range(2)
            ]
            # When both are asked for the picture at once
            opened = await asyncio.gather(*(proxy.picture(TOKEN) for proxy in proxies))
            served = []
            for handle, _ in opened:
                with handle:
                    served.append(handle.read())
    # Then the picture was fetched once, and both serve it
    assert served == [board, board]
    assert files.hits["/board.png"] == 1
    assert sum(proxy.fetches for proxy in proxies) == 1


async def test_a_host_that_does_not_answer_is_not_asked_again_for_a_while(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    with closing_server() as broken:
        async with node_with_thread(pg_cluster, tmp_path) as (beta, post_id):
            other = "secondToken_0123456789abcdefgh"
            await attach(
                beta,
                post_id,
                picture(broken.url("/a.png")),
                picture(broken.url("/b.png"), token=other),
            )
            # When one of its pictures is asked for twice, and then another of its pictures
            answers = [
                await beta.get(f"/media/proxy/{TOKEN}"),
                await beta.get(f"/media/proxy/{TOKEN}"),
                await beta.get(f"/media/proxy/{other}"),
            ]
    # Then each is a clear 502, and the host was contacted once
    for answer in answers:
        assert answer.status_code == 502
        assert "could not be reached" in answer.text
    assert broken.accepted == 1
