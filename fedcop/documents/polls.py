"""Polls on the wire, as Mastodon writes and reads them (its NoteSerializer's poll parts, its
Create's vote and poll handling); PieFed reads and writes the same shape.

A thread with a poll is a `Question` (in every wire form: see FEDERATION.md "Polls"):

    "oneOf" | "anyOf": [{"type": "Note", "name": "Option", "replies": {"type": "Collection",
                                                                      "totalItems": 3}}, ...]
    "endTime": "...Z"         when voting ends
    "closed": "...Z"          only once it has ended
    "votersCount": 4          how many people voted (Mastodon's toot:votersCount)

`replies.totalItems` is left out while a poll whose totals are hidden is open (Mastodon does
the same: its counts are unknown, not zero).

A vote is a Note by the voter, addressed to the poll's author alone, with the option as its
`name`, `inReplyTo` the Question, and no content; one Note per option chosen.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fedcop.documents.actors import utc_timestamp
from fedcop.store.polls.polls import Poll
from federation.html import to_text
from federation.vocab import as_list, id_of

POLL_CONTEXT: dict[str, Any] = {
    "toot": "http://joinmastodon.org/ns#",
    "votersCount": "toot:votersCount",
}
MAX_RECEIVED_OPTIONS = 64  # a received poll keeps at most these many options
MAX_OPTION_TITLE = 200


def poll_fields(poll: Poll, now: datetime) -> dict[str, Any]:
    """The Question's poll properties of a poll written here."""
    ended = poll.has_ended(now)
    shows_counts = ended or not poll.hide_totals
    options = []
    for option in poll.options:
        replies: dict[str, Any] = {"type": "Collection"}
        if shows_counts:
            replies["totalItems"] = option.votes_count
        options.append({"type": "Note", "name": option.title, "replies": replies})
    fields: dict[str, Any] = {
        "anyOf" if poll.multiple else "oneOf": options,
        "votersCount": poll.voters_count,
    }
    if poll.ends_at is not None:
        fields["endTime"] = utc_timestamp(poll.ends_at)
    if ended:
        fields["closed"] = utc_timestamp(poll.closed_at or poll.ends_at or now)
    return fields


class ReceivedPoll:
    """A Question's poll as its author's server sends it."""

    def __init__(
        self,
        titles: list[str],
        counts: list[int | None],
        multiple: bool,
        ends_at: datetime | None,
        closed: bool,
        voters_count: int | None,
    ) -> None:
        self.titles = titles
        self.counts = counts
        self.multiple = multiple
        self.ends_at = ends_at
        self.closed = closed
        self.voters_count = voters_count


def read_poll(document: dict[str, Any]) -> ReceivedPoll | None:
    """The poll of a received Question (Mastodon, PieFed, Misskey, GoToSocial...); None when it
    names no option. `anyOf` wins when both are present (more choices are never refused by
    the poll's own server)."""
    multiple = bool(as_list(document.get("anyOf")))
    items = as_list(document.get("anyOf") if multiple else document.get("oneOf"))
    titles: list[str] = []
    counts: list[int | None] = []
    for item in items[:MAX_RECEIVED_OPTIONS]:
        if not isinstance(item, dict):
            continue
        title = _title(item.get("name"))
        if not title or title in titles:
            continue
        titles.append(title)
        counts.append(_count(item.get("replies")))
    if not titles:
        return None
    closed_value = document.get("closed")
    closed_at = _moment(closed_value)
    ends_at = _moment(document.get("endTime")) or closed_at
    voters = document.get("votersCount")
    return ReceivedPoll(
        titles=titles,
        counts=counts,
        multiple=multiple,
        ends_at=ends_at,
        closed=closed_at is not None or closed_value is True,
        voters_count=voters if isinstance(voters, int) and 0 <= voters < 2**31 else None,
    )


def _title(value: object) -> str:
    if not isinstance(value, str):
        return ""
    # Some servers send the name as HTML; a vote names the option by its plain text.
    text = to_text(value) if "<" in value else value
    return " ".join(text.split())[:MAX_OPTION_TITLE]


def _count(replies: object) -> int | None:
    if not isinstance(replies, dict):
        return None
    total = replies.get("totalItems")
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total < 2**31:
        return None
    return total


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def vote_note(
    vote_uri: str, voter_uri: str, question_uri: str, author_uri: str, title: str
) -> dict[str, Any]:
    """One option chosen, as the Note Mastodon sends (ActivityPub::VoteSerializer)."""
    return {
        "id": vote_uri,
        "type": "Note",
        "name": title,
        "attributedTo": voter_uri,
        "to": [author_uri],
        "inReplyTo": question_uri,
    }


def is_vote_shaped(note: dict[str, Any]) -> bool:
    """A Note with a `name`, an `inReplyTo` and no text: the shape of a vote (whether it is
    one depends on what it answers)."""
    content = note.get("content")
    text = to_text(content).strip() if isinstance(content, str) else ""
    return (
        isinstance(note.get("name"), str) and id_of(note.get("inReplyTo")) is not None and not text
    )
