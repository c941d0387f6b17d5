"""Uploaded files in `fedcop admin backup` and `restore` (fedcop/db/backup.py writes the rest).

    disk: every file of DATA_DIR/media goes in the backup under `media/` (streamed from disk,
          never read whole); restore puts them back in the restored node's DATA_DIR/media
    s3:   the bucket is NOT in the backup: the manifest and the command's output say so, with
          the bucket and endpoint to back up separately (object storage has its own tools:
          versioning, replication, `rclone sync`, `mc mirror`)

The manifest's `media` entry says which, so a restore knows what it may expect.
"""

from __future__ import annotations

import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fedcop.media.settings import MediaSettings

ARCHIVE_DIRECTORY = "media"
# Where the directory backend keeps files, inside the data directory.
DISK_DIRECTORY = "media"


@dataclass(frozen=True)
class FilesPlace:
    """Where a node keeps its uploaded files."""

    storage: str
    directory: Path | None = None  # disk
    bucket: str | None = None  # s3
    endpoint: str | None = None  # s3

    @property
    def in_backup(self) -> bool:
        return self.storage == "disk"

    def bucket_note(self) -> str:
        return (
            f"the uploaded files are NOT in this backup: they live in bucket {self.bucket!r} at "
            f"{self.endpoint}; back that bucket up separately (see deploy/README.md, "
            '"Backups")'
        )


def disk_directory(data_dir: Path) -> Path:
    return data_dir.absolute() / DISK_DIRECTORY


def files_place(settings: MediaSettings, data_dir: Path) -> FilesPlace:
    if settings.storage == "s3":
        return FilesPlace("s3", bucket=settings.s3_bucket, endpoint=settings.s3_endpoint)
    return FilesPlace("disk", directory=disk_directory(data_dir))


def stored_files(place: FilesPlace) -> list[Path]:
    """The files of the directory backend, by name (none when it has none yet)."""
    if place.directory is None or not place.directory.is_dir():
        return []
    directory = place.directory
    return sorted(
        path
        for path in directory.rglob("*")
        if path.is_file()
        and not path.is_symlink()
        # Hidden names are files still being written (`.NAME.RANDOM.part`), not stored ones.
        and not any(part.startswith(".") for part in path.relative_to(directory).parts)
    )


def add_files(tar: tarfile.TarFile, place: FilesPlace) -> dict[str, Any]:
    """Add the node's files to `tar` when they belong in a backup; the manifest's `media`."""
    if not place.in_backup or place.directory is None:
        return {
            "storage": place.storage,
            "included": False,
            "bucket": place.bucket,
            "endpoint": place.endpoint,
            "note": place.bucket_note(),
        }
    count = total = 0
    for path in stored_files(place):
        name = path.relative_to(place.directory).as_posix()
        info = tar.gettarinfo(str(path), arcname=f"{ARCHIVE_DIRECTORY}/{name}")
        info.mode = 0o600
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        with path.open("rb") as file:
            tar.addfile(info, file)
        count += 1
        total += info.size
    return {"storage": "disk", "included": True, "files": count, "bytes": total}


def restore_files(tar: tarfile.TarFile, directory: Path) -> int:
    """Put the backup's files back in `directory` (the restored node's DATA_DIR/media); how
    many there were."""
    members = [
        member
        for member in tar.getmembers()
        if member.isfile() and member.name.startswith(f"{ARCHIVE_DIRECTORY}/")
    ]
    if not members:
        return 0
    directory.mkdir(parents=True, exist_ok=True)

    def inside_directory(member: tarfile.TarInfo, path: str) -> tarfile.TarInfo | None:
        # The "data" filter refuses absolute names, `..`, links out of the directory, devices.
        checked = tarfile.data_filter(member, path)
        return checked.replace(name=member.name.removeprefix(f"{ARCHIVE_DIRECTORY}/"))

    tar.extractall(directory, members=members, filter=inside_directory)  # noqa: S202 (filtered)
    return len(members)


def unsafe_members(tar: tarfile.TarFile) -> list[str]:
    """Names under media/ that a restore must not write: anything but a plain file, an
    absolute name, or one that climbs out with `..`."""
    unsafe = []
    for member in tar.getmembers():
        if not member.name.startswith(f"{ARCHIVE_DIRECTORY}/"):
            continue
        parts = member.name.split("/")
        if not member.isfile() or member.name.startswith("/") or ".." in parts:
            unsafe.append(member.name)
    return unsafe


def describe(media: dict[str, Any] | None) -> str:
    """One line for the operator about the files of a backup with this manifest entry."""
    if not media:
        return "this backup was made before fedcop kept files: it holds none"
    if media.get("included"):
        size = int(media.get("bytes", 0)) / (1024 * 1024)
        return f"{media.get('files', 0)} uploaded file(s), {size:.1f} MB"
    return str(media.get("note") or "the uploaded files are not in this backup")
