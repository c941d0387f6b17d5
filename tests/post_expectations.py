"""What a post from elsewhere says, read from its JSON by plain rules, for tests to compare with
what fedcop stored. Independent of fedcop's own readers (fedcop.services.post_fields) on
purpose: the two must agree on every real payload.

    text          content (else contentMap's first text), tags removed, whitespace collapsed
    url           a string, else the Link (or first of the Links) of type text/html (mediaType,
                  or mimeType), else the first
    attachments   each entry's href, else its url's (a string or a Link's href); web addresses only
    sensitive     `sensitive` is true
    tags          the names of tags whose type ends in Hashtag, lower case, without '#', one word
                  each (a name with a space is no hashtag; Mastodon refuses it too)
    language      contentMap's first key, else `language`, else the context's `@language`;
                  none for und
    in_reply_to   inReplyTo's id or href, or the string itself
"""

from __future__ import annotations

import html
import re
from typing import Any

# A tag, or one cut off at the end (Discourse truncates long posts mid-tag).
_TAG = re.compile(r"<[^>]*(?:>|$)")


def plain_text(html_text: object) -> str:
    """Text of HTML with every tag a space, entities decoded, whitespace collapsed."""
    if not isinstance(html_text, str):
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", html_text)).split())


def _first_of_map(value: object) -> tuple[str, str] | None:
    if isinstance(value, dict):
        for key, text in value.items():
            if isinstance(text, str) and text:
                return key, text
    return None


def _href(value: object, prefer_html: bool = False) -> str | None:
    items = value if isinstance(value, list) else [value]
    found = []
    for item in items:
        if isinstance(item, str):
            found.append((item, "text/html"))
        elif isinstance(item, dict):
            address = item.get("href") or _href(item.get("url"))
            if isinstance(address, str):
                # mimeType: the older name Funkwhale still sends.
                media_type = item.get("mediaType") or item.get("mimeType") or "text/html"
                found.append((address, media_type))
    if prefer_html:
        found = [f for f in found if f[1] == "text/html"] or found
    return found[0][0] if found else None


def _is_web(address: object) -> bool:
    return isinstance(address, str) and address.startswith(("http://", "https://"))


def _language(note: dict[str, Any], mapped: tuple[str, str] | None) -> str | None:
    if mapped is not None:
        tag: object = mapped[0]
    elif isinstance(note.get("language"), str):
        tag = note["language"]
    else:
        contexts = note.get("@context")
        declared = [
            entry.get("@language")
            for entry in (contexts if isinstance(contexts, list) else [contexts])
            if isinstance(entry, dict) and entry.get("@language")
        ]
        tag = declared[0] if declared else None
    return tag if isinstance(tag, str) and tag not in ("und", "@none") else None


def expected_post(note: dict[str, Any]) -> dict[str, Any]:
    content = note.get("content")
    mapped = _first_of_map(note.get("contentMap"))
    text = content if isinstance(content, str) and content else (mapped[1] if mapped else "")
    url = _href(note.get("url"), prefer_html=True)
    entries = note.get("attachment") or []
    attachments = []
    for item in (entries if isinstance(entries, list) else [entries])[:20]:
        address = item if isinstance(item, str) else None
        if isinstance(item, dict):
            address = item.get("href") or _href(item.get("url"))
        if _is_web(address):
            attachments.append(address)
    tags: list[str] = []
    entries = note.get("tag") or []
    for tag in entries if isinstance(entries, list) else [entries]:
        if isinstance(tag, dict) and str(tag.get("type", "")).endswith("Hashtag"):
            name = str(tag.get("name") or "").strip().lstrip("#").lower()
            if name and name not in tags and not any(c.isspace() for c in name):
                tags.append(name)
    in_reply_to = note.get("inReplyTo")
    if isinstance(in_reply_to, dict):
        in_reply_to = in_reply_to.get("id") or in_reply_to.get("href")
    return {
        "text": plain_text(text),
        "url": url if _is_web(url) else None,
        "attachments": attachments,
        "sensitive": note.get("sensitive") is True,
        "tags": tags,
        "language": _language(note, mapped),
        "in_reply_to": in_reply_to,
    }
