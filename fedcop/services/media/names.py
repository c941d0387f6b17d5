"""Uploaded files' names and addresses: a safe name from what the uploader sent, the keys the
storage keeps a file under, the addresses it is served at."""

from __future__ import annotations

import secrets
import unicodedata
from urllib.parse import quote

from fedcop.config import Config
from fedcop.store.media import Media

MAX_NAME_CHARACTERS = 120
THUMBNAIL_NAME = "thumbnail.webp"


def new_token() -> str:
    """The unguessable part of a file's address and keys (32 URL-safe characters)."""
    return secrets.token_urlsafe(24)


def safe_file_name(sent: str | None, extension: str) -> str:
    """The uploaded name without any path, control characters or leading dots, at most
    MAX_NAME_CHARACTERS long, ending with `extension` (the type read from the bytes; "" keeps
    the name's own) instead of whatever the uploader's name claimed."""
    name = unicodedata.normalize("NFC", sent or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        character
        for character in name
        if unicodedata.category(character)[0] not in ("C", "Z") or character == " "
    )
    name = " ".join(name.split()).lstrip(".")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    if extension:
        name = (stem or "file") + extension
    elif not stem:
        name = "file" + (f".{suffix}" if suffix else "")
    if len(name) > MAX_NAME_CHARACTERS:
        keep = extension or (f".{suffix}" if suffix and len(suffix) < 16 else "")
        name = name[: MAX_NAME_CHARACTERS - len(keep)].rstrip() + keep
    return name or "file"


def original_key(token: str) -> str:
    return f"{token}/original"


def file_key(token: str, extension: str) -> str:
    return f"{token}/file{extension}"


def thumbnail_key(token: str) -> str:
    return f"{token}/{THUMBNAIL_NAME}"


def media_path(media: Media) -> str:
    """Where this node serves the file: /media/TOKEN/FILE_NAME."""
    return f"/media/{media.token}/{quote(media.file_name, safe='')}"


def thumbnail_path(media: Media) -> str | None:
    if media.thumbnail_key is None:
        return None
    return f"/media/{media.token}/{THUMBNAIL_NAME}"


def media_url(config: Config, media: Media) -> str:
    return config.base_url + media_path(media)
