"""A picture from elsewhere keeps its proxy token through edits: the same Update received twice
is no edit, and the cached copy stays the picture shown."""

from __future__ import annotations

import uuid

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from tests.conftest import fresh_database
from tests.group_server import group_server
from tests.live_node import live_node
from tests.scene import stored
from tests.test_inbound_fidelity import _create, _deliver, _note, _person

PICTURE = {"type": "Image", "mediaType": "image/png", "url": "https://files.example/board.png"}


async def test_an_update_keeps_the_pictures_token_and_the_same_update_is_no_edit(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        with group_server("lemmy") as lemmy:
            nutomic = _person(lemmy)
            note = _note(lemmy, alpha, attachment=[PICTURE])
            await _deliver(alpha, nutomic, _create(nutomic, note))
            first = await stored(alpha, note["id"])
            assert first is not None
            token = first.attachments[0]["proxy"]
            # When the author describes the picture, and the same Update arrives twice
            edited = {**note, "attachment": [{**PICTURE, "name": "The board"}],
                      "updated": "2026-03-02T10:00:00Z"}  # fmt: skip
            for _ in range(2):
                update = {**_create(nutomic, edited), "type": "Update",
                          "id": f"{lemmy.origin}/activities/update/{uuid.uuid4()}"}  # fmt: skip
                await _deliver(alpha, nutomic, update)
            after = await stored(alpha, note["id"])
            async with alpha.pool.acquire() as conn:
                versions = await conn.fetchval(
                    "SELECT count(*) FROM post_versions WHERE post_id = $1", first.id
                )
    # Then the picture keeps its token, with its new description, and one edit is recorded
    assert after is not None
    assert after.attachments[0]["proxy"] == token
    assert after.attachments[0]["name"] == "The board"
    assert versions == 1
