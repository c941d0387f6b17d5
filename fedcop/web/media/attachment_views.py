"""A post's files as pages show them: pictures inline, other files as described links.

    a picture uploaded here     its thumbnail (`preview_url`), linking to the full file
    a picture from elsewhere    through this node's media proxy (`/media/proxy/TOKEN`): the
                                visitor's browser never contacts the picture's server
    any other file              a link named by its file name, with its type and size:
                                "retention-schedule.pdf (PDF · 1.2 MB)", and its description
    a link, or a file kept      a link, named by its description or its address
    before pictures were proxied

Addresses from elsewhere pass `fedcop.shown.safe_url` (http and https only), or the file is not
shown at all. `alt` is the picture's description; a picture without one says so, so that the
link around it is never nameless.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from fedcop.i18n.current import N_, _, written_size
from fedcop.media.entries import is_upload, proxy_path
from fedcop.services.media.received import is_picture
from fedcop.shown import safe_url

NO_DESCRIPTION = N_("A picture; its author gave no description")

# Short names for the types people share most; others are named by their subtype.
_TYPE_NAMES = {
    "application/pdf": "PDF",
    "application/zip": N_("ZIP archive"),
    "application/msword": N_("Word document"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": N_("Word document"),
    "application/vnd.oasis.opendocument.text": N_("OpenDocument text"),
    "application/vnd.ms-excel": N_("Spreadsheet"),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": N_("Spreadsheet"),
    "application/vnd.oasis.opendocument.spreadsheet": N_("Spreadsheet"),
    "application/vnd.ms-powerpoint": N_("Slides"),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": N_("Slides"),
    "application/vnd.oasis.opendocument.presentation": N_("Slides"),
    "text/plain": N_("Text"),
    "text/csv": "CSV",
    "text/markdown": N_("Markdown"),
    "application/json": "JSON",
}

# Other pictures, videos and sounds are named by their format ("PNG image", "MP4 video").
_KIND_FORMATS = {
    "image": N_("%(format)s image"),
    "video": N_("%(format)s video"),
    "audio": N_("%(format)s sound"),
}


@dataclass(frozen=True)
class AttachmentView:
    kind: Literal["picture", "file", "link"]
    href: str  # where following it leads: the file itself
    label: str  # a file's name, or a link's text
    description: str = ""  # a file's description (a picture's is its `alt`)
    src: str | None = None  # a picture: what the page loads
    alt: str = ""
    width: int | None = None
    height: int | None = None
    details: str = ""  # "PDF · 1.2 MB"


def attachment_views(attachments: Sequence[dict[str, Any]]) -> list[AttachmentView]:
    views = []
    for item in attachments:
        view = _view(item)
        if view is not None:
            views.append(view)
    return views


def _view(item: dict[str, Any]) -> AttachmentView | None:
    description = _text(item.get("name"))
    width, height = _dimension(item.get("width")), _dimension(item.get("height"))
    proxied = proxy_path(item)
    if proxied is not None and is_picture(item):
        return AttachmentView(
            "picture",
            href=proxied,
            label=description,
            src=proxied,
            alt=description or _(NO_DESCRIPTION),
            width=width,
            height=height,
        )
    url = safe_url(item.get("url"))
    if url is None:
        return None
    if is_upload(item) and is_picture(item):
        return AttachmentView(
            "picture",
            href=url,
            label=description,
            src=safe_url(item.get("preview_url")) or url,
            alt=description or _(NO_DESCRIPTION),
            width=width,
            height=height,
        )
    if item.get("type") == "Link" or not (is_upload(item) or item.get("mediaType")):
        return AttachmentView("link", href=url, label=description or url)
    return AttachmentView(
        "file",
        href=url,
        label=_text(item.get("file_name")) or _name_in(url) or url,
        description=description,
        details=" · ".join(
            part
            for part in (type_name(str(item.get("mediaType") or "")), size_text(item.get("size")))
            if part
        ),
    )


def type_name(media_type: str) -> str:
    """ "PDF", "Spreadsheet", "PNG image", "MP4 video"...; "" when unknown."""
    media_type = media_type.split(";", 1)[0].strip().lower()
    if media_type in _TYPE_NAMES:
        return _(_TYPE_NAMES[media_type])
    kind, _slash, subtype = media_type.partition("/")
    subtype = subtype.removeprefix("x-").removeprefix("vnd.").split("+")[0]
    if not subtype or len(subtype) > 20:
        return ""
    if kind in _KIND_FORMATS:
        return _(_KIND_FORMATS[kind], format=subtype.upper())
    return subtype.upper()


def size_text(size: object) -> str:
    """A size in bytes as the reader writes it: "820 bytes", "14 kB", "1,2 Mo" ("" if none)."""
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        return ""
    return written_size(size)


def _name_in(url: str) -> str:
    """The last part of an address's path, as a file name ("" if there is none)."""
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])[:200]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _dimension(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 100_000:
        return value
    return None
