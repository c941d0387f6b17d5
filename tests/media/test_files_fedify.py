"""Fedify, an independent implementation, reads the files of a thread fedcop sends.

A Fedify Person joins a community here; a member here posts a thread with a picture and a
document; Fedify fetches the thread the community announces and parses it with its own
JSON-LD vocabulary: each attachment must come out as an Image or a Document with its address,
type, description and size. (The node listens at http://127.0.0.1:PORT so Fedify can reach it,
and runs its own workers; every wait is a poll with a generous deadline.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, posts
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.media.test_files_travel import photo, upload
from tests.peers import wait_until
from tests.peers.fedify import fedify_peer, install
from tests.test_interop_fedify import Evidence, follows_become, record_inbox

ALT = "The whiteboard after triage"


@pytest.fixture(scope="session")
def fedify_home() -> Path:
    return install()


def attachment_lines(output: str) -> list[tuple[str, dict[str, object]]]:
    found = []
    for line in output.splitlines():
        _, marker, rest = line.partition("] attachment ")
        if marker:
            kind, _, fields = rest.partition(" ")
            found.append((kind, json.loads(fields)))
    return found


async def test_fedify_reads_the_pictures_and_documents_of_a_thread(
    pg_cluster: EmbeddedPostgres, fedify_home: Path, tmp_path: Path
) -> None:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn, run_workers=True, data_dir=tmp_path / "node") as node,
    ):
        bo = await accounts.create_user(node.pool, node.config, "bo", "long enough")
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="bo"
        )
        community = f"{node.base}/c/stewards"
        received = record_inbox(node)
        async with fedify_peer(fedify_home, "person", tmp_path, target=community) as alice:
            evidence = Evidence(alice, received)
            await wait_until(
                follows_become(node, alice.actor_uri, community, "accepted"),
                "the Fedify member to join",
                context=evidence,
            )
            # When bo posts a thread with a photo and a checklist
            board = await upload(node, bo.id, photo(), "board.jpg", ALT)
            checklist = await upload(node, bo.id, b"1. Sort\n2. Label\n", "checklist.txt")
            thread = await posts.write(
                node.pool, node.config, node.app.state.network,
                author="bo", community_uri=community, title="Triage", content="Our board",
                media_ids=[board.id, checklist.id],
            )  # fmt: skip
            await alice.wait_for(f"fetched announced {thread.uri}")
            await alice.wait_for("attachment Document")
            # Then Fedify reads an Image and a Document, with what fedcop said of them
            (picture_kind, picture), (document_kind, document) = attachment_lines(alice.output())
    assert picture_kind == "Image"
    assert picture == {
        "url": thread.attachments[0]["url"],
        "mediaType": board.media_type,
        "name": ALT,
        "width": board.width,
        "height": board.height,
    }
    assert document_kind == "Document"
    assert (document["url"], document["mediaType"]) == (
        thread.attachments[1]["url"],
        "text/plain",
    )
