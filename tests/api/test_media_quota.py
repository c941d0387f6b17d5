"""An account's storage space bounds its uploads from apps: past it, a clear refusal, and
nothing stored."""

from __future__ import annotations

import hashlib
import io
from typing import Any

import httpx
import pytest
from PIL import Image

from fedcop.config import Config
from fedcop.media.settings import MediaSettings
from tests.api.conftest import ApiUser
from tests.conftest import make_config


@pytest.fixture
def config() -> Config:
    """A node whose members each have 64 KB of storage space."""
    return make_config(media=MediaSettings(account_quota_bytes=64 * 1024))


def noise_picture() -> bytes:
    """A PNG of some 40 KB (random pixels do not compress)."""
    out = io.BytesIO()
    pixels = b"".join(hashlib.sha256(n.to_bytes(4, "big")).digest() for n in range(1350))
    Image.frombytes("RGB", (120, 120), pixels).save(out, "PNG")
    return out.getvalue()


async def test_uploads_past_the_storage_space_are_refused(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    picture = noise_picture()
    first = await api.post(
        "/api/v2/media", headers=alice.auth, files={"file": ("a.png", picture, "image/png")}
    )
    assert first.status_code == 200, first.text
    async with app.state.pool.acquire() as conn:
        before = await conn.fetchval("SELECT count(*) FROM media")
    refused = None
    for name in ("b.png", "c.png", "d.png"):
        answer = await api.post(
            "/api/v2/media", headers=alice.auth, files={"file": (name, picture, "image/png")}
        )
        if answer.status_code != 200:
            refused = answer
            break
        before += 1
    assert refused is not None, "64 KB cannot hold four such pictures"
    assert refused.status_code == 422
    assert "storage space" in refused.json()["error"]
    async with app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM media") == before
