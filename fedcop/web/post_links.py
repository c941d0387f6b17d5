"""Hashtags and mentions in a post, as links to pages here, whichever server wrote the post.

Applied when a post is shown (the `post_html` filter), so posts written here and posts from
elsewhere read alike, and posts stored before this existed too:

    #word in the text (not in a link, code or an address)  -> <a href="/tags/word">#word</a>
    a hashtag link from elsewhere (class "hashtag", e.g.
        Mastodon's https://masto.example/tags/word)        -> /tags/word, this node's tag page
    a mention of someone here (https://this.node/u/bea)     -> /u/bea
    a mention of someone elsewhere                          -> /search?q=ADDRESS, which opens
                                                               their profile page here
The HTML was sanitised when stored (federation/html.py): attributes are double-quoted, and
what this adds is escaped and sanitised again.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from fedcop.services.post_marks import MAX_TAG_LENGTH
from federation.html import sanitize

# As services.post_marks finds them: not inside a word, an address or an entity; one letter.
_HASHTAG = re.compile(r"(?<![\w/#&])#(\w*[^\W\d_]\w*)")
_ANCHOR = re.compile(r"<a\s([^>]*)>(.*?)</a>", re.DOTALL | re.IGNORECASE)
_CLASS = re.compile(r'\bclass="([^"]*)"')
_HREF = re.compile(r'\bhref="([^"]*)"')
_TAG_TEXT = re.compile(r"<[^>]*>")


def post_html(content: str, domain: str) -> Markup:
    """A post's stored (sanitised) HTML with its hashtags and mentions linked here."""
    return Markup(sanitize(_relinked(_linked_hashtags(content), domain)))  # noqa: S704


def _tag_link(name: str) -> str:
    return (
        f'<a href="/tags/{quote(name.lower())}" class="mention hashtag">'
        f"#<span>{html_lib.escape(name)}</span></a>"
    )


def _linked_hashtags(content: str) -> str:
    """`#word` in text outside links and code made a link to its tag page."""
    pieces = re.split(r"(<[^>]*>)", content)
    inside = 0  # depth of <a>, <code>, <pre>
    for index, piece in enumerate(pieces):
        if piece.startswith("<"):
            tag = re.match(r"</?\s*(\w+)", piece)
            if tag and tag.group(1).lower() in ("a", "code", "pre"):
                inside = max(0, inside + (-1 if piece.startswith("</") else 1))
        elif inside == 0 and "#" in piece:
            pieces[index] = _HASHTAG.sub(
                lambda match: (
                    _tag_link(match.group(1))
                    if len(match.group(1)) <= MAX_TAG_LENGTH
                    else match.group(0)
                ),
                piece,
            )
    return "".join(pieces)


def _relinked(content: str, domain: str) -> str:
    """Hashtag and mention links from elsewhere pointed at the pages here."""

    def relink(match: re.Match[str]) -> str:
        attributes, inner = match.group(1), match.group(2)
        classes = _CLASS.search(attributes)
        href = _HREF.search(attributes)
        if classes is None or href is None:
            return match.group(0)
        names = classes.group(1).split()
        target = html_lib.unescape(href.group(1))
        if "hashtag" in names:
            name = html_lib.unescape(_TAG_TEXT.sub("", inner)).strip().removeprefix("#")
            if not name or len(name) > MAX_TAG_LENGTH or not re.fullmatch(r"\w+", name):
                return match.group(0)
            local = f"/tags/{quote(name.lower())}"
        elif "mention" in names:
            address = urlsplit(target)
            if address.netloc.lower() == domain.lower():
                local = address.path or "/"
            elif address.scheme in ("http", "https"):
                local = f"/search?q={quote(target, safe='')}"
            else:
                return match.group(0)
        else:
            return match.group(0)
        replaced = attributes.replace(href.group(0), f'href="{html_lib.escape(local)}"', 1)
        return f"<a {replaced}>{inner}</a>"

    return _ANCHOR.sub(relink, content)
