"""Polls read from the real payloads of other servers (tests/data/real), and the vote shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from fedcop.documents.polls import is_vote_shaped, poll_fields, read_poll
from fedcop.store.polls.polls import Option, Poll
from tests.paths import REAL_FIXTURES

# file -> (options, counts, several choices, closed, voters)
EXPECTED = {
    "mastodon/objects/docs_question.json": (
        ["apple", "orange", "banana"], [3, 7, 6], True, False, 7,
    ),
    "piefed/objects/question_poll.json": (["Yes", "No", "Maybe"], [2, 0, 0], False, False, 2),
    "misskey/objects/misskey_poll_no_end_date.json": (
        ["Working", "Broken af"], [0, 1], False, False, None,
    ),
    "pleroma/objects/poll_original.json": (["yes", "no"], [4, 0], False, True, None),
    "smithereen/objects/smithereen_non_anonymous_poll.json": (
        ["тестовый ответ 1", "тестовый ответ 2", "тестовый ответ 3"], [4, 4, 6], False, False, 14,
    ),
    # An empty anyOf beside the oneOf: the options are the oneOf's.
    "pleroma/objects/poll_attachment.json": (
        ["a", "A", "Aa", "AA", "AAa", "AAA"], [0, 0, 0, 0, 1, 3], False, True, None,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_polls_are_read_with_their_options_and_counts(name: str) -> None:
    document = json.loads((REAL_FIXTURES / name).read_text())
    poll = read_poll(document)
    assert poll is not None
    titles, counts, multiple, closed, voters = EXPECTED[name]
    assert (poll.titles, poll.counts, poll.multiple) == (titles, counts, multiple)
    assert (poll.closed, poll.voters_count) == (closed, voters)


def test_the_mastodon_activitys_poll_and_votes_shape() -> None:
    create = json.loads(
        (REAL_FIXTURES / "mastodon/activities/mastodon-question-activity.json").read_text()
    )
    poll = read_poll(create["object"])
    assert poll is not None and poll.counts == [0, 1, 0, 1]
    assert poll.ends_at == datetime(2019, 5, 11, 9, 3, 36, tzinfo=UTC) and not poll.closed
    votes = json.loads((REAL_FIXTURES / "gotosocial/activities/create_poll_votes.json").read_text())
    assert all(is_vote_shaped(note) for note in votes["object"])
    assert not is_vote_shaped({**votes["object"][0], "content": "<p>I agree</p>"})


def test_a_poll_written_here_hides_its_counts_until_it_ends() -> None:
    ends = datetime(2030, 1, 1, tzinfo=UTC)
    poll = Poll(1, False, True, ends, None, 2, [Option("a", 2), Option("b", 0)])
    open_fields = poll_fields(poll, datetime(2029, 1, 1, tzinfo=UTC))
    assert [o["replies"] for o in open_fields["oneOf"]] == [{"type": "Collection"}] * 2
    assert "closed" not in open_fields and open_fields["endTime"] == "2030-01-01T00:00:00.000Z"
    ended = poll_fields(poll, datetime(2030, 1, 2, tzinfo=UTC))
    assert [o["replies"]["totalItems"] for o in ended["oneOf"]] == [2, 0]
    assert ended["closed"] == "2030-01-01T00:00:00.000Z" and ended["votersCount"] == 2
