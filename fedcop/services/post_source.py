"""The Markdown a post was written in, kept beside the HTML it was rendered to.

    written here      the text typed (web form or client app), line ends made "\\n"
    on the wire       "source": {"content": "<the Markdown>", "mediaType": "text/markdown"}
                      (as Lemmy, PieFed and Mbin send and read it)
    from elsewhere    `source` of type text/markdown kept as it came (NUL characters dropped);
                      any other source (Misskey's MFM, HTML...) is not kept

A received source is never rendered: what people see is always the sanitised `content`. It is
kept so that it can be sent on unchanged and an edit can start from it.
"""

from __future__ import annotations

from typing import Any

from fedcop.services.html_markdown import to_markdown
from fedcop.store.posts import Post

MARKDOWN = "text/markdown"
MAX_SOURCE = 100_000  # as long as a post written here may be


def written(text: str) -> str:
    """What a person typed, as stored: browsers send a textarea's line ends as CRLF."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def editable_text(post: Post) -> str:
    """What an edit of the post starts from: the Markdown it was written in or, for posts whose
    Markdown was never kept, Markdown made back from its HTML."""
    return post.source if post.source is not None else to_markdown(post.content)


def source_field(markdown: str) -> dict[str, str]:
    """The `source` of an object we serve or send."""
    return {"content": markdown, "mediaType": MARKDOWN}


def received_markdown(document: dict[str, Any]) -> str | None:
    """The Markdown source of an object from elsewhere; None if it has none we can keep."""
    source = document.get("source")
    if not isinstance(source, dict):
        return None
    media_type = source.get("mediaType")
    content = source.get("content")
    if not isinstance(media_type, str) or not isinstance(content, str):
        return None
    if media_type.split(";")[0].strip().lower() != MARKDOWN:
        return None
    if len(content) > MAX_SOURCE:
        # A cut source no longer matches the content it came with: better none.
        return None
    return content.replace("\x00", "")
