"""Serving uploaded files: GET/HEAD /media/TOKEN/NAME through the real app. Backend-agnostic:
the app is given the `media_storage` fixture's storage."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.config import Config
from fedcop.media.storage import MediaStorage
from fedcop.services import accounts
from fedcop.services.media import receive_upload
from fedcop.store.actors import Actor
from fedcop.store.media import Media
from tests.conftest import running_app
from tests.live_node import live_node
from tests.media import samples

SANDBOX = "default-src 'none'; sandbox"


@pytest.fixture
async def http(
    config: Config, dsn: str, media_storage: MediaStorage
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_app(config, dsn, run_workers=False) as app:
        app.state.media_storage = media_storage
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as client:
            yield client


async def _upload(
    pool: Any,
    config: Config,
    storage: MediaStorage,
    owner: Actor,
    data: bytes,
    name: str,
    **options: Any,
) -> Media:
    return await receive_upload(
        pool, config, storage, owner.id, samples.chunks(data), name, **options
    )


def _path(media: Media) -> str:
    return f"/media/{media.token}/{media.file_name}"


async def test_a_document_is_served_whole_as_a_download(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor, http: httpx.AsyncClient
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.PDF, "Plan d'été.pdf")
    answer = await http.get(_path(media))
    assert answer.status_code == 200
    assert answer.content == samples.PDF
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-length"] == str(len(samples.PDF))
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''Plan%20d%27%C3%A9t%C3%A9.pdf" in answer.headers["content-disposition"]
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == SANDBOX
    assert answer.headers["accept-ranges"] == "bytes"
    assert "max-age=31536000" in answer.headers["cache-control"]
    assert answer.headers["access-control-allow-origin"] == "*"


async def test_html_named_as_a_picture_is_a_sandboxed_download(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor, http: httpx.AsyncClient
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.HTML, "cat.png")
    # the address still says cat.png: the token alone chooses the file
    answer = await http.get(f"/media/{media.token}/cat.png")
    assert answer.status_code == 200 and answer.content == samples.HTML
    assert answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-disposition"].startswith("attachment;")
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == SANDBOX


async def test_a_picture_is_shown_in_place_and_its_thumbnail_served(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor, http: httpx.AsyncClient
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.png(), "board.png")
    answer = await http.get(_path(media))
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["content-disposition"].startswith("inline;")
    assert answer.headers["content-security-policy"] == SANDBOX
    assert answer.content.startswith(b"\x89PNG")
    thumbnail = await http.get(f"/media/{media.token}/thumbnail.webp")
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/webp"
    assert thumbnail.content[8:12] == b"WEBP"


async def test_ranges_are_honoured(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor, http: httpx.AsyncClient
) -> None:
    # Given a text file of 200 000 bytes (several 64 KiB chunks)
    data = bytes(ord("a") + index % 26 for index in range(200_000))
    media = await _upload(pool, config, media_storage, ana, data, "alphabet.txt")
    # A range across chunk boundaries
    answer = await http.get(_path(media), headers={"Range": "bytes=65530-131080"})
    assert answer.status_code == 206
    assert answer.content == data[65530:131081]
    assert answer.headers["content-range"] == "bytes 65530-131080/200000"
    assert answer.headers["content-length"] == str(131081 - 65530)
    # The last bytes, and from an offset to the end
    tail = await http.get(_path(media), headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == data[-10:]
    rest = await http.get(_path(media), headers={"Range": "bytes=199990-"})
    assert rest.status_code == 206 and rest.content == data[199990:]
    # Past the end: 416 with the size
    beyond = await http.get(_path(media), headers={"Range": "bytes=200000-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == "bytes */200000"
    # An If-Range naming another version: the whole file
    other = await http.get(
        _path(media), headers={"Range": "bytes=0-9", "If-Range": '"something-else"'}
    )
    assert other.status_code == 200 and other.content == data
    same = await http.get(
        _path(media), headers={"Range": "bytes=0-9", "If-Range": answer.headers["etag"]}
    )
    assert same.status_code == 206 and same.content == data[:10]


async def test_head_answers_the_headers_only(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor, http: httpx.AsyncClient
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.PDF, "notes.pdf")
    answer = await http.head(_path(media))
    assert answer.status_code == 200 and answer.content == b""
    assert answer.headers["content-length"] == str(len(samples.PDF))
    assert answer.headers["content-type"] == "application/pdf"
    ranged = await http.head(_path(media), headers={"Range": "bytes=1-4"})
    assert ranged.status_code == 206 and ranged.headers["content-length"] == "4"


async def test_unknown_and_unready_files_are_not_found(
    pool: Any, config: Config, media_storage: MediaStorage, ana: Actor, http: httpx.AsyncClient
) -> None:
    assert (await http.get("/media/" + "x" * 32 + "/nothing.pdf")).status_code == 404
    processing = await _upload(
        pool, config, media_storage, ana, samples.png(), "board.png", process=False
    )
    assert (await http.get(_path(processing))).status_code == 404
    # and paths that are no token at all are no file either
    assert (await http.get("/media/short/file.pdf")).status_code == 404


async def test_with_a_public_url_files_are_sent_there(
    pool: Any, config: Config, dsn: str, media_storage: MediaStorage, ana: Actor
) -> None:
    media = await _upload(pool, config, media_storage, ana, samples.PDF, "notes.pdf")
    cdn = dataclasses.replace(
        config, media=dataclasses.replace(config.media, public_url="https://files.example.org")
    )
    async with running_app(cdn, dsn, run_workers=False) as app:
        app.state.media_storage = media_storage
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as client:
            answer = await client.get(_path(media))
    assert answer.status_code == 302
    assert answer.headers["location"] == f"https://files.example.org/{media.storage_key}"


async def test_served_over_real_sockets(
    config: Config, dsn: str, media_storage: MediaStorage
) -> None:
    async with live_node(dsn, "alpha", data_dir=config.data_dir) as node:
        node.app.state.media_storage = media_storage
        ana = await accounts.create_user(node.pool, node.config, "ana", "long enough")
        data = b"".join(b"line %07d of a long log\n" % number for number in range(120_000))
        media = await _upload(node.pool, node.config, media_storage, ana, data, "big.txt")
        whole = await node.get(_path(media))
        assert whole.status_code == 200 and whole.content == data
        ranged = await node.get(_path(media), headers={"Range": "bytes=1000000-1000099"})
        assert ranged.status_code == 206 and ranged.content == data[1000000:1000100]
        headers = {"Host": node.config.domain}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
            head = await http.head(_path(media), headers=headers)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(data))
