"""A multipart upload read while it arrives: the file goes to receive_upload as it comes, and a
refusal stops the reading. Backend-agnostic (the `media_storage` fixture)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.config import Config
from fedcop.media.storage import MediaStorage
from fedcop.media.upload_form import UploadFormError, read_upload_form
from fedcop.services.media import UploadRefused, receive_upload
from fedcop.store.actors import Actor
from fedcop.store.media import Media
from tests.media.conftest import stored_bytes, stored_keys, with_media


def _form(files: dict[str, Any], data: dict[str, str]) -> tuple[bytes, str]:
    request = httpx.Request("POST", "https://alpha.test/upload", files=files, data=data)
    return request.read(), request.headers["content-type"]


class _Body:
    """The request's body in 1000-byte chunks, counting how many were read."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for start in range(0, len(self.data), 1000):
            self.read += 1
            yield self.data[start : start + 1000]


def _receiver(pool: Any, config: Config, storage: MediaStorage, owner: Actor) -> Any:
    async def consume(
        name: str | None, chunks: AsyncIterator[bytes], fields: dict[str, str]
    ) -> Media:
        return await receive_upload(
            pool, config, storage, owner.id, chunks, name,
            description=fields.get("description", ""),
        )  # fmt: skip

    return consume


async def test_a_form_upload_is_stored_with_its_fields(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    document = b"line\n" * 3000
    body, content_type = _form(
        {"file": ("notes.txt", document, "image/png")},
        {"description": "Meeting notes", "focus": "0.0,0.0"},
    )
    media, fields = await read_upload_form(
        _Body(body), content_type, "file", _receiver(pool, config, media_storage, ana)
    )
    assert media is not None and media.media_type == "text/plain"
    assert media.description == "Meeting notes" and media.file_name == "notes.txt"
    assert await stored_bytes(media_storage, media.storage_key) == document
    assert fields == {"description": "Meeting notes", "focus": "0.0,0.0"}


async def test_an_oversized_file_stops_the_reading_and_stores_nothing(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    config = with_media(config, max_file_bytes=5000)
    body, content_type = _form({"file": ("big.txt", b"a" * 200_000, "text/plain")}, {})
    reader = _Body(body)
    with pytest.raises(UploadRefused, match="at most"):
        await read_upload_form(
            reader, content_type, "file", _receiver(pool, config, media_storage, ana)
        )
    # the refusal came long before the 200 chunks of the body were read
    assert reader.read < 20
    assert await stored_keys(media_storage) == set()
    async with pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media") == 0


async def test_forms_without_a_file_or_cut_off_are_told_apart(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    receiver = _receiver(pool, config, media_storage, ana)
    body, content_type = _form({"other": ("a.txt", b"x", "text/plain")}, {"description": "d"})
    assert await read_upload_form(_Body(body), content_type, "file", receiver) == (
        None,
        {"description": "d"},
    )
    body, content_type = _form({"file": ("a.txt", b"x" * 5000, "text/plain")}, {})
    with pytest.raises(UploadFormError, match="cut off"):
        await read_upload_form(_Body(body[:3000]), content_type, "file", receiver)
    with pytest.raises(UploadFormError, match="multipart/form-data"):
        await read_upload_form(_Body(b"{}"), "application/json", "file", receiver)
    assert await stored_keys(media_storage) == set()
    # the half-received file's spooled copy is gone too
    spool = config.data_dir / "tmp" / "uploads"
    assert not spool.exists() or list(spool.iterdir()) == []


async def test_oversized_fields_and_headers_are_refused(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor
) -> None:
    receiver = _receiver(pool, config, media_storage, ana)
    body, content_type = _form(
        {"file": ("a.txt", b"x", "text/plain")}, {"description": "d" * 70_000}
    )
    with pytest.raises(UploadFormError, match="larger than"):
        await read_upload_form(_Body(body), content_type, "file", receiver)
    body, content_type = _form({"file": ("n" * 9000 + ".txt", b"x", "text/plain")}, {})
    with pytest.raises(UploadFormError, match="malformed"):  # the parser bounds headers
        await read_upload_form(_Body(body), content_type, "file", receiver)
    assert await stored_keys(media_storage) == set()
