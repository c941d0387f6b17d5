"""What a file is, read from its bytes: the name only tells text kinds apart."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from fedcop.media.sniffing import UnacceptedFile, sniff
from tests.media import samples

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _zip(entries: dict[str, str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return out.getvalue()


def _ole(stream_name: str) -> bytes:
    """The start of a compound file whose directory names `stream_name` (as Word writes)."""
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    entry = "Root Entry".encode("utf-16-le") + b"\x00" * 20 + stream_name.encode("utf-16-le")
    return header + entry + b"\x00" * 1024


def _sniffed(tmp_path: Path, data: bytes, name: str) -> tuple[str, str]:
    path = tmp_path / "upload"
    path.write_bytes(data)
    found = sniff(path, name)
    return found.kind, found.media_type


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (samples.png(), "report.pdf", ("image", "image/png")),
        (samples.photo_with_location(), "x", ("image", "image/jpeg")),
        (b"GIF89a" + b"\x00" * 30, "a.gif", ("image", "image/gif")),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + b"\x00" * 20, "a.webp", ("image", "image/webp")),
        (samples.PDF, "scan.png", ("document", "application/pdf")),
        (samples.docx(), "notes.zip", ("document", DOCX)),
        (
            _zip({"[Content_Types].xml": f'<Override ContentType="{XLSX}.main+xml"/>'}),
            "a.zip",
            ("document", XLSX),
        ),
        (_zip({"ppt/presentation.xml": "<p/>"}), "slides", ("document", PPTX)),
        (samples.odt(), "notes.zip", ("document", "application/vnd.oasis.opendocument.text")),
        (samples.plain_zip(), "scripts.docx", ("document", "application/zip")),
        (_ole("WordDocument"), "old.xls", ("document", "application/msword")),
        (_ole("Workbook"), "old", ("document", "application/vnd.ms-excel")),
        (_ole("PowerPoint Document"), "old", ("document", "application/vnd.ms-powerpoint")),
        ("Nom,Rôle\nAna,facilitatrice\n".encode(), "people.csv", ("document", "text/csv")),
        (b"def main():\n    return 0\n", "tool.py", ("document", "text/plain")),
        (b"\xef\xbb\xbfplain text with a BOM", "a.txt", ("document", "text/plain")),
        (samples.HTML, "cat.png", ("document", "text/html")),
        (b"  <html><p>hi</p></html>", "cat.jpg", ("document", "text/html")),
        (b'<?xml version="1.0"?>\n<html xmlns="x"/>', "a.gif", ("document", "text/html")),
        (samples.SVG, "logo.png", ("document", "image/svg+xml")),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "x.gif", ("document", "image/svg+xml")),
    ],
)
def test_the_type_comes_from_the_bytes(
    tmp_path: Path, data: bytes, name: str, expected: tuple[str, str]
) -> None:
    assert _sniffed(tmp_path, data, name) == expected


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "notes.txt"),  # a program
        ("latin-1 caf\xe9".encode("latin-1"), "notes.txt"),  # not UTF-8
        (b"text with a \x00 in it", "notes.txt"),
        (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "archive.tar.gz"),
        (_ole("Something Else"), "installer.msi"),
    ],
)
def test_other_kinds_are_refused_naming_the_accepted_ones(
    tmp_path: Path, data: bytes, name: str
) -> None:
    with pytest.raises(UnacceptedFile, match="fedcop takes pictures"):
        _sniffed(tmp_path, data, name)


def test_a_damaged_zip_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnacceptedFile, match="damaged"):
        _sniffed(tmp_path, b"PK\x03\x04" + b"\x00" * 100, "a.zip")
