"""Shared files: the parts of uploads, storage and display that touch no database.

A post's files are kept in `posts.attachments` (JSONB), one entry per file, in the same shape
whether the file was uploaded here or came with a post from elsewhere (`entries.py` reads it):

    {"type": "Image" | "Document" | "Video" | "Audio" | "Link",
     "url": "https://...",            the file itself (here: /media/TOKEN/FILE_NAME)
     "mediaType": "image/webp",
     "name": "alt text or description",
     "sensitive": false,
     "blurhash": "...", "width": 800, "height": 600, "size": 12345,     when known
     -- only on files uploaded here (never sent on the wire):
     "media_id": 123, "preview_url": "https://.../media/TOKEN/thumbnail.webp",
     "file_name": "triage-checklist.pdf",
     -- only on files from elsewhere that this node shows through its media proxy:
     "proxy": "TOKEN"}

The rows behind uploaded files (`media`, migration 0044) are written by `fedcop/store/media/`.
"""
