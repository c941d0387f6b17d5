"""Uploads from Mastodon apps over HTTP: POST /api/v2/media and /api/v1/media, GET and PUT
/api/v1/media/:id, media_ids on statuses and their edits, the MediaAttachment entities, and the
limits the instance documents announce."""

from __future__ import annotations

import io
from typing import Any

import httpx
from PIL import Image

from fedcop.api.media_entities import attachment_entity
from fedcop.config import Config
from fedcop.services import accounts, follows
from fedcop.services.media import process_upload, receive_upload
from tests.api.conftest import ApiUser, api_user


def picture(width: int = 64, height: int = 48) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(out, "PNG")
    return out.getvalue()


async def _community(app: Any, config: Config, *members: str) -> str:
    pool, network = app.state.pool, app.state.network
    await accounts.create_user(pool, config, "facilitator", "correct horse battery")
    community = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="facilitator"
    )
    for name in members:
        await follows.join(pool, config, network, name, community.uri)
    return community.uri


async def _stored(app: Any) -> tuple[int, int]:
    """(media rows, files in the storage's directory)."""
    async with app.state.pool.acquire() as conn:
        rows = int(await conn.fetchval("SELECT count(*) FROM media"))
    root = app.state.config.data_dir / "media"
    files = sum(1 for path in root.rglob("*") if path.is_file()) if root.exists() else 0
    return rows, files


async def _upload(
    api: httpx.AsyncClient,
    user: ApiUser,
    data: bytes,
    name: str,
    content_type: str = "image/png",
    path: str = "/api/v1/media",
    **fields: str,
) -> httpx.Response:
    return await api.post(
        path, headers=user.auth, files={"file": (name, data, content_type)}, data=fields
    )


async def test_an_app_uploads_a_picture_and_posts_it(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await _community(app, config, "alice")
    # v1 answers once the picture is processed (v2 may answer 202 first: see below)
    uploaded = await _upload(api, alice, picture(), "board.png", description="The whiteboard")
    assert uploaded.status_code == 200, uploaded.text
    media = uploaded.json()
    assert media["type"] == "image"
    assert media["url"].startswith(f"{config.base_url}/media/")
    assert media["preview_url"].startswith(f"{config.base_url}/media/")
    assert media["remote_url"] is None
    assert media["description"] == "The whiteboard"
    assert media["blurhash"]
    assert media["meta"]["original"] == {
        "width": 64,
        "height": 48,
        "size": "64x48",
        "aspect": 64 / 48,
    }
    # The file is served where the entity says
    served = await api.get(media["url"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    # GET tells the uploader it is ready; PUT changes its description
    shown = await api.get(f"/api/v1/media/{media['id']}", headers=alice.auth)
    assert (shown.status_code, shown.json()["url"]) == (200, media["url"])
    described = await api.put(
        f"/api/v1/media/{media['id']}",
        headers=alice.auth,
        data={"description": "The whiteboard after triage", "focus": "0.1,-0.2"},
    )
    assert described.status_code == 200
    assert described.json()["description"] == "The whiteboard after triage"

    status = await api.post(
        "/api/v1/statuses",
        headers=alice.auth,
        data={"status": "@stewards Triage day\nOur board.", "media_ids[]": [media["id"]]},
    )
    assert status.status_code == 200, status.text
    attachments = status.json()["media_attachments"]
    assert [(m["id"], m["type"], m["url"], m["description"]) for m in attachments] == [
        (media["id"], "image", media["url"], "The whiteboard after triage")
    ]
    # Once in a post, the file is described through the post's edit, as on Mastodon, and
    # cannot be deleted on its own
    again = await api.put(
        f"/api/v1/media/{media['id']}", headers=alice.auth, data={"description": "x"}
    )
    assert again.status_code == 404
    kept = await api.delete(f"/api/v1/media/{media['id']}", headers=alice.auth)
    assert kept.status_code == 422
    # An upload never posted is deleted
    spare = (await _upload(api, alice, picture(), "spare.png")).json()
    deleted = await api.delete(f"/api/v1/media/{spare['id']}", headers=alice.auth)
    assert (deleted.status_code, deleted.json()) == (200, {})
    gone = await api.get(f"/api/v1/media/{spare['id']}", headers=alice.auth)
    assert gone.status_code == 404


async def test_a_document_is_an_unknown_attachment_with_its_type_from_its_bytes(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await _community(app, config, "alice")
    # An HTML page named .png is neither a picture nor shown as one
    page = b"<!doctype html><html><body><script>alert(1)</script></body></html>"
    uploaded = await _upload(api, alice, page, "innocent.png", "image/png")
    assert uploaded.status_code == 200, uploaded.text
    media = uploaded.json()
    assert media["type"] == "unknown"
    assert media["meta"] is None
    assert media["preview_url"] is None
    served = await api.get(media["url"])
    assert served.headers["content-type"].startswith("text/html")
    assert served.headers["content-disposition"].startswith("attachment")
    status = await api.post(
        "/api/v1/statuses",
        headers=alice.auth,
        json={"status": "@stewards A page\nSee attached.", "media_ids": [media["id"]]},
    )
    assert status.status_code == 200, status.text
    assert [m["type"] for m in status.json()["media_attachments"]] == ["unknown"]


async def test_uploads_are_private_to_their_uploader(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await _community(app, config, "alice")
    bob = await api_user(app, config, "bob")
    await follows.join(
        app.state.pool, config, app.state.network, "bob", f"{config.base_url}/c/stewards"
    )
    media = (await _upload(api, alice, picture(), "mine.png")).json()
    assert (await api.get(f"/api/v1/media/{media['id']}", headers=bob.auth)).status_code == 404
    assert (
        await api.put(f"/api/v1/media/{media['id']}", headers=bob.auth, data={"description": "x"})
    ).status_code == 404
    # bob cannot post alice's upload
    status = await api.post(
        "/api/v1/statuses",
        headers=bob.auth,
        data={"status": "@stewards Borrowed\nHers.", "media_ids[]": [media["id"]]},
    )
    assert status.status_code == 422
    assert "no upload" in status.json()["error"]
    # A token without write:media may not upload
    reader = await api_user(app, config, "reader", scopes="read")
    refused = await _upload(api, reader, picture(), "no.png")
    assert refused.status_code == 403


async def test_a_picture_still_processing_answers_206_then_200(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    async def chunks() -> Any:
        yield picture()

    waiting = await receive_upload(
        app.state.pool,
        config,
        app.state.media_storage,
        alice.actor.id,
        chunks(),
        "slow.png",
        process=False,
    )
    shown = await api.get(f"/api/v1/media/{waiting.id}", headers=alice.auth)
    assert shown.status_code == 206
    assert (shown.json()["url"], shown.json()["preview_url"]) == (None, None)
    await process_upload(app.state.pool, config, app.state.media_storage, waiting.id)
    ready = await api.get(f"/api/v1/media/{waiting.id}", headers=alice.auth)
    assert ready.status_code == 200
    assert ready.json()["url"].startswith(f"{config.base_url}/media/")


async def test_v2_answers_at_once_ready_or_still_processing(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    answer = await _upload(api, alice, picture(), "quick.png", path="/api/v2/media")
    media = answer.json()
    if answer.status_code == 202:  # not processed within the few seconds v2 waits
        assert (media["url"], media["preview_url"]) == (None, None)
    else:
        assert answer.status_code == 200 and media["url"] is not None
    # Processing finishes (here, or in the background: the same files, one marks it ready)
    await process_upload(app.state.pool, config, app.state.media_storage, int(media["id"]))
    ready = await api.get(f"/api/v1/media/{media['id']}", headers=alice.auth)
    assert ready.status_code == 200
    assert ready.json()["url"].startswith(f"{config.base_url}/media/")
    # A document is ready at once
    document = await _upload(api, alice, b"notes\n", "notes.txt", "text/plain", "/api/v2/media")
    assert document.status_code == 200 and document.json()["url"] is not None


async def test_refused_uploads_leave_nothing_stored(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    assert (await _upload(api, alice, picture(), "kept.png")).status_code == 200
    before = await _stored(app)
    assert before[0] == 1 and before[1] > 0
    # Not a kind of file fedcop takes
    binary = await _upload(api, alice, b"\x7fELF\x02\x01\x01" + bytes(200), "tool", "text/plain")
    assert binary.status_code == 422
    assert "not accepted" in binary.json()["error"]
    # Larger than a picture may be (its first bytes say it is one)
    big = picture()[:64] + bytes(config.media.max_image_bytes)
    too_big = await _upload(api, alice, big, "huge.png", path="/api/v2/media")
    assert too_big.status_code in (413, 422)
    assert "at most" in too_big.json()["error"]
    # No file at all
    empty = await api.post("/api/v2/media", headers=alice.auth, data={"description": "x"})
    assert empty.status_code == 422
    assert await _stored(app) == before


async def test_an_edit_changes_a_statuses_files_and_their_descriptions(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    await _community(app, config, "alice")
    first = (await _upload(api, alice, picture(), "first.png")).json()
    second = (await _upload(api, alice, picture(30, 30), "second.png")).json()
    status = (
        await api.post(
            "/api/v1/statuses",
            headers=alice.auth,
            json={"status": "@stewards Shelves\nBefore.", "media_ids": [first["id"]]},
        )
    ).json()
    edited = await api.put(
        f"/api/v1/statuses/{status['id']}",
        headers=alice.auth,
        json={
            "status": "@stewards Shelves\nBefore and after.",
            "media_ids": [first["id"], second["id"]],
            "media_attributes": [{"id": second["id"], "description": "After", "focus": "0,0"}],
        },
    )
    assert edited.status_code == 200, edited.text
    assert [(m["id"], m["description"]) for m in edited.json()["media_attachments"]] == [
        (first["id"], None),
        (second["id"], "After"),
    ]
    # An edit that does not mention files keeps them
    kept = await api.put(
        f"/api/v1/statuses/{status['id']}",
        headers=alice.auth,
        json={"status": "@stewards Shelves\nBefore and after, again."},
    )
    assert [m["id"] for m in kept.json()["media_attachments"]] == [first["id"], second["id"]]
    # The history shows the current version's files with it
    history = (await api.get(f"/api/v1/statuses/{status['id']}/history", headers=alice.auth)).json()
    assert [m["id"] for m in history[-1]["media_attachments"]] == [first["id"], second["id"]]
    # An empty list removes them all
    removed = await api.put(
        f"/api/v1/statuses/{status['id']}",
        headers=alice.auth,
        json={"status": "@stewards Shelves\nNo pictures.", "media_ids": []},
    )
    assert removed.json()["media_attachments"] == []


async def test_the_instance_documents_announce_the_real_limits(
    config: Config, api: httpx.AsyncClient
) -> None:
    v2 = (await api.get("/api/v2/instance")).json()["configuration"]
    assert v2["statuses"]["max_media_attachments"] == config.media.max_attachments > 0
    media = v2["media_attachments"]
    assert media["image_size_limit"] == config.media.max_image_bytes
    assert {"image/png", "image/jpeg", "application/pdf", "text/plain"} <= set(
        media["supported_mime_types"]
    )
    assert media["description_limit"] == 1500
    v1 = (await api.get("/api/v1/instance")).json()["configuration"]
    assert v1["statuses"]["max_media_attachments"] == config.media.max_attachments
    assert v1["media_attachments"]["image_size_limit"] == config.media.max_image_bytes


def test_a_picture_from_elsewhere_is_given_through_the_proxy(config: Config) -> None:
    proxied = {
        "type": "Image",
        "url": "https://files.example/board.jpg",
        "mediaType": "image/jpeg",
        "name": "A board",
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        "width": 800,
        "height": 600,
        "proxy": "tok3n",
    }
    entity = attachment_entity(proxied, config, fallback_id="1200")
    assert entity["id"] == "1200"
    assert entity["url"] == f"{config.base_url}/media/proxy/tok3n"
    assert entity["preview_url"] == entity["url"]
    assert entity["remote_url"] == "https://files.example/board.jpg"
    assert entity["meta"]["small"] == {
        "width": 400,
        "height": 300,
        "size": "400x300",
        "aspect": 800 / 600,
    }
    # Not proxied (a link the proxy does not take): the origin, as before
    plain = attachment_entity(
        {"type": "Document", "url": "https://files.example/a.pdf", "mediaType": "application/pdf"},
        config,
        fallback_id="1201",
    )
    assert (plain["type"], plain["url"], plain["remote_url"]) == (
        "unknown",
        "https://files.example/a.pdf",
        "https://files.example/a.pdf",
    )


async def test_odd_upload_bodies_get_clear_4xx(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    before = await _stored(app)
    as_json = await api.post("/api/v2/media", headers=alice.auth, json={"file": "board.png"})
    assert as_json.status_code == 422
    broken = await api.post(
        "/api/v2/media",
        headers={**alice.auth, "Content-Type": "multipart/form-data; boundary=xyz"},
        content=b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n',
    )
    assert broken.status_code in (400, 422), broken.text
    declared = await api.post(
        "/api/v2/media",
        headers={
            **alice.auth,
            "Content-Type": "multipart/form-data; boundary=xyz",
            "Content-Length": str(200 * 1024 * 1024 * 1024),
        },
        content=b"--xyz--\r\n",
    )
    assert declared.status_code == 413
    anonymous = await api.post("/api/v2/media", files={"file": ("a.png", picture(), "image/png")})
    assert anonymous.status_code == 401
    assert await _stored(app) == before
