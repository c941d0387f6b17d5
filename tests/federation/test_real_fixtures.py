"""Every real payload under tests/data/real is accepted, or refused with a clear reason.

Files not listed in REJECTED must be accepted; listed files must be refused with the listed
error class and a message containing the listed text. A change in either direction shows up
here as a failure naming the file, so widening or tightening the wire contract is a decision,
not an accident. Never any other exception: a crash on a peer's payload is a bug.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

import pytest

from federation.validate import UnsupportedType, ValidationError, parse_document, validate
from tests.paths import REAL_FIXTURES

FIXTURES = REAL_FIXTURES
MISSING = (
    f"the real-payload fixtures are missing: {FIXTURES} does not exist. They are part of the "
    "repository (tests/data/real); restore them from git."
)


def _fixture_files() -> list[str]:
    if not FIXTURES.is_dir():
        return []
    return sorted(path.relative_to(FIXTURES).as_posix() for path in FIXTURES.glob("**/*.json"))


FILES = _fixture_files()


@dataclass(frozen=True)
class Rejected:
    error: type[ValidationError]  # ValidationError: answered 400; UnsupportedType: 202, ignored
    message: str  # text the rejection's message must contain
    why: str


NOT_ACTIVITYSTREAMS = Rejected(
    ValidationError, "type: is required", "WebFinger/NodeInfo document: no ActivityStreams type"
)
SCRUBBED = Rejected(
    ValidationError,
    "id: must be an absolute https or http URI (got 'SCRUBBED_ID')",
    "Mbin's snapshot tooling replaced every id with SCRUBBED_ID, which is not a URI",
)


def _template(path: str) -> Rejected:
    return Rejected(
        ValidationError,
        f"{path}: must be an absolute https or http URI (got 'https://{{{{",
        "{{template}} placeholders left in a test fixture; not a URI",
    )


REJECTED: dict[str, Rejected] = {
    **{name: NOT_ACTIVITYSTREAMS for name in FILES if "/discovery/" in name},
    **{name: SCRUBBED for name in FILES if name.startswith("mbin/activities/snapshot_")},
    "activityrelay/activities/accept-follow.json": Rejected(
        ValidationError,
        "Accept.object.id: must be an absolute https or http URI (got '{{activity_id}}')",
        "{{template}} placeholders left in a test fixture",
    ),
    "mastodon/actors/application_actor.json": _template("Application.id"),
    "mastodon/actors/masto-user.json": _template("Person.id"),
    "pleroma/actors/pleroma-user.json": _template("Person.id"),
    "mastodon/collections/featured_templated.json": _template("OrderedCollection.id"),
    "mastodon/collections/masto_featured.json": _template("OrderedCollection.id"),
    "bridgy-fed/actors/actor.json": Rejected(
        ValidationError,
        "Person.publicKey.id: must be an absolute https or http URI (got 'jk.nipponalba.scot')",
        "an old Bridgy Fed key id that is a bare domain: no signature could ever name it",
    ),
    "gotosocial/activities/delete_public_status.json": Rejected(
        ValidationError,
        "Delete.id: is required",
        "a documentation example without an id; fedcop deduplicates activities by id",
    ),
    "gotosocial/objects/announce_approval.json": Rejected(
        UnsupportedType, "'AnnounceApproval' is not a type", "GoToSocial interaction policies"
    ),
    "gotosocial/objects/like_approval.json": Rejected(
        UnsupportedType, "'LikeApproval' is not a type", "GoToSocial interaction policies"
    ),
    "lemmy/activities/resolve_report_page.json": Rejected(
        UnsupportedType, "'Resolve' is not a type", "reports are resolved on the community's node"
    ),
    "lemmy/activities/warn.json": Rejected(
        UnsupportedType, "'Warn' is not a type", "Lemmy's moderator warnings to a user"
    ),
    "nodebb/objects/context_conversation_topic_18563.json": Rejected(
        UnsupportedType, "'Conversation' is not a type", "NodeBB's topic object (a context)"
    ),
    "piefed/actors/feed_json.json": Rejected(
        UnsupportedType, "'Feed' is not a type", "PieFed feeds (community aggregations)"
    ),
    "piefed/activities/feed_delete.json": Rejected(
        UnsupportedType, "Delete.object.type: 'Feed' is not a type", "deleting a PieFed feed"
    ),
    "pleroma/objects/chat_message.json": Rejected(
        UnsupportedType, "'ChatMessage' is not a type", "Pleroma's private chats"
    ),
    "pleroma/activities/create-chat-message.json": Rejected(
        UnsupportedType, "Create.object.type: 'ChatMessage' is not a type", "Pleroma chat"
    ),
}

# The payloads fedcop exists to exchange: each must keep being accepted.
IMPORTANT = [
    "mastodon/activities/create_note.json",
    "mastodon/activities/create_note_to_lemmy_community.json",
    "mastodon/activities/follow.json",
    "mastodon/activities/undo_follow.json",
    "mastodon/activities/mastodon-accept-activity.json",
    "mastodon/activities/mastodon-question-activity.json",
    "mastodon/activities/docs_move.json",
    "mastodon/actors/person.json",
    "lemmy/activities/announce_create_page.json",
    "lemmy/activities/announce_create_note_raw_body_lemmy_ml.json",
    "lemmy/activities/create_page.json",
    "lemmy/activities/update_community.json",
    "lemmy/activities/add_featured_post.json",
    "lemmy/activities/lock_page.json",
    "lemmy/actors/group.json",
    "piefed/actors/group_community.json",
    "piefed/activities/announce_create_page.json",
    "piefed/objects/page_discussion.json",
    "piefed/objects/page_link.json",
    "piefed/objects/question_poll.json",
    "mbin/activities/accept.json",
    "nodebb/actors/group.json",
    "nodebb/activities/case1_received_2.json",
    "gotosocial/activities/create_poll_votes.json",
    "mobilizon/objects/event.json",
    "mobilizon/activities/mobilizon-event-join.json",
    "pleroma/activities/emoji-reaction.json",
    "prismo/activities/prismo-url-map.json",
]


def _outcome(name: str) -> ValidationError | None:
    try:
        validate(parse_document((FIXTURES / name).read_bytes()))
    except ValidationError as error:
        return error
    return None


def test_the_fixture_directory_is_present() -> None:
    assert FIXTURES.is_dir(), MISSING
    assert FILES, f"{FIXTURES} holds no .json files"


def test_every_listed_rejection_names_an_existing_file() -> None:
    assert FIXTURES.is_dir(), MISSING
    assert sorted(set(REJECTED) - set(FILES)) == []
    assert sorted(set(IMPORTANT) - set(FILES)) == []
    assert sorted(set(IMPORTANT) & set(REJECTED)) == []


@pytest.mark.parametrize("name", FILES or [MISSING])
def test_each_real_payload_is_accepted_or_rejected_with_a_clear_reason(name: str) -> None:
    if not FIXTURES.is_dir():
        pytest.fail(MISSING)
    # Given a payload a real server produced; When fedcop parses and validates it
    error = _outcome(name)  # any exception other than ValidationError fails the test here
    expected = REJECTED.get(name)
    # Then it is accepted, or refused exactly as the table says, with a readable message
    if expected is None:
        assert error is None, f"{name} should be accepted, but: {error}"
        return
    assert error is not None, f"{name} should be rejected ({expected.why}), but was accepted"
    assert type(error) is expected.error, f"{name}: {type(error).__name__}: {error}"
    assert expected.message in str(error), f"{name}: {error}"
    assert error.path and error.reason and "\n" not in str(error)


@pytest.mark.parametrize("name", IMPORTANT)
def test_the_payloads_fedcop_exists_for_are_accepted(name: str) -> None:
    assert FIXTURES.is_dir(), MISSING
    error = _outcome(name)
    assert error is None, f"{name}: {error}"


def _with_real_values(value: Any, numbers: itertools.count[int]) -> Any:
    """Put a distinct URI, a date and a key where Mbin's snapshot tooling left placeholders."""
    if value == "SCRUBBED_ID":
        return f"https://mbin.example/scrubbed/{next(numbers)}"
    if value == "SCRUBBED_DATE":
        return "2024-05-01T12:00:00+00:00"
    if value == "SCRUBBED_KEY":
        return {
            "id": f"https://mbin.example/scrubbed/{next(numbers)}#main-key",
            "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
        }
    if isinstance(value, dict):
        return {key: _with_real_values(item, numbers) for key, item in value.items()}
    if isinstance(value, list):
        return [_with_real_values(item, numbers) for item in value]
    return value


def test_mbin_shapes_are_accepted_once_placeholders_are_replaced() -> None:
    assert FIXTURES.is_dir(), MISSING
    snapshots = sorted((FIXTURES / "mbin" / "activities").glob("snapshot_*.json"))
    assert snapshots
    outcomes: dict[str, str] = {}
    for path in snapshots:
        # Given an Mbin outbox snapshot with real-looking ids, dates and keys
        document = _with_real_values(json.loads(path.read_bytes()), itertools.count())
        # When it is validated
        try:
            validate(document)
            outcomes[path.name] = "accepted"
        except UnsupportedType as error:
            outcomes[path.name] = f"unsupported: {error}"
    # Then every shape is accepted (magazine Group, thread Page, comments, moderation), except
    # the one carrying a private ChatMessage, which is an unsupported type
    assert outcomes.pop("snapshot_announcecreatemessage.json") == (
        "unsupported: Announce.object.object.type: 'ChatMessage' is not a type fedcop accepts"
    )
    assert set(outcomes.values()) == {"accepted"}
    assert "snapshot_createentry.json" in outcomes  # Create(Page)
    assert "snapshot_updatemagazine.json" in outcomes  # Update(Group)
