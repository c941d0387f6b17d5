"""The library page's table read as a reader reads it (stdlib HTML parser): one dict a file."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _Library(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[dict[str, Any]] = []
        self.next_href: str | None = None
        self._row: dict[str, Any] | None = None
        self._cell = -1
        # the classes of the elements whose text is being read (innermost last)
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        classes = attributes.get("class", "").split()
        if tag == "a" and attributes.get("rel") == "next":
            self.next_href = attributes.get("href")
        if tag == "tr" and "library-file" in classes:
            self._row = {"cells": [], "thumbnail": False}
            self._cell = -1
            return
        if self._row is None:
            return
        if tag == "td":
            self._cell += 1
            self._row["cells"].append("")
        if tag == "img" and "thumbnail" in classes:
            self._row["thumbnail"] = True
            self._row["thumbnail_src"] = attributes.get("src")
        if tag == "a" and self._cell == 2 and "sharer" not in self._row:
            self._row["sharer"] = ""
            classes = [*classes, "sharer"]
        for name in ("file-name", "where", "tag", "licence", "sharer"):
            if name in classes:
                self._row[name] = ""
                if tag == "a":
                    self._row[f"{name}_href"] = attributes.get("href")
        if tag in ("a", "p", "span", "time"):
            self._open.append(next((c for c in classes if c), tag))
        if tag == "p" and "description" in classes:
            self._row["description"] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None
        elif tag in ("a", "p", "span", "time") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._row is None or self._cell < 0:
            return
        self._row["cells"][self._cell] += data
        for name in self._open:
            if name in ("file-name", "where", "tag", "licence", "sharer", "description"):
                self._row[name] = self._row.get(name, "") + data


def library_rows(html: str) -> tuple[list[dict[str, Any]], str | None]:
    """The files listed (name, description, kind cell, by, where, tag, licence...) and the
    "Older files" link."""
    parser = _Library()
    parser.feed(html)
    rows = [
        {
            "name": row.get("file-name", "").strip(),
            "description": row.get("description", "").strip(),
            "kind": " ".join(row["cells"][1].split()),
            "by": row.get("sharer", "").strip(),
            "where": row.get("where", "").strip(),
            "where_href": row.get("where_href"),
            "tag": row.get("tag", "").strip(),
            "licence": row.get("licence", "").strip(),
            "licence_href": row.get("licence_href"),
            "thumbnail": row["thumbnail"],
            "file_href": row.get("file-name_href"),
        }
        for row in parser.rows
    ]
    return rows, parser.next_href
