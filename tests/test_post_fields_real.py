"""Every post in the real payloads (tests/data/real) read as fedcop keeps it, compared with
what its JSON says by plain rules (tests/post_expectations.py).

The inbox test (tests/test_fixtures_through_inbox.py) checks the posts a payload leaves on a
node; many payloads carry a post addressed to no community of that node, which is rightly not
kept there. This test reads every post the corpus holds (a top-level object, or one embedded
in a Create, Update or Announce), so each shape is checked whether or not a scene keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from fedcop.services import post_fields, post_marks
from federation.vocab import first_type
from tests.paths import REAL_FIXTURES
from tests.post_expectations import expected_post, plain_text


def _posts_in(document: object) -> Iterator[dict[str, Any]]:
    """The post objects of a payload: itself, or what its activities embed."""
    if not isinstance(document, dict):
        return
    if first_type(document) in post_fields.POST_TYPES and isinstance(document.get("id"), str):
        yield document
    elif first_type(document) in ("Create", "Update", "Announce"):
        inner = document.get("object")
        for item in inner if isinstance(inner, list) else [inner]:
            yield from _posts_in(item)


def _all_posts() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(REAL_FIXTURES.glob("**/*.json")):
        name = path.relative_to(REAL_FIXTURES).as_posix()
        for index, note in enumerate(_posts_in(json.loads(path.read_bytes()))):
            found.append((f"{name}#{index}", note))
    return found


POSTS = _all_posts()


def test_the_corpus_holds_posts_of_many_servers() -> None:
    software = {name.split("/")[0] for name, _ in POSTS}
    assert len(POSTS) >= 80 and len(software) >= 20, (len(POSTS), sorted(software))


@pytest.mark.parametrize(("name", "note"), POSTS, ids=[name for name, _ in POSTS])
def test_each_real_post_is_read_as_its_json_says(name: str, note: dict[str, Any]) -> None:
    # Given a post a real server produced; When fedcop reads it
    fields = post_fields.read(note)
    expected = expected_post(note)
    # Then text, links, attachments, sensitivity, hashtags, language and reply link are its own
    assert plain_text(fields.content) == expected["text"]
    assert fields.url == expected["url"]
    assert [item["url"] for item in fields.attachments] == expected["attachments"]
    assert all(item["sensitive"] is expected["sensitive"] for item in fields.attachments)
    assert fields.sensitive is expected["sensitive"]
    assert post_marks.hashtags_in_tags(note.get("tag")) == expected["tags"]
    assert fields.in_reply_to == expected["in_reply_to"]
    assert fields.language == expected["language"]
