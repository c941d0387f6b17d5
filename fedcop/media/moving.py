"""Copying the files of DATA_DIR/media into another storage: a node moving to object storage.

    fedcop admin copy-media-to-s3   (FEDCOP_MEDIA_STORAGE=s3 and the FEDCOP_S3_* settings given)
      every file under DATA_DIR/media -> the bucket, under the same key (its path there), with
      the type read from its bytes (a CDN serves it as that); a key the bucket already holds
      with the same size is left as it is, so the copy can run while the node runs, and again
      after it is stopped to take what was uploaded meanwhile

Nothing here is deleted: DATA_DIR/media stays as it was until the operator removes it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fedcop.media import sniffing
from fedcop.media.backup_files import FilesPlace, stored_files
from fedcop.media.storage import MediaStorage

UNKNOWN_TYPE = "application/octet-stream"


@dataclass
class CopyReport:
    copied: int = 0
    bytes_copied: int = 0
    already_there: int = 0


def stored_type(path: Path) -> str:
    """The type of a stored file, read from its bytes as at upload (its key's last part, e.g.
    `file.csv`, tells text kinds apart)."""
    try:
        return sniffing.sniff(path, path.name).media_type
    except sniffing.UnacceptedFile:
        return UNKNOWN_TYPE


async def copy_files(
    directory: Path,
    target: MediaStorage,
    progress: Callable[[str], None] | None = None,
) -> CopyReport:
    """Copy every file of `directory` (the directory backend's) into `target`, by key."""
    report = CopyReport()
    files = await asyncio.to_thread(stored_files, FilesPlace("disk", directory=directory))
    for path in files:
        key = path.relative_to(directory).as_posix()
        size = (await asyncio.to_thread(path.stat)).st_size
        if await target.size(key) == size:
            report.already_there += 1
            continue
        await target.put(key, path, await asyncio.to_thread(stored_type, path))
        report.copied += 1
        report.bytes_copied += size
        if progress is not None and report.copied % 100 == 0:
            progress(f"{report.copied} file(s) copied so far")
    return report
