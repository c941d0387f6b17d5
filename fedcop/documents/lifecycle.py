"""A community's lifecycle stage on the wire: the `fedcop:stage` property of its Group.

fedcop names the terms it adds to ActivityStreams in its own namespace (FEDERATION.md,
"Lifecycle stage"); the `fedcop` prefix is declared in the actor's @context
(documents.context). Other servers ignore the property; another fedcop node reads it.
"""

from __future__ import annotations

from typing import Any

from fedcop.documents.context import FEDCOP_NAMESPACE

STAGE_TERM = "fedcop:stage"
# In order, from a group that is asking whether it should exist to one that is archived.
STAGES = ("Inquire", "Design", "Prototype", "Launch", "Grow", "Sustain", "Closed")
CLOSED = "Closed"


def stage_of(document: dict[str, Any]) -> str | None:
    """The stage a Group states, if it is one of ours; anything else reads as none stated."""
    value = document.get(STAGE_TERM, document.get(FEDCOP_NAMESPACE + "stage"))
    return value if isinstance(value, str) and value in STAGES else None
