"""A member shares pictures and documents from a real Mastodon client library (Mastodon.py), end
to end over loopback: upload (waiting for processing as an app does), describe, post, edit."""

from __future__ import annotations

import io

from PIL import Image

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from fedcop.store import posts as post_store
from tests.api.test_mastodon_py import in_thread, sign_in_with_mastodon_py
from tests.conftest import fresh_database
from tests.live_node import live_node

PASSWORD = "correct horse battery"


def picture(width: int = 120, height: int = 80) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (240, 200, 10)).save(out, "PNG")
    return out.getvalue()


async def test_a_member_shares_files_from_mastodon_py(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        await accounts.create_user(home.pool, home.config, "alice", PASSWORD)
        await accounts.create_community(
            home.pool, home.config, "librarians", title="City Librarians", owner="alice"
        )
        client = await in_thread(sign_in_with_mastodon_py, home.base, "alice", PASSWORD)

        # The app learns that files are taken here
        instance = await in_thread(client.instance_v2)
        assert instance.configuration.statuses.max_media_attachments == 4
        assert "image/png" in instance.configuration.media_attachments.supported_mime_types

        # A picture, uploaded and waited for, then described before it is posted
        board = await in_thread(
            client.media_post,
            io.BytesIO(picture()),
            mime_type="image/png",
            file_name="board.png",
            description="A whiteboard",
            synchronous=True,
        )
        assert board.type == "image"
        assert board.url.startswith(f"{home.base}/media/")
        assert (board.meta.original.width, board.meta.original.height) == (120, 80)
        board = await in_thread(
            client.media_update, board, description="The whiteboard after the weeding meeting"
        )
        assert board.description == "The whiteboard after the weeding meeting"
        # A document, kept as it is
        notes = await in_thread(
            client.media_post,
            io.BytesIO(b"Weeding notes\n- reference: every two years\n"),
            mime_type="text/plain",
            file_name="notes.txt",
            synchronous=True,
        )
        assert notes.type == "unknown"

        status = await in_thread(
            client.status_post,
            "@librarians Weeding meeting\nThe board and the notes.",
            media_ids=[board, notes],
        )
        assert [(m.id, m.type) for m in status.media_attachments] == [
            (board.id, "image"),
            (notes.id, "unknown"),
        ]
        assert status.media_attachments[0].description == (
            "The whiteboard after the weeding meeting"
        )
        fetched = await in_thread(client.status, status)
        assert [m.url for m in fetched.media_attachments] == [board.url, notes.url]
        async with home.pool.acquire() as conn:
            stored = await post_store.find(conn, int(status.id))
            attached = await conn.fetch(
                "SELECT media_id FROM post_media WHERE post_id = $1 ORDER BY position",
                int(status.id),
            )
        assert stored is not None
        assert [a["media_id"] for a in stored.attachments] == [int(board.id), int(notes.id)]
        assert [row["media_id"] for row in attached] == [int(board.id), int(notes.id)]

        # Edited: the notes removed, the picture described again
        edited = await in_thread(
            client.status_update,
            status,
            "@librarians Weeding meeting\nThe board.",
            media_attributes=[
                client.generate_media_edit_attributes(board, description="The board, photographed")
            ],
        )
        assert [(m.id, m.description) for m in edited.media_attachments] == [
            (board.id, "The board, photographed")
        ]
        # The file is served where the app was told
        served = await in_thread(client.session.get, board.url)
        assert served.status_code == 200
        assert served.headers["content-type"] == "image/png"
