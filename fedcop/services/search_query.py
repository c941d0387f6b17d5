"""The operators a search's words may carry, taken out of the words before full-text search.

    from:NAME  from:NAME@server  from:me    posts by that person (me: the reader)
    before:2026-03-01                       published before that day (UTC)
    after:2026-03-01                        published after that day
    during:2026-03-01                       published that day
    is:question  is:unanswered  is:solved   posts in question threads (without an accepted
                                            answer / with one): fedcop's own

`from:`, `before:`, `after:` and `during:` read as in Mastodon's search. An operator inside a
"quoted phrase" is part of the phrase; one whose value does not parse (`before:soon`,
`is:funny`) stays among the words, where it finds what those words find.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

QUESTION_STATES = ("question", "unanswered", "solved")

# A quoted phrase (left alone), or an operator with its value.
_TOKEN = re.compile(r'"[^"]*"?|(?<!\S)(from|before|after|during|is):(\S+)', re.IGNORECASE)


@dataclass(frozen=True)
class Operators:
    # What is left for full-text search.
    words: str
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    question: str | None = None


def _day(text: str) -> datetime | None:
    """Midnight (UTC) of an ISO date; None for anything else, and for the calendar's last day,
    whose next day a datetime cannot hold."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    if day == date.max:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _later(first: datetime | None, second: datetime) -> datetime:
    return second if first is None else max(first, second)


def _earlier(first: datetime | None, second: datetime) -> datetime:
    return second if first is None else min(first, second)


def parse(text: str) -> Operators:
    """The words of `text` without its operators, and what the operators ask for."""
    author: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    question: str | None = None
    kept: list[str] = []
    position = 0
    for match in _TOKEN.finditer(text):
        name, value = match.group(1), match.group(2)
        if name is None:
            continue  # a phrase: its words stay as they are
        name = name.lower()
        day = _day(value)
        if name == "from":
            author = value
        elif name == "is" and value.lower() in QUESTION_STATES:
            question = value.lower()
        elif name == "before" and day is not None:
            until = _earlier(until, day)
        elif name == "after" and day is not None:
            since = _later(since, day + timedelta(days=1))
        elif name == "during" and day is not None:
            since = _later(since, day)
            until = _earlier(until, day + timedelta(days=1))
        else:
            continue  # not an operator after all: its text stays among the words
        kept.append(text[position : match.start()])
        position = match.end()
    kept.append(text[position:])
    words = " ".join(" ".join(kept).split())
    return Operators(words, author, since, until, question)
