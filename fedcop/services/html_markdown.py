"""Markdown made back from sanitised HTML, for posts whose Markdown was never kept (written
before it was, or sent without a `source`): an edit of such a post starts from this, so that
saving it keeps paragraphs, lists, emphasis, code, quotes, headings and links.

    <p>See <a href="https://x.org/a">the guide</a></p>  -> See [the guide](https://x.org/a)
    <ul><li><strong>one</strong></li></ul>               -> - **one**
    <pre><code>x = 1</code></pre>                        -> ```\\nx = 1\\n```

The HTML is the sanitised kind (federation/html.py's allowlist); anything else is read as its
text. Rendering the result (services/markdown.py) gives back the same structure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

_BLOCKS = frozenset(
    {"p", "ul", "ol", "li", "blockquote", "pre", "hr", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_VOID = frozenset({"br", "hr", "img"})
_MARKS = {"strong": "**", "b": "**", "em": "*", "i": "*", "del": "~~", "s": "~~"}
# Characters Markdown reads as syntax anywhere in a line.
_INLINE_SYNTAX = re.compile(r"([\\`*\[\]<>~|])")
# Underscores that could open or close emphasis (not those inside a word: snake_case).
_LOOSE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# What a line may not start with unless it means it: a heading, quote, list item or rule.
_BLOCK_START = re.compile(r"^(?:(#|>|[-+=])|(\d{1,9})([.)]))")
_SPACES = re.compile(r"\s+")


@dataclass
class _Element:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Element | str] = field(default_factory=list)


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Element("root")
        self._open: list[_Element] = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(tag, {name: value or "" for name, value in attrs})
        self._open[-1].children.append(element)
        if tag not in _VOID:
            self._open.append(element)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self._open) - 1, 0, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        self._open[-1].children.append(data)


def to_markdown(html: str) -> str:
    """Markdown that renders to (nearly) the same HTML."""
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return "\n\n".join(_blocks(builder.root.children)).strip()


def _blocks(nodes: list[_Element | str]) -> list[str]:
    """Blocks of Markdown; loose inline content between blocks becomes a paragraph."""
    out: list[str] = []
    loose: list[_Element | str] = []

    def paragraph() -> None:
        text = _paragraph(loose)
        if text:
            out.append(text)
        loose.clear()

    for node in nodes:
        if isinstance(node, _Element) and node.tag in _BLOCKS:
            paragraph()
            block = _block(node)
            if block:
                out.append(block)
        else:
            loose.append(node)
    paragraph()
    return out


def _paragraph(nodes: list[_Element | str]) -> str:
    text = _inline(nodes).strip(" ")
    text = re.sub(r" *\\\n *", "\\\n", text).strip("\\\n ")
    return _BLOCK_START.sub(_escape_block_start, text, count=1) if text else ""


def _escape_block_start(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return f"{match.group(2)}\\{match.group(3)}"


def _block(element: _Element) -> str:
    tag = element.tag
    if tag == "hr":
        return "***"
    if tag == "pre":
        code = _text(element).removesuffix("\n")
        fence = "```"
        while fence in code:
            fence += "`"
        return f"{fence}\n{code}\n{fence}"
    if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
        text = _inline(element.children).replace("\\\n", " ").strip()
        return f"{'#' * int(tag[1])} {text}" if text else ""
    if tag == "blockquote":
        inner = "\n\n".join(_blocks(element.children))
        return "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
    if tag in ("ul", "ol"):
        return _list(element)
    if tag == "li":
        return _list(_Element("ul", children=[element]))
    return _paragraph(element.children)


def _list(element: _Element) -> str:
    items = [child for child in element.children if isinstance(child, _Element)]
    items = [child for child in items if child.tag == "li"]
    start = int(element.attrs["start"]) if element.attrs.get("start", "").isdigit() else 1
    # A list whose items hold paragraphs is "loose": blank lines between its items.
    loose = any(
        isinstance(child, _Element) and child.tag == "p"
        for item in items
        for child in item.children
    )
    rendered = []
    for number, item in enumerate(items, start):
        marker = f"{number}. " if element.tag == "ol" else "- "
        body = ("\n\n" if loose else "\n").join(_blocks(item.children))
        indent = " " * len(marker)
        lines = body.split("\n")
        rendered.append(
            marker + "\n".join([lines[0], *(indent + line if line else "" for line in lines[1:])])
        )
    return ("\n\n" if loose else "\n").join(rendered)


def _inline(nodes: list[_Element | str]) -> str:
    parts: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            parts.append(_escape(_SPACES.sub(" ", node)))
        elif node.tag == "br":
            parts.append("\\\n")
        elif node.tag in _MARKS:
            inner = _inline(node.children)
            if inner.strip():
                mark = _MARKS[node.tag]
                lead = inner[: len(inner) - len(inner.lstrip())]
                trail = inner[len(inner.rstrip()) :]
                parts.append(f"{lead}{mark}{inner.strip()}{mark}{trail}")
        elif node.tag == "code":
            parts.append(_code_span(_text(node)))
        elif node.tag == "a":
            parts.append(_link(node))
        elif node.tag in _BLOCKS:
            parts.append(" ".join(_blocks([node])))
        else:
            parts.append(_inline(node.children))
    return "".join(parts)


def _link(element: _Element) -> str:
    href = element.attrs.get("href", "")
    label = _inline(element.children).strip()
    if not href:
        return label
    if _text(element).strip() == href and re.fullmatch(r"https?://\S+", href):
        return href  # a bare address: rendering links it again
    target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
    return f"[{label or _escape(href)}]({target})"


def _code_span(code: str) -> str:
    code = code.replace("\n", " ")
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") or longest else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def _text(element: _Element) -> str:
    return "".join(
        child if isinstance(child, str) else ("\n" if child.tag == "br" else _text(child))
        for child in element.children
    )


def _escape(text: str) -> str:
    return _LOOSE_UNDERSCORE.sub(r"\\_", _INLINE_SYNTAX.sub(r"\\\1", text))
