"""The languages the interface speaks, and the one a request gets.

A member's own choice (on /settings) wins; otherwise the browser's `Accept-Language`, read with
its quality values (RFC 9110 §12.5.4): the most wanted language we have, matched on its primary
subtag (`fr-CA` gets French); otherwise English, the language the interface is written in.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

DEFAULT = "en"

# Each language under its own name, as a reader of it looks for it in a menu.
LANGUAGES: Mapping[str, str] = MappingProxyType(
    {
        "en": "English",
        "fr": "Français",
        "es": "Español",
    }
)

# An Accept-Language header is the client's to make; past this many entries the rest is noise.
_MOST_RANGES = 40


def supported(code: str) -> bool:
    return code in LANGUAGES


def negotiate(accept_language: str | None, chosen: str | None = None) -> str:
    """The language of a page: the member's choice if we speak it, else the browser's."""
    if chosen and supported(chosen):
        return chosen
    for language in _wanted(accept_language or ""):
        if language == "*":
            return DEFAULT
        primary = language.split("-", 1)[0]
        if supported(primary):
            return primary
    return DEFAULT


def _wanted(header: str) -> list[str]:
    """The header's language ranges, most wanted first (ties keep the header's order);
    ranges with q=0 ("not this one") and malformed ones are left out."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")[:_MOST_RANGES]):
        pieces = [piece.strip() for piece in part.split(";")]
        language = pieces[0].lower()
        if not language or len(language) > 35:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value.strip())
                except ValueError:
                    quality = -1.0
        if not 0 < quality <= 1:
            continue
        ranked.append((-quality, position, language))
    return [language for _, _, language in sorted(ranked)]
