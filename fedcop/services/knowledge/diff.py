"""A readable diff between two versions of a page: the lines that changed, and inside a
changed line the words that changed.

    old: "We renew loans once."        removed  "We renew loans <del>once</del>."
    new: "We renew loans twice."   ->  added    "We renew loans <ins>twice</ins>."

Python's difflib pairs the lines (and the words of a replaced line); the text is HTML-escaped
here and only <del>/<ins> are added, so the result is safe to show as it is. Unchanged lines far
from any change are folded into gaps.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT = 3  # unchanged lines kept around each change
_TOKENS = re.compile(r"\s+|\w+|[^\w\s]")


@dataclass(frozen=True)
class DiffLine:
    # 'same', 'removed', 'added', or 'gap' (unchanged lines left out)
    kind: str
    old_number: int | None
    new_number: int | None
    # The line as safe HTML: escaped, changed words in <del> or <ins>.
    html: str


@dataclass(frozen=True)
class Diff:
    lines: list[DiffLine]
    added: int
    removed: int

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed


def line_diff(old: str, new: str, *, context: int = CONTEXT) -> Diff:
    old_lines, new_lines = old.splitlines(), new.splitlines()
    if old_lines == new_lines:
        return Diff([], 0, 0)
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    groups = list(matcher.get_grouped_opcodes(context))
    lines: list[DiffLine] = []
    for number, group in enumerate(groups):
        if number > 0 or group[0][1] > 0:
            lines.append(DiffLine("gap", None, None, ""))
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(
                    DiffLine("same", i + 1, j + 1, html.escape(old_lines[i]))
                    for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                )
            else:
                lines.extend(_changed(old_lines, new_lines, i1, i2, j1, j2))
    if groups and groups[-1][-1][2] < len(old_lines):
        lines.append(DiffLine("gap", None, None, ""))
    removed = sum(1 for line in lines if line.kind == "removed")
    added = sum(1 for line in lines if line.kind == "added")
    return Diff(lines, added, removed)


def _changed(
    old_lines: list[str], new_lines: list[str], i1: int, i2: int, j1: int, j2: int
) -> list[DiffLine]:
    """A replaced block: its removed lines then its added lines, the words that changed marked
    in lines that pair up (the first removed with the first added, and so on)."""
    removed, added = [], []
    for offset in range(max(i2 - i1, j2 - j1)):
        i, j = i1 + offset, j1 + offset
        if i < i2 and j < j2:
            old_html, new_html = word_diff(old_lines[i], new_lines[j])
            removed.append(DiffLine("removed", i + 1, None, old_html))
            added.append(DiffLine("added", None, j + 1, new_html))
        elif i < i2:
            removed.append(DiffLine("removed", i + 1, None, html.escape(old_lines[i])))
        else:
            added.append(DiffLine("added", None, j + 1, html.escape(new_lines[j])))
    return removed + added


def word_diff(old: str, new: str) -> tuple[str, str]:
    """The two lines as safe HTML, the words only the old one has in <del>, only the new one
    has in <ins>."""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    # (changed?, old text, new text); a lone space between two changes joins them, so that
    # "a year" -> "two years" reads as one change, not two.
    runs: list[tuple[bool, str, str]] = []
    codes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(codes):
        before, after = "".join(old_tokens[i1:i2]), "".join(new_tokens[j1:j2])
        between = 0 < index < len(codes) - 1 and not before.strip()
        changed = tag != "equal" or between
        if runs and changed and runs[-1][0]:
            runs[-1] = (True, runs[-1][1] + before, runs[-1][2] + after)
        else:
            runs.append((changed, before, after))
    old_html, new_html = [], []
    for changed, before, after in runs:
        if not changed:
            old_html.append(html.escape(before))
            new_html.append(html.escape(after))
            continue
        if before:
            old_html.append(f"<del>{html.escape(before)}</del>")
        if after:
            new_html.append(f"<ins>{html.escape(after)}</ins>")
    return "".join(old_html), "".join(new_html)
