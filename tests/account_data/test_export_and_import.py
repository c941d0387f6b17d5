"""A member's data: the archive they download is read back (zipfile) and holds the Markdown of
their post and the file they uploaded; the follows CSV they import is followed by the worker
(remote accounts over real sockets), with a result page saying what became of each line."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.services.media import member_uploads
from fedcop.store import actors as actor_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import microblog_server
from tests.scene import settle
from tests.web_session import signed_in

PASSWORD = "long enough"
MARKDOWN = "We file **every** box by [call number](https://example.org/cn).\n\n- shelf\n- row"


@pytest.fixture
async def alpha(pg_cluster: EmbeddedPostgres) -> AsyncIterator[LiveNode]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        await accounts.create_user(node.pool, node.config, "ann", PASSWORD)
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="ann"
        )
        yield node


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def test_the_archive_holds_the_posts_markdown_files_and_follows(alpha: LiveNode) -> None:
    async with alpha.pool.acquire() as conn:
        ann = await actor_store.find_local(conn, "ann")
    assert ann is not None
    notes = b"Shelf list, third floor.\n"
    upload = await member_uploads.receive(
        alpha.pool, alpha.config, alpha.app.state, owner_id=ann.actor.id,
        chunks=_chunks(notes), file_name="shelf-list.txt",
    )  # fmt: skip
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network, author="ann",
        community_uri=f"{alpha.base}/c/stewards", title="How we shelve", content=MARKDOWN,
        media_ids=[upload.id],
    )  # fmt: skip
    with microblog_server("masto") as mona:
        await follows.follow_remote(
            alpha.pool, alpha.config, alpha.app.state.network, "ann", mona.user
        )
        async with signed_in(alpha, "ann", PASSWORD) as browser:
            page = await browser.page("/settings/data")
            assert "Download your archive" in page
            response = await browser.http.get("/settings/data/archive.zip")
            listed = await browser.http.get("/settings/data/following_accounts.csv")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    assert {"README.txt", "profile.json", "actor.json", "posts.json"} <= names
    # The post's Markdown, as written
    assert MARKDOWN in archive.read(f"posts/{thread.id}.md").decode()
    listing = json.loads(archive.read("posts.json"))
    assert [entry["markdown"] for entry in listing] == [MARKDOWN]
    assert listing[0]["community"] == f"{alpha.base}/c/stewards"
    # The uploaded file, byte for byte
    assert archive.read(f"media/{upload.id}-shelf-list.txt") == notes
    # Who ann is, as other servers read her
    assert json.loads(archive.read("actor.json"))["id"] == ann.actor.uri
    assert json.loads(archive.read("profile.json"))["name"] == "ann"
    # Whom she follows, also as Mastodon's CSV (the same file as the separate download)
    mona_address = f"mona@{mona.origin.split('://')[1]}"
    rows = list(csv.reader(io.StringIO(archive.read("following_accounts.csv").decode())))
    assert rows[0] == ["Account address", "Show boosts", "Notify on new posts", "Languages"]
    assert [mona_address, "true", "false", ""] in rows
    assert listed.text == archive.read("following_accounts.csv").decode()
    communities = json.loads(archive.read("communities.json"))
    assert [c["address"] for c in communities] == [f"stewards@{alpha.config.domain}"]
    assert "posts/NUMBER.md" in archive.read("README.txt").decode()


async def test_an_imported_follows_csv_is_followed_by_the_worker(alpha: LiveNode) -> None:
    async with alpha.pool.acquire() as conn:
        ann = await actor_store.find_local(conn, "ann")
    assert ann is not None
    with microblog_server("masto") as mona, microblog_server("elsewhere", "rex") as rex:
        for server in (mona, rex):
            server.known_keys[ann.actor.public_key_id] = ann.actor.public_key_pem
        mona_host = mona.origin.split("://")[1]
        rex_host = rex.origin.split("://")[1]
        lines = [
            "Account address,Show boosts,Notify on new posts,Languages",
            f"mona@{mona_host},true,false,",
            f"@Rex@{rex_host},false,false,en",
            f"stewards@{alpha.config.domain},true,false,",
            f"nobody@{mona_host},true,false,",
            "this is no address,true,false,",
        ]
        data = ("\n".join(lines) + "\n").encode()
        async with signed_in(alpha, "ann", PASSWORD) as browser:
            await browser.csrf("/settings/data")
            response = await browser.http.post(
                "/settings/data/import",
                data={"csrf": browser.token},
                files={"file": ("following_accounts.csv", data, "text/csv")},
            )
            assert response.status_code == 200, response.text
            # Nothing was resolved in the request: every address waits for the worker
            assert "4 accounts will be followed" in response.text
            assert "Line 6" in response.text and "not an address" in response.text
            assert not mona.received
            await settle(alpha)
            result = await browser.page("/settings/data/import")
        # The remote accounts got ann's Follow, over real sockets, by the normal follow path
        for server in (mona, rex):
            assert [a["type"] for a in server.received] == ["Follow"]
            assert server.received[0]["actor"] == ann.actor.uri
    followed, failed = result.split("Not followed")
    assert f"mona@{mona_host}" in followed and f"rex@{rex_host}" in followed
    assert f"stewards@{alpha.config.domain}" in followed
    assert f"nobody@{mona_host}" in failed
    async with alpha.pool.acquire() as conn:
        states = await conn.fetch(
            """
            SELECT a.username, f.state FROM follows f JOIN actors a ON a.id = f.followed_id
            WHERE f.follower_id = $1 ORDER BY a.username
            """,
            ann.actor.id,
        )
    assert [(row["username"], row["state"]) for row in states] == [
        ("mona", "pending"),
        ("rex", "pending"),
        ("stewards", "accepted"),
    ]


async def test_a_file_that_is_no_follows_csv_is_refused_and_changes_nothing(
    alpha: LiveNode,
) -> None:
    async with signed_in(alpha, "ann", PASSWORD) as browser:
        await browser.csrf("/settings/data")
        for data in (b"\xff\xfe\x00garbage", b"", b"a" * (600 * 1024)):
            response = await browser.http.post(
                "/settings/data/import",
                data={"csrf": browser.token},
                files={"file": ("follows.csv", data, "text/csv")},
            )
            assert response.status_code in (400, 413), response.text
        forged = await browser.http.post(
            "/settings/data/import",
            data={"csrf": "forged"},
            files={"file": ("follows.csv", b"mona@masto.test\n", "text/csv")},
        )
        assert forged.status_code == 403
    async with alpha.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM follow_imports") == 0
