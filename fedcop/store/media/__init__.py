"""Uploaded files' SQL: the rows (rows), where they are attached (attachments), and the stored
files waiting to be deleted (deletions)."""

from __future__ import annotations

from fedcop.store.media.attachments import AttachmentRefused, attach_to_page, attach_to_post
from fedcop.store.media.rows import Media, NewMedia

__all__ = ["AttachmentRefused", "Media", "NewMedia", "attach_to_page", "attach_to_post"]
