"""Sanitising HTML from other servers, and reading plain text out of it.

Every `content`, `summary` and `name` that arrives is hostile until cleaned. The allowlist is the
one microblog servers use (so what Mastodon shows, we show), plus headings, rules and sub/sup for
threads, which are longer documents:

    elements    p br span a del s pre blockquote code b strong u i em ul ol li ruby rt rp
                h1-h6 hr sub sup
    attributes  lang (all); a[href rel class translate]; span[class translate];
                ol[start reversed]; li[value]; p[class]
    classes     microformats (h-* p-* u-* dt-* e-*), mention, hashtag, ellipsis, invisible
    links       http, https, mailto only; rel="nofollow noopener noreferrer" added
    dropped     script, style and everything else, with their content where it is code

A URL given as a field rather than inside HTML (a post's `url`, an attachment's, an actor's id)
reaches people only through `safe_url`: absolute http(s) with a host, or nothing.
"""

from __future__ import annotations

import html as html_lib
import re
from urllib.parse import urlsplit

import nh3

_TAGS = {
    "p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i",
    "em", "ul", "ol", "li", "ruby", "rt", "rp", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "sub",
    "sup",
}  # fmt: skip
_ATTRIBUTES = {
    "*": {"lang"},
    "a": {"href", "class", "translate"},
    "span": {"class", "translate"},
    "ol": {"start", "reversed"},
    "li": {"value"},
    "p": {"class"},
}
_CLASS_PREFIXES = ("h-", "p-", "u-", "dt-", "e-")
_CLASS_NAMES = {"mention", "hashtag", "ellipsis", "invisible"}
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v]+")
MAX_HTML_LENGTH = 200_000
# Longer addresses are refused rather than cut (a cut one would lead elsewhere).
MAX_URL_LENGTH = 2048
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _keep_classes(element: str, attribute: str, value: str) -> str | None:
    if attribute != "class":
        return value
    kept = [
        name for name in value.split() if name in _CLASS_NAMES or name.startswith(_CLASS_PREFIXES)
    ]
    return " ".join(kept) or None


def sanitize(html: str) -> str:
    """Safe HTML to store and show: only the allowlist above survives."""
    return nh3.clean(
        html[:MAX_HTML_LENGTH],
        tags=_TAGS,
        clean_content_tags={"script", "style"},
        attributes=_ATTRIBUTES,
        attribute_filter=_keep_classes,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )


def to_text(html: str) -> str:
    """The plain text of some HTML: block ends become line breaks, entities are decoded."""
    with_breaks = _BLOCK_END.sub(lambda match: match.group(0) + "\n", html[:MAX_HTML_LENGTH])
    text = html_lib.unescape(
        nh3.clean(with_breaks, tags=set(), clean_content_tags={"script", "style"})
    )
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def escape(text: str) -> str:
    return html_lib.escape(text, quote=True)


def safe_url(value: object) -> str | None:
    """`value` if it is an address a person may safely be sent to, else None: an absolute http
    or https URL with a host, at most MAX_URL_LENGTH characters, without control characters.

    Everything else (`javascript:`, `data:`, `vbscript:`, a relative or protocol-relative path,
    a scheme hidden behind a tab or a newline) is refused: a client or a browser turns these
    fields into links, and a link is the one thing HTML escaping does not make harmless.
    """
    if not isinstance(value, str) or len(value) > MAX_URL_LENGTH or _CONTROL.search(value):
        return None
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:  # a malformed [IPv6] literal or port
        return None
    if parts.scheme.lower() not in ("http", "https") or not host:
        return None
    return value
