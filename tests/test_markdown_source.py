"""Markdown kept and Markdown made back.

- received_markdown: which `source` of an object from elsewhere is kept.
- to_markdown: the Markdown an edit of a post with no kept source starts from; rendering it
  gives back the HTML the post shows (structure, emphasis, code and links survive).
"""

from __future__ import annotations

from typing import Any

import pytest

from fedcop.services import markdown
from fedcop.services.html_markdown import to_markdown
from fedcop.services.post_source import MAX_SOURCE, received_markdown, written


@pytest.mark.parametrize(
    "source,kept",
    [
        ({"content": "**hi**", "mediaType": "text/markdown"}, "**hi**"),
        ({"content": "**hi**", "mediaType": "Text/Markdown; charset=utf-8"}, "**hi**"),
        ({"content": "a\x00b", "mediaType": "text/markdown"}, "ab"),
        ({"content": "$[x2 big]", "mediaType": "text/x.misskeymarkdown"}, None),
        ({"content": "<p>hi</p>", "mediaType": "text/html"}, None),
        ({"content": "**hi**"}, None),
        ({"content": ["**hi**"], "mediaType": "text/markdown"}, None),
        ("**hi**", None),
        (None, None),
        ({"content": "x" * (MAX_SOURCE + 1), "mediaType": "text/markdown"}, None),
    ],
)
def test_which_received_sources_are_kept(source: Any, kept: str | None) -> None:
    assert received_markdown({"type": "Page", "source": source}) == kept


def test_typed_line_ends_are_kept_as_newlines() -> None:
    assert written("- one\r\n- two\r\n") == "- one\n- two\n"


ROUND_TRIPS = [
    "Hello **world** and *you*.\n\n- one\n- **two**\n- `three`\n\n"
    "See [the guide](https://example.org/guide) or https://example.org/x_y.",
    "1. first\n2. second\n   - nested\n   - more\n3. third",
    "5. five\n6. six",
    "- item one\n\n  second paragraph\n- item two",
    "> quoted *text*\n>\n> second paragraph",
    "# Heading\n\n## Sub\n\n---\n\ntext",
    "```\ncode block\n  indented\n```\n\nafter",
    "line one\\\nline two",
    "snake_case and 2 * 3 and [brackets] and <angle> and ~tilde~",
    "~~struck~~ and ``a ` b`` code",
    "#hashtag at the start, and @someone",
    "1986\\. A great year",
    "- [a link](https://x.org/a(b)) in a list",
    "*emphasis with **strong** inside*",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_markdown_made_back_renders_the_same_html(text: str) -> None:
    shown = markdown.render(text)
    assert markdown.render(to_markdown(shown)) == shown


def test_markdown_made_back_reads_like_what_was_written() -> None:
    shown = markdown.render("- **bold** item\n- `code` and [link](https://example.org/)")
    assert to_markdown(shown) == "- **bold** item\n- `code` and [link](https://example.org/)"


def test_html_from_elsewhere_is_read_as_its_structure() -> None:
    html = (
        '<p><span class="h-card"><a href="https://m.example/@mona" class="u-url mention">'
        "@<span>mona</span></a></span> see<br>this</p><p>And <b>that</b></p>"
    )
    assert to_markdown(html) == "[@mona](https://m.example/@mona) see\\\nthis\n\nAnd **that**"
