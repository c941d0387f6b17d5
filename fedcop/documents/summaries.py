"""A facilitator's summary on the wire: an ordinary reply (a `Note` with `inReplyTo` the
thread) that says, in fedcop's namespace, that it is the summary of its thread.

    "@context": [..., {"fedcop": "https://fedcop.org/ns#"}]
    "fedcop:facilitatorSummary": true      this reply is a facilitator's summary of its thread

Named `facilitatorSummary`, not `summary`: ActivityStreams' own `summary` is a post's content
warning, and a reader that drops prefixes must not mistake one for the other. Every other
server ignores the property and shows an ordinary reply; another fedcop node shows it at the
top of the thread, if its author facilitates the community there (services.summaries).
"""

from __future__ import annotations

from typing import Any

from fedcop.documents.context import FEDCOP_NAMESPACE
from fedcop.store.posts import Post

FACILITATOR_SUMMARY = "fedcop:facilitatorSummary"


def summary_fields(post: Post) -> dict[str, Any]:
    """The property on a summary; nothing on any other post."""
    return {FACILITATOR_SUMMARY: True} if post.facilitator_summary else {}


def says_summary(document: dict[str, Any]) -> bool:
    """Whether a received reply says it is a facilitator's summary (only `true` counts)."""
    flag = document.get(FACILITATOR_SUMMARY, document.get(f"{FEDCOP_NAMESPACE}facilitatorSummary"))
    return flag is True
