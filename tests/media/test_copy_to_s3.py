"""Moving a node's files from its data directory to object storage: `fedcop admin
copy-media-to-s3` copies them into the bucket under the same keys, and once the node is switched
to the bucket, files uploaded before are served from there."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.media.disk_storage import DiskStorage
from fedcop.media.settings import media_environment
from fedcop.services.media import receive_upload
from fedcop.store.actors import Actor
from tests.conftest import running_app
from tests.media import samples
from tests.processes import clean_env, run_fedcop
from tests.s3_server import S3Server


async def test_files_on_disk_move_to_the_bucket_and_are_served_from_there(
    pool: Any, config: Config, dsn: str, ana: Actor, s3_server: S3Server
) -> None:
    # Given a node keeping its files on disk: a document and a picture ana uploaded
    disk = DiskStorage(config.data_dir / "media")
    uploads = [
        await receive_upload(pool, config, disk, ana.id, samples.chunks(data), name)
        for data, name in ((samples.PDF, "plan.pdf"), (samples.png(), "board.png"))
    ]
    on_disk = sorted(
        path.relative_to(disk.root).as_posix() for path in disk.root.rglob("*") if path.is_file()
    )
    bucket = await s3_server.new_bucket()
    in_bucket = dataclasses.replace(config, media=s3_server.settings(bucket, config.media))
    env = clean_env(FEDCOP_DATA_DIR=str(config.data_dir), **media_environment(in_bucket.media))

    # When the operator copies them into the bucket, twice (while the node runs, then stopped)
    first = run_fedcop("admin", "copy-media-to-s3", env=env)
    again = run_fedcop("admin", "copy-media-to-s3", env=env)

    # Then every file is in the bucket under its key, typed by its bytes, and only copied once
    assert first.returncode == 0, first.stderr
    assert (
        f"copied {len(on_disk)} file(s)" in first.stdout and "0 were already there" in first.stdout
    )
    assert "copied 0 file(s)" in again.stdout
    assert f"{len(on_disk)} were already there" in again.stdout
    assert await s3_server.object_keys(bucket) == on_disk
    async with s3_server.client() as client:
        document = await client.head_object(Bucket=bucket, Key=uploads[0].storage_key)
    assert document["ContentType"] == "application/pdf"
    # And the node switched to the bucket serves the files uploaded before, from it
    (config.data_dir / "media").rename(config.data_dir / "media.old")
    async with running_app(in_bucket, dsn, run_workers=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
            for media in uploads:
                answer = await http.get(f"/media/{media.token}/{media.file_name}")
                assert answer.status_code == 200
                kept = Path(config.data_dir / "media.old" / media.storage_key).read_bytes()
                assert answer.content == kept


def test_the_copy_needs_the_bucket_to_be_configured(tmp_path: Path) -> None:
    refused = run_fedcop(
        "admin", "copy-media-to-s3", env=clean_env(FEDCOP_DATA_DIR=str(tmp_path / "data"))
    )
    assert refused.returncode == 1
    assert "FEDCOP_MEDIA_STORAGE=s3" in refused.stderr
