"""Reading a request's `Range` header (RFC 9110 §14) for a file of a known size.

One range is served (`bytes=A-B`, `bytes=A-`, `bytes=-N`); a header that is not a bytes range,
or asks for several, is ignored (the whole file is sent, as the RFC allows). A range that starts
past the end is unsatisfiable (416).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_RANGE = re.compile(r"\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*")


@dataclass(frozen=True)
class ByteRange:
    start: int
    end: int  # inclusive

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(ValueError):
    """The range asks for bytes the file does not have."""


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The one range asked for, or None for the whole file. Raises Unsatisfiable."""
    if not header:
        return None
    match = _RANGE.fullmatch(header)
    if match is None:
        return None  # several ranges, another unit, or nonsense: the whole file
    first, last = match.group(1), match.group(2)
    if not first and not last:
        return None
    if not first:
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable(header)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if start >= size:
        raise Unsatisfiable(header)
    end = min(int(last), size - 1) if last else size - 1
    if end < start:
        return None  # invalid range: ignored
    return ByteRange(start, end)
