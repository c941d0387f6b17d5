"""What people write here is Markdown: rendered to HTML (raw HTML in it is shown as text), web
addresses made links, and the result sanitised like any HTML from elsewhere."""

from __future__ import annotations

from markdown_it import MarkdownIt

from federation.html import sanitize

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
_markdown.enable("linkify")
_markdown.enable("strikethrough")


def render(text: str) -> str:
    return sanitize(_markdown.render(text))
