"""Profile fields on actors: `attachment` PropertyValues and `tag` Hashtags, read and written.

Mastodon shows a person's free profile fields from their actor's `attachment`, keeping every
entry of type `PropertyValue` with its `name` (plain text) and `value` (HTML); it shows the
actor's `Hashtag` tags as "featured" subjects. fedcop writes a person's organisation, sector,
role and expertise the same way, and reads them (and any other field) back from any server:

    "attachment": [{"type": "PropertyValue", "name": "Organisation", "value": "City Archive"},
                   {"type": "PropertyValue", "name": "Expertise",
                    "value": "metadata standards, archives"}],
    "tag": [{"type": "Hashtag", "name": "#metadatastandards",
             "href": "https://a.example/tags/metadatastandards"}]

Everything read is bounded (entries looked at, fields kept, lengths) and values are sanitised
HTML; names are plain text. Pure functions over dicts: no network, no database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from federation.html import escape, sanitize, to_text
from federation.vocab import as_list, type_of

# At most this many entries of `attachment` or `tag` are looked at, and this many kept.
MAX_ENTRIES_READ = 64
MAX_FIELDS = 16
MAX_HASHTAGS = 20
MAX_NAME_LENGTH = 255
# A value's HTML, sanitised, beyond this is dropped to its plain text, itself cut to fit.
MAX_VALUE_HTML = 2048
MAX_VALUE_TEXT = 500
MAX_HASHTAG_LENGTH = 100
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_NOT_A_TAG_CHARACTER = re.compile(r"[^\w]", re.UNICODE)


@dataclass(frozen=True)
class PropertyValue:
    name: str  # plain text
    value_html: str  # sanitised HTML

    @property
    def value_text(self) -> str:
        return to_text(self.value_html)


def _plain(value: object, limit: int) -> str:
    if not isinstance(value, str):
        return ""
    return " ".join(_CONTROL.sub(" ", value[: limit * 4]).split())[:limit]


def property_values(document: Mapping[str, Any]) -> list[PropertyValue]:
    """The `PropertyValue` entries of an actor's `attachment`, bounded, values sanitised."""
    found: list[PropertyValue] = []
    for entry in as_list(document.get("attachment"))[:MAX_ENTRIES_READ]:
        if not isinstance(entry, Mapping) or type_of(entry) != "PropertyValue":
            continue
        name = _plain(entry.get("name"), MAX_NAME_LENGTH)
        raw = entry.get("value")
        if not name or not isinstance(raw, str):
            continue
        value_html = sanitize(raw.replace("\x00", "")[: MAX_VALUE_HTML * 8])
        if len(value_html) > MAX_VALUE_HTML:
            value_html = escape(to_text(value_html)[:MAX_VALUE_TEXT])
        found.append(PropertyValue(name, value_html))
        if len(found) == MAX_FIELDS:
            break
    return found


def hashtag_names(document: Mapping[str, Any]) -> list[str]:
    """The names of an actor's `Hashtag` tags, without '#', bounded, each once."""
    names: list[str] = []
    for entry in as_list(document.get("tag"))[:MAX_ENTRIES_READ]:
        if not isinstance(entry, Mapping) or type_of(entry) != "Hashtag":
            continue
        name = _plain(entry.get("name"), MAX_HASHTAG_LENGTH + 1).lstrip("#").strip()
        if name and name.lower() not in {known.lower() for known in names}:
            names.append(name[:MAX_HASHTAG_LENGTH])
        if len(names) == MAX_HASHTAGS:
            break
    return names


def hashtag_of(subject: str) -> str:
    """A subject as a hashtag name, the way Mastodon writes them: "metadata standards" ->
    "metadatastandards" (letters, digits and underscores only, lower case). "" if none is left."""
    folded = unicodedata.normalize("NFKC", subject).lower()
    return _NOT_A_TAG_CHARACTER.sub("", folded)[:MAX_HASHTAG_LENGTH]


def property_value(name: str, value_html: str) -> dict[str, str]:
    return {"type": "PropertyValue", "name": name, "value": value_html}


def hashtag(name: str, href: str) -> dict[str, str]:
    return {"type": "Hashtag", "name": f"#{name}", "href": href}
