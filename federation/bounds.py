"""Structural bounds on a document from elsewhere, checked before anything else walks it.

One pass over the parsed JSON, linear in its size and stopping at the first excess; nothing
before it looks inside the document, and everything after it (the schemas, the explanation of
a schema error, the inbox worker reading tags, mentions and addressees) works on a document
known to be small:

    nesting            at most MAX_DEPTH levels of objects and arrays
    values             at most MAX_VALUES in all (objects, arrays, strings, numbers...)
    properties         at most MAX_PROPERTIES in one object; names of at most MAX_NAME_LENGTH
    strings            at most MAX_STRING_LENGTH characters
    arrays             at most MAX_ITEMS items; fewer under the names in MAX_ITEMS_OF
                       (tag, attachment, the addressing properties), whose entries the worker
                       reads one by one

The figures are far above what real servers send (tests/data/real: 43 properties in one object,
171 addressees, 26 tags, 6 attachments, strings of 7,300 characters, 8 levels, ~430 values) and
low enough that a refusal costs milliseconds: a 1 MB Create with 30,000 tags is refused after
reading its first MAX_VALUES values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_DEPTH = 32
MAX_VALUES = 10_000
MAX_PROPERTIES = 256
MAX_NAME_LENGTH = 1024
# A post's content may be 262,144 characters (schemas/common.json, "html"); nothing else is longer.
MAX_STRING_LENGTH = 262_144
MAX_ITEMS = 1000
MAX_ITEMS_OF: Mapping[str, int] = {
    # Hashtags, mentions and emoji: fedcop keeps 30 hashtags and notifies 30 people.
    "tag": 500,
    # fedcop keeps 20 attachments of a post.
    "attachment": 100,
    "to": 1000,
    "cc": 1000,
    "bto": 1000,
    "bcc": 1000,
    "audience": 1000,
}


# Where a value is: its container's location and its own name or index (built as a linked
# chain, one small tuple per value, and spelled out only for the refusal).
_Location = tuple["_Location", str | int] | None


def first_excess(document: object) -> tuple[str, str] | None:
    """Where `document` first exceeds a bound and how (a property path and a reason that
    completes "<path>: ..."), or None when it is within all of them. Iterative, so a hostile
    nesting depth cannot exhaust the interpreter's stack."""
    pending: list[tuple[Any, int, _Location]] = [(document, 1, None)]
    values = 0
    while pending:
        value, depth, location = pending.pop()
        values += 1
        if values > MAX_VALUES:
            return "(document)", f"has more than {MAX_VALUES} values"
        if isinstance(value, str):
            if len(value) > MAX_STRING_LENGTH:
                return _path(location), f"is too long (at most {MAX_STRING_LENGTH} characters)"
        elif isinstance(value, dict):
            if depth > MAX_DEPTH:
                return "(document)", f"is nested more than {MAX_DEPTH} levels deep"
            if len(value) > MAX_PROPERTIES:
                return _path(location), f"has too many properties (at most {MAX_PROPERTIES})"
            for name, child in value.items():
                if len(name) > MAX_NAME_LENGTH:
                    return _path(location), f"has a property name over {MAX_NAME_LENGTH} characters"
                if isinstance(child, list):
                    limit = MAX_ITEMS_OF.get(name, MAX_ITEMS)
                    if len(child) > limit:
                        return _path((location, name)), f"has too many items (at most {limit})"
                pending.append((child, depth + 1, (location, name)))
        elif isinstance(value, list):
            if depth > MAX_DEPTH:
                return "(document)", f"is nested more than {MAX_DEPTH} levels deep"
            if len(value) > MAX_ITEMS:  # an array in an array (one under a name: above)
                return _path(location), f"has too many items (at most {MAX_ITEMS})"
            pending.extend(
                (child, depth + 1, (location, index)) for index, child in enumerate(value)
            )
    return None


def _path(location: _Location) -> str:
    """`object.tag[3].name`; names cut to 64 characters (they are the sender's words)."""
    steps: list[str | int] = []
    while location is not None:
        location, step = location
        steps.append(step)
    path = ""
    for step in reversed(steps):
        if isinstance(step, int):
            path += f"[{step}]"
        else:
            shown = step if len(step) <= 64 else step[:63] + "…"
            path += f".{shown}" if path else shown
    return path or "(document)"
