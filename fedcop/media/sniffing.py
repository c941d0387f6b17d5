"""What an uploaded file is, read from its bytes (never from its name or the client's word).

    first bytes -> JPEG | PNG | GIF | WebP                      a picture (processed, re-encoded)
                -> %PDF-                                        PDF
                -> PK\\x03\\x04 (a zip) -> [Content_Types].xml / part names   docx | xlsx | pptx
                                       -> its `mimetype` entry                odt | ods | odp
                                       -> anything else                       a plain zip
                -> the OLE signature -> its stream names       doc | xls | ppt
                -> UTF-8 without NULs -> HTML or SVG            kept as a download, never a
                                                                picture: it never runs here
                                      -> CSV (by its name), or plain text and source code
                -> anything else: refused, naming the kinds accepted

The name is used only to tell CSV and the like from other text, and to choose among the legacy
office formats when their streams do not say. A PNG named `.pdf` is a PNG; an HTML file named
`.png` is HTML.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from fedcop.i18n.current import N_, _

Kind = Literal["image", "document"]

# How much of the start of a file tells what it is.
HEAD_BYTES = 8192
# The most of a zip's small entries ([Content_Types].xml, mimetype) read to tell what it is.
_ZIP_ENTRY_READ = 64 * 1024
_CHUNK = 64 * 1024

# What a refusal names as taken (translated where it is said: the sniffer runs in the
# request's context, or in English outside one).
ACCEPTED_KINDS = N_(
    "pictures (JPEG, PNG, GIF, WebP), PDF, office documents (Word, Excel, PowerPoint, "
    "OpenDocument), zip archives, and plain text, source code or CSV in UTF-8"
)

PICTURE_TYPES = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/webp": ".webp",
}

_OOXML = {
    "wordprocessingml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "spreadsheetml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "presentationml": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_OOXML_PARTS = {
    "word/document.xml": _OOXML["wordprocessingml"],
    "xl/workbook.xml": _OOXML["spreadsheetml"],
    "ppt/presentation.xml": _OOXML["presentationml"],
}
_OPENDOCUMENT = (
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
    "application/vnd.oasis.opendocument.graphics",
)
# The legacy office formats are OLE compound files; the name of their main stream says which.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_STREAMS = {
    "WordDocument".encode("utf-16-le"): "application/msword",
    "Workbook".encode("utf-16-le"): "application/vnd.ms-excel",
    "Book".encode("utf-16-le"): "application/vnd.ms-excel",
    "PowerPoint Document".encode("utf-16-le"): "application/vnd.ms-powerpoint",
}
_OLE_BY_NAME = {
    ".doc": "application/msword",
    ".dot": "application/msword",
    ".xls": "application/vnd.ms-excel",
    ".ppt": "application/vnd.ms-powerpoint",
}
# Text told apart by its name (the bytes of CSV and of source code are just text).
_TEXT_BY_NAME = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
}

EXTENSIONS = {
    **PICTURE_TYPES,
    "application/pdf": ".pdf",
    _OOXML["wordprocessingml"]: ".docx",
    _OOXML["spreadsheetml"]: ".xlsx",
    _OOXML["presentationml"]: ".pptx",
    "application/vnd.oasis.opendocument.text": ".odt",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.oasis.opendocument.presentation": ".odp",
    "application/vnd.oasis.opendocument.graphics": ".odg",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.ms-powerpoint": ".ppt",
    "application/zip": ".zip",
    "text/html": ".html",
    "image/svg+xml": ".svg",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "text/markdown": ".md",
}

# Markup a browser would run: recognised, kept as a download, never shown or treated as a picture.
_HTML_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|meta|title|style)[\s>/]",
    re.IGNORECASE | re.DOTALL,
)
_SVG_START = re.compile(
    rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*|<!doctype\s+svg[^>]*>\s*)*<svg[\s>/:]",
    re.IGNORECASE | re.DOTALL,
)


class UnacceptedFile(ValueError):
    """The file is of no kind fedcop takes; the message says which kinds it takes."""


@dataclass(frozen=True)
class Sniffed:
    kind: Kind
    media_type: str

    @property
    def extension(self) -> str:
        """The extension a file of this type is named with ("" for plain text: its own)."""
        return EXTENSIONS.get(self.media_type, "")


def picture_type(head: bytes) -> str | None:
    """The picture type the first bytes announce, or None: enough to choose a file's size limit
    while its bytes are still arriving."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def sniff(path: Path, file_name: str) -> Sniffed:
    """What the file at `path` is (`file_name` only tells text kinds apart). Raises
    UnacceptedFile for anything fedcop does not take. Blocking: run it in a thread."""
    with path.open("rb") as file:
        head = file.read(HEAD_BYTES)
    picture = picture_type(head)
    if picture is not None:
        return Sniffed("image", picture)
    if head.startswith(b"%PDF-"):
        return Sniffed("document", "application/pdf")
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return Sniffed("document", _zip_type(path))
    if head.startswith(_OLE_SIGNATURE):
        return Sniffed("document", _ole_type(path, file_name))
    text_type = _text_type(path, head, file_name)
    if text_type is not None:
        return Sniffed("document", text_type)
    raise UnacceptedFile(
        _("This kind of file is not accepted; fedcop takes %(kinds)s.", kinds=_(ACCEPTED_KINDS))
    )


def _suffix(file_name: str) -> str:
    name = file_name.lower()
    dot = name.rfind(".")
    return name[dot:] if dot > 0 else ""


def _zip_type(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                declared = _read_entry(archive, "mimetype").decode("ascii", "replace").strip()
                if declared in _OPENDOCUMENT:
                    return declared
            if "[Content_Types].xml" in names:
                content_types = _read_entry(archive, "[Content_Types].xml")
                for marker, media_type in _OOXML.items():
                    # The main part's content type names the format
                    # (…officedocument.wordprocessingml.document.main+xml).
                    if f"officedocument.{marker}.".encode() in content_types:
                        return media_type
            for part, media_type in _OOXML_PARTS.items():
                if part in names:
                    return media_type
    except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
        raise UnacceptedFile(
            _("This zip file is damaged and cannot be read; send it again, or another copy.")
        ) from error
    return "application/zip"


def _read_entry(archive: zipfile.ZipFile, name: str) -> bytes:
    # Bounded: a small entry tells the type; a huge (or bomb) one is not read past this.
    with archive.open(name) as entry:
        return entry.read(_ZIP_ENTRY_READ)


def _ole_type(path: Path, file_name: str) -> str:
    """Which legacy office format: the name of its main stream, found in its directory (UTF-16
    names, anywhere in the file), else the file's extension."""
    longest = max(len(stream) for stream in _OLE_STREAMS)
    tail = b""
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            window = tail + chunk
            for stream, media_type in _OLE_STREAMS.items():
                if stream in window:
                    return media_type
            tail = window[-longest:]
    by_name = _OLE_BY_NAME.get(_suffix(file_name))
    if by_name is not None:
        return by_name
    raise UnacceptedFile(
        _(
            "This file is a Microsoft compound file but not a Word, Excel or PowerPoint "
            "document; fedcop takes %(kinds)s.",
            kinds=_(ACCEPTED_KINDS),
        )
    )


def _text_type(path: Path, head: bytes, file_name: str) -> str | None:
    """The text type of a UTF-8 file with no NUL byte (HTML and SVG told apart), else None."""
    if b"\x00" in head or not _is_utf8_text(path):
        return None
    start = head.removeprefix(b"\xef\xbb\xbf")
    if _SVG_START.match(start):
        return "image/svg+xml"
    if _HTML_START.match(start):
        return "text/html"
    return _TEXT_BY_NAME.get(_suffix(file_name), "text/plain")


def _is_utf8_text(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as file:
        try:
            while chunk := file.read(_CHUNK):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True
