"""A picture uploaded on one node travels with its thread to another, over real sockets, and is
shown there through that node's media proxy; a document travels as a described link."""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.services.media import receive_upload
from fedcop.store.media import Media
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.media.test_attachments_shown import elements
from tests.scene import settle, stored

ALT = "The whiteboard after triage: three columns of sticky notes"


def photo() -> bytes:
    """A photo-like JPEG (a gradient, so that its blurhash says something)."""
    image = Image.new("RGB", (320, 200))
    image.putdata([(x % 256, (x + y) % 256, y % 256) for y in range(200) for x in range(320)])
    output = io.BytesIO()
    image.save(output, "JPEG", quality=85)
    return output.getvalue()


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def upload(node: LiveNode, owner_id: int, data: bytes, name: str, alt: str = "") -> Media:
    return await receive_upload(
        node.pool,
        node.config,
        node.app.state.media_storage,
        owner_id,
        _chunks(data),
        name,
        description=alt,
    )


@contextlib.asynccontextmanager
async def two_nodes(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> AsyncIterator[tuple[LiveNode, LiveNode, Any]]:
    """alpha: fa, who runs "stewards"; beta: bea, a member of it."""
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha", data_dir=tmp_path / "alpha") as alpha,
        live_node(beta_dsn, "beta", data_dir=tmp_path / "beta") as beta,
    ):
        fa = await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        community = await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "long enough")
        await follows.follow_remote(
            beta.pool, beta.config, beta.app.state.network, "bea", community.uri
        )
        await settle(alpha, beta)
        yield alpha, beta, fa


async def test_an_uploaded_picture_travels_and_shows_through_the_other_nodes_proxy(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    async with two_nodes(pg_cluster, tmp_path) as (alpha, beta, fa):
        # Given fa uploads a photo and a checklist on alpha and posts them in a thread
        board = await upload(alpha, fa.id, photo(), "board.jpg", ALT)
        checklist = await upload(alpha, fa.id, b"1. Sort\n2. Label\n" * 500, "checklist.txt")
        thread = await posts.write(
            alpha.pool,
            alpha.config,
            alpha.app.state.network,
            author="fa",
            community_uri=f"{alpha.base}/c/stewards",
            title="Triage, as we did it",
            content="The board and the checklist",
            media_ids=[board.id, checklist.id],
        )
        await settle(alpha, beta)
        sent_board = (
            await alpha.get(thread.attachments[0]["url"].removeprefix(alpha.base))
        ).content
        assert sent_board.startswith((b"\xff\xd8", b"RIFF", b"\x89PNG"))

        # Then beta keeps the thread's files with their description, size and blurhash
        kept = await stored(beta, thread.uri)
        assert kept is not None
        picture, document = kept.attachments
        assert picture["url"] == thread.attachments[0]["url"]
        assert (picture["type"], picture["name"]) == ("Image", ALT)
        assert (picture["width"], picture["height"]) == (board.width, board.height)
        assert picture["blurhash"] == board.blurhash and board.blurhash
        assert picture["mediaType"] == board.media_type
        assert not {"media_id", "preview_url", "file_name"} & picture.keys()
        assert document["type"] == "Document" and "proxy" not in document
        assert document["mediaType"] == "text/plain"
        assert document["size"] == checklist.byte_size == 8500

        # And beta's thread page shows the picture from beta itself, with its alt text
        page = await beta.get(f"/t/{kept.id}")
        shown = {attrs["src"]: attrs for attrs in elements(page.text).tagged("img")}
        proxied = f"/media/proxy/{picture['proxy']}"
        assert shown[proxied]["alt"] == ALT
        assert (shown[proxied]["width"], shown[proxied]["height"]) == (
            str(board.width),
            str(board.height),
        )
        assert not any(str(src).startswith(alpha.base) for src in shown)
        # and the checklist as a link with its name, type and size
        assert document["url"] in page.text
        assert "checklist.txt (Text · 8.5 kB)" in " ".join(
            elements(page.text).text_content().split()
        )

        # And beta's proxy answers with the picture's very bytes, fetched from alpha
        answer = await beta.get(proxied)
        assert answer.status_code == 200, answer.text
        assert answer.content == sent_board
        assert answer.headers["content-type"] == board.media_type
