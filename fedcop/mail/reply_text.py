"""What a member wrote in a reply by mail, without the message they quoted or their signature.

Cut at the first line that starts the quoted original (everything below it goes):
    "On <date>, <someone> wrote:"   (also over two lines; "Le … a écrit :", "Am … schrieb")
    "-----Original Message-----"    Outlook's separator, and its "From: … / Sent: …" header block
    "________________________________"   Outlook on the web's rule above that block
    "-- "                          the signature separator (RFC 3676), and "--" alone
    "Sent from my iPhone" and the like, at the end
Lines quoted with ">" are dropped wherever they stand (interleaved replies keep the answers);
a quote header above everything written (bottom-posting) is passed over, not cut at.
"""

from __future__ import annotations

import re

_WROTE = re.compile(
    r"^\s*(On\s.+\s(wrote|writes)|Le\s.+\sa\s+écrit|Am\s.+\sschrieb|El\s.+\sescribió)\s*:?\s*$",
    re.IGNORECASE,
)
_WROTE_END = re.compile(r"(wrote|writes|a\s+écrit|schrieb|escribió)\s*:\s*$", re.IGNORECASE)
_ON_START = re.compile(r"^\s*(On|Le|Am|El)\s", re.IGNORECASE)
_ORIGINAL = re.compile(
    r"^\s*(-{2,}\s*(Original Message|Forwarded message|Message d'origine)\s*-{2,}|_{20,})\s*$",
    re.IGNORECASE,
)
_HEADER_LINE = re.compile(r"^\s*\*?(From|De|Von)\s*:\*?\s", re.IGNORECASE)
_SENT_LINE = re.compile(r"^\s*\*?(Sent|Date|Envoyé|Gesendet|To|Subject)\s*:", re.IGNORECASE)
_SIGNATURE = re.compile(r"^--\s?$")
_SENT_FROM = re.compile(r"^\s*(Sent from my|Get Outlook for|Envoyé de mon)\b", re.IGNORECASE)


def reply_text(body: str) -> str:
    """The new text of a reply (plain text, any line endings), stripped of quotes and signature."""
    lines = body.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    skip_to = -1
    for index, line in enumerate(lines):
        if index <= skip_to:
            continue
        if _starts_original(lines, index):
            header_lines = _quote_header(lines, index)
            if header_lines and not any(k.strip() for k in kept):
                # Bottom-posting, as on many lists: "On … wrote:", the quote, then the answer.
                skip_to = index + header_lines - 1
                continue
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line.rstrip())
    while kept and (not kept[-1].strip() or _SENT_FROM.match(kept[-1])):
        kept.pop()
    text = "\n".join(kept).strip("\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _quote_header(lines: list[str], index: int) -> int:
    """How many lines the "On … wrote:" header at `index` takes (1 or 2), 0 if it is none."""
    if _WROTE.match(lines[index]):
        return 1
    following = lines[index + 1] if index + 1 < len(lines) else ""
    if _ON_START.match(lines[index]) and _WROTE_END.search(following):
        return 2
    return 0


def _starts_original(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _SIGNATURE.match(line) or _ORIGINAL.match(line) or _WROTE.match(line):
        return True
    following = lines[index + 1] if index + 1 < len(lines) else ""
    # "On Mon, 7 Dec 2026 at 10:02, Alice Example <alice@example.org>" / "wrote:" wrapped.
    if _ON_START.match(line) and _WROTE_END.search(following) and not line.strip().endswith("."):
        return True
    # Outlook's block without a rule above it: "From: …" followed within a few lines by "Sent:".
    if _HEADER_LINE.match(line):
        return any(_SENT_LINE.match(next_line) for next_line in lines[index + 1 : index + 4])
    return False
