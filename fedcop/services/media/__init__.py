"""Uploaded files: receiving them (uploads), processing pictures and the sweep that finishes
what a crash left (processing), deleting stored files whose rows are gone (removal), their
names, keys and addresses (names), and their stored attachment entries (entries).

Every function takes the process's one storage (`fedcop.media.backends.open_storage`, opened
at startup: `app.state.media_storage` in the web app, the worker process's own in
`fedcop worker`)."""

from __future__ import annotations

from fedcop.services.media.entries import attachment_entry
from fedcop.services.media.errors import UploadRefused
from fedcop.services.media.processing import process_in_background, process_upload, sweep_stuck
from fedcop.services.media.removal import drain_deleted_files
from fedcop.services.media.uploads import chunks_of, receive_upload

__all__ = [
    "UploadRefused",
    "attachment_entry",
    "chunks_of",
    "drain_deleted_files",
    "process_in_background",
    "process_upload",
    "receive_upload",
    "sweep_stuck",
]
