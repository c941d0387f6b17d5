"""The wire contract: which documents fedcop accepts, and the reason it gives for the rest."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from federation.validate import (
    EMBEDDABLE_KINDS,
    MAX_DEPTH,
    MAX_ELEMENTS,
    MAX_EMBEDDING,
    UnsupportedType,
    ValidationError,
    accepted_type,
    accepted_types,
    parse_document,
    schema_directory,
    schema_for,
    validate,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
ALICE = "https://alpha.example/u/alice"
GROUP = "https://beta.example/c/practice"


def create_note() -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", {"sensitive": "as:sensitive"}],
        "id": "https://alpha.example/activities/1",
        "type": "Create",
        "actor": ALICE,
        "to": ["https://www.w3.org/ns/activitystreams#Public", GROUP],
        "cc": [f"{ALICE}/followers"],
        "object": {
            "id": "https://alpha.example/notes/1",
            "type": "Note",
            "attributedTo": ALICE,
            "content": "<p>Hello, practitioners</p>",
            "contentMap": {"en": "<p>Hello, practitioners</p>"},
            "published": "2024-05-01T12:00:00Z",
            "inReplyTo": None,
            "tag": [{"type": "Mention", "href": GROUP, "name": "@practice@beta.example"}],
            "audience": GROUP,
        },
    }


def minimal(type_name: str) -> dict[str, Any]:
    """The smallest document of a type that fedcop accepts."""
    document: dict[str, Any] = {"id": f"https://alpha.example/{type_name}/1", "type": type_name}
    if accepted_types()[type_name] == "activity":
        document["actor"] = ALICE
        document["object"] = "https://beta.example/objects/1"
        if type_name in ("Add", "Remove", "Move"):
            document["target"] = "https://beta.example/c/practice/featured"
    return document


def rejection(document: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validate(document)
    return caught.value


# --- the schema files --------------------------------------------------------------------------

REQUIRED_TYPES = {
    "activity": "Create Update Delete Follow Accept Reject Undo Announce Like Dislike Add Remove "
    "Flag Block Move",
    "object": "Note Page Article Question Event Image Video Audio Tombstone",
    "actor": "Person Group Application Service Organization",
}


@pytest.mark.parametrize("kind", sorted(REQUIRED_TYPES))
def test_every_type_the_contract_promises_has_a_schema(kind: str) -> None:
    for type_name in REQUIRED_TYPES[kind].split():
        assert accepted_types().get(type_name) == kind, type_name


SCHEMA_FILES = sorted(path.relative_to(SCHEMAS).as_posix() for path in SCHEMAS.rglob("*.json"))


@pytest.mark.parametrize("name", SCHEMA_FILES)
def test_each_schema_file_is_a_described_draft_2020_12_schema(name: str) -> None:
    schema = json.loads((SCHEMAS / name).read_text(encoding="utf-8"))

    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://fedcop.invalid/schemas/{name}"
    assert schema["description"].endswith(".")
    if name != "common.json":
        assert schema["title"] == Path(name).stem
        assert schema_for(schema["title"]) == schema


def test_every_activity_says_what_it_may_embed() -> None:
    activities = {name for name, kind in accepted_types().items() if kind == "activity"}
    assert set(EMBEDDABLE_KINDS) == activities


@pytest.mark.parametrize("type_name", sorted(accepted_types()))
def test_the_smallest_document_of_each_type_is_accepted(type_name: str) -> None:
    validate(minimal(type_name))


def test_schemas_are_found_beside_the_package_in_a_checkout() -> None:
    # federation/schemas only exists in a built wheel; a checkout reads the top-level schemas/
    assert Path(str(schema_directory())) == SCHEMAS


def test_the_wheel_ships_the_schemas_inside_the_package() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    force_include = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force_include["schemas"] == "federation/schemas"


# --- documents fedcop accepts ------------------------------------------------------------------


def test_a_create_note_in_a_community_is_accepted() -> None:
    validate(create_note())


@pytest.mark.parametrize(
    "public", ["https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"]
)
def test_every_spelling_of_the_public_collection_is_accepted(public: str) -> None:
    document = create_note()
    document["to"] = public
    document["object"]["cc"] = [public, {"id": GROUP}]
    validate(document)


@pytest.mark.parametrize(
    ("property_name", "value"),
    [
        ("actor", {"type": "Person", "id": ALICE}),
        ("actor", [{"type": "Person", "id": ALICE}]),  # Prismo: an array of one
        ("to", GROUP),
        ("to", []),
        ("cc", None),
        ("object", {"id": "https://alpha.example/notes/1"}),  # a reference, fetched later
        ("object", "https://alpha.example/notes/1"),
    ],
)
def test_a_property_may_be_a_string_an_object_or_an_array(property_name: str, value: Any) -> None:
    document = create_note()
    document[property_name] = value
    validate(document)


def test_unknown_extra_properties_are_tolerated() -> None:
    document = create_note()
    document["_misskey_content"] = "hello"
    document["object"]["fedcop:acceptedAnswer"] = {"anything": ["goes", 1, None]}
    validate(document)


def test_null_stands_for_absent_optional_values() -> None:
    document = create_note()
    document["object"].update(summary=None, name=None, updated=None, url=None, sensitive=None)
    validate(document)


def test_null_stands_for_absent_author_tags_attachments_and_addressing() -> None:
    document = create_note()
    document["object"].update(attributedTo=None, tag=None, attachment=None, to=None, cc=None)
    validate(document)


@pytest.mark.parametrize("spelling", ["{}", "as:{}", "https://www.w3.org/ns/activitystreams#{}"])
def test_compact_and_full_type_names_are_accepted(spelling: str) -> None:
    document = create_note()
    document["type"] = spelling.format("Create")
    document["object"]["type"] = [spelling.format("Note")]
    validate(document)
    assert accepted_type(document) == "Create"
    assert accepted_type(document["object"]) == "Note"


@pytest.mark.parametrize(
    "in_reply_to",
    [
        {"type": "Link", "href": "https://alpha.example/n/0"},
        [{"type": "Link", "href": "https://alpha.example/n/0"}],
        {"type": "Collection", "items": ["https://alpha.example/n/0"]},
    ],
)
def test_in_reply_to_may_be_a_link_or_a_collection(in_reply_to: Any) -> None:
    document = create_note()
    document["object"]["inReplyTo"] = in_reply_to
    validate(document)


def test_a_link_in_reply_to_must_point_at_a_web_address() -> None:
    document = create_note()
    document["object"]["inReplyTo"] = {"type": "Link", "href": "javascript:alert(1)"}
    assert str(rejection(document)) == (
        "Create.object.inReplyTo.href: must be an absolute https or http URI "
        "(got 'javascript:alert(1)')"
    )


def test_the_first_accepted_type_of_an_array_decides_the_schema() -> None:
    document = {"id": "https://alpha.example/n/1", "type": ["Hashtag", "Note", "Page"]}
    assert accepted_type(document) == "Note"
    validate(document)


def test_poll_votes_embed_an_array_of_notes() -> None:
    document = minimal("Create")
    document["object"] = [
        {"id": f"https://alpha.example/votes/{n}", "type": "Note", "name": option}
        for n, option in enumerate(["yes", "no"])
    ]
    validate(document)


def test_a_key_only_stub_actor_is_accepted_so_signatures_can_be_checked() -> None:
    # GoToSocial answers a key id with an actor that has nothing but its key
    validate(
        {
            "id": ALICE,
            "type": "Person",
            "publicKey": {
                "id": f"{ALICE}#main-key",
                "owner": ALICE,
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
            },
        }
    )


# --- documents fedcop refuses, and what it says ------------------------------------------------

Mutation = Callable[[dict[str, Any]], Any]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.pop("type"), "type: is required"),
        (lambda d: d.update(type=[]), "type: must be a type name or a non-empty array"),
        (lambda d: d.update(type=7), "type: must be a type name or a non-empty array"),
        (lambda d: d.pop("id"), "Create.id: is required"),
        (lambda d: d.pop("actor"), "Create.actor: is required"),
        (lambda d: d.pop("object"), "Create.object: is required"),
        (lambda d: d.update(object=[]), "Create.object: must not be empty"),
        (
            lambda d: d.update(id="SCRUBBED_ID"),
            "Create.id: must be an absolute https or http URI (got 'SCRUBBED_ID')",
        ),
        (
            lambda d: d["object"].update(id="/notes/1"),
            "Create.object.id: must be an absolute https or http URI (got '/notes/1')",
        ),
        (lambda d: d["object"].pop("id"), "Create.object.id: is required"),
        (
            lambda d: d.update(actor=["https://a.example/u/1", "https://a.example/u/2"]),
            "Create.actor: has too many items (at most 1)",
        ),
        (lambda d: d.update(actor={"type": "Person"}), "Create.actor.id: is required"),
        (
            lambda d: d.update(actor=5),
            "Create.actor: must be one reference: an absolute https or http URI, an object whose "
            "id is one, or an array holding exactly one of those (got the number 5)",
        ),
        (
            lambda d: d.update(to=[GROUP, "followers"]),
            "Create.to[1]: must be a recipient: an absolute https or http URI, as:Public, "
            "Public, or an object whose id is a URI (got 'followers')",
        ),
        (
            lambda d: d["object"].update(content=["not", "a", "string"]),
            "Create.object.content: must be a string of at most 262144 characters (or null) "
            "(got an array)",
        ),
        (
            lambda d: d["object"].update(content="x" * 300_000),
            "Create.object.content: is too long (at most 262144 characters)",
        ),
        (
            lambda d: d["object"].update(sensitive="yes"),
            "Create.object.sensitive: must be true, false or null (got 'yes')",
        ),
        (
            lambda d: d["object"].update(published="last Tuesday"),
            "Create.object.published: must be an ISO 8601 date-time",
        ),
        (
            lambda d: d["object"].update(contentMap={"en us!": "x"}),
            "Create.object.contentMap: has a key that is not a language tag",
        ),
        (
            lambda d: d["object"].update(inReplyTo=42),
            "Create.object.inReplyTo: must be an absolute https or http URI, an object whose id "
            "is one, a Link whose href is one, a collection of those, or an array of those (or "
            "null) (got the number 42)",
        ),
        (
            lambda d: d["object"].update(tag=[{"type": "Mention"}] * 1001),
            "Create.object.tag: has too many items (at most 1000)",
        ),
    ],
)
def test_a_malformed_create_is_refused_with_the_property_path(
    mutate: Mutation, message: str
) -> None:
    # Given a valid Create(Note) with one thing wrong
    document = create_note()
    mutate(document)
    # When it is validated, Then the message names the property and what it must be
    error = rejection(document)
    assert not isinstance(error, UnsupportedType)
    assert message in str(error)
    assert str(error) == f"{error.path}: {error.reason}"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({**minimal("Follow"), "object": []}, "Follow.object: must not be empty"),
        ({**minimal("Add"), "target": None}, "Add.target: must be one reference"),
        (
            {k: v for k, v in minimal("Move").items() if k != "target"},
            "Move.target: is required",
        ),
        (
            {**minimal("Person"), "inbox": "mailto:alice@alpha.example"},
            "Person.inbox: must be an absolute https or http URI (or null)",
        ),
        (
            {**minimal("Group"), "publicKey": {"id": "main-key", "publicKeyPem": "x"}},
            "Group.publicKey.id: must be an absolute https or http URI (got 'main-key')",
        ),
        (
            {**minimal("Group"), "publicKey": {"id": f"{GROUP}#k", "publicKeyPem": "not pem"}},
            "Group.publicKey.publicKeyPem: must be a PEM-encoded public key",
        ),
        (
            {**minimal("Person"), "preferredUsername": "a" * 257},
            "Person.preferredUsername: is too long (at most 256 characters)",
        ),
        (
            {**minimal("Question"), "oneOf": [{"name": 3}]},
            "Question.oneOf[0].name: must be a string of at most 4096 characters",
        ),
        (
            {**minimal("OrderedCollection"), "totalItems": -1},
            "OrderedCollection.totalItems: must be at least 0",
        ),
    ],
)
def test_other_types_are_refused_with_the_property_path(
    document: dict[str, Any], message: str
) -> None:
    assert message in str(rejection(document))


@pytest.mark.parametrize(
    "identifier",
    [
        "https://alpha.example/notes/1\n",  # Python's $ would let a trailing newline through
        "https://user:secret@alpha.example/notes/1",  # user-info hides the real host
        "ftp://alpha.example/notes/1",
        "https://{{domain}}/notes/1",
        "https:/alpha.example/notes/1",
        "https://alpha.example/notes/<script>",
        "https://alpha.example/" + "a" * 2048,
        "",
    ],
)
def test_identifiers_must_be_plain_absolute_http_uris(identifier: str) -> None:
    document = create_note()
    document["object"]["id"] = identifier
    assert rejection(document).path == "Create.object.id"


@pytest.mark.parametrize(
    "identifier",
    [
        "http://lemmy-alpha:8541/post/2",
        "https://first_domain/users/first/statuses/1",
        "https://[2001:db8::1]/notes/1",
        "https://mastodon.example/users/alice#likes/2",
        "https://sample.com/users/w/activity#vote/https://example.org/statuses/1",
        "https://blog.example/2024/01/привет/",
    ],
)
def test_real_world_identifiers_are_accepted(identifier: str) -> None:
    document = create_note()
    document["object"]["id"] = identifier
    validate(document)


def test_an_unknown_type_is_unsupported_not_invalid() -> None:
    error = rejection({"id": "https://alpha.example/x/1", "type": "Frobnicate"})

    assert isinstance(error, UnsupportedType)
    assert str(error) == "type: 'Frobnicate' is not a type fedcop accepts"
    assert error.type_names == ("Frobnicate",)


def test_an_array_of_unknown_types_names_them_all() -> None:
    error = rejection({"id": "https://alpha.example/x/1", "type": ["Frob", "Nicate"]})

    assert isinstance(error, UnsupportedType)
    assert str(error) == "type: none of 'Frob', 'Nicate' is a type fedcop accepts"


def test_an_unsupported_embedded_object_makes_the_activity_unsupported() -> None:
    document = create_note()
    document["object"]["type"] = "ChatMessage"

    error = rejection(document)

    assert isinstance(error, UnsupportedType)
    assert str(error) == "Create.object.type: 'ChatMessage' is not a type fedcop accepts"


@pytest.mark.parametrize(
    ("outer", "inner", "message"),
    [
        ("Create", "Follow", "Create.object.type: fedcop does not accept an activity (Follow)"),
        ("Create", "Person", "Create.object.type: fedcop does not accept an actor (Person)"),
        ("Undo", "Note", "Undo.object.type: fedcop does not accept an object (Note)"),
        ("Block", "Note", "Block.object.type: fedcop does not accept an object (Note)"),
    ],
)
def test_an_embedded_object_of_the_wrong_kind_is_unsupported(
    outer: str, inner: str, message: str
) -> None:
    document = minimal(outer)
    document["object"] = minimal(inner)

    error = rejection(document)

    assert isinstance(error, UnsupportedType)
    assert str(error).startswith(message)


def test_embedded_objects_are_checked_against_their_own_schema() -> None:
    # Given a community's Announce of a Create whose Page has a bad id (FEP-1b12)
    page = {**minimal("Page"), "id": "not a uri"}
    create = {**minimal("Create"), "object": page}
    announce = {**minimal("Announce"), "actor": GROUP, "object": create}

    error = rejection(announce)

    assert not isinstance(error, UnsupportedType)
    assert str(error) == (
        "Announce.object.object.id: must be an absolute https or http URI (got 'not a uri')"
    )


def test_activities_nested_deeper_than_the_limit_are_refused() -> None:
    document: dict[str, Any] = minimal("Note")
    for level in range(MAX_EMBEDDING):
        document = {**minimal("Announce"), "id": f"https://a.example/{level}", "object": document}
    validate(document)  # MAX_EMBEDDING levels of embedding are fine

    deeper = {**minimal("Announce"), "object": document}
    error = rejection(deeper)
    assert error.reason == f"embeds activities more than {MAX_EMBEDDING} deep"


def test_deep_nesting_is_refused_before_any_schema_work() -> None:
    def nested(levels: int) -> dict[str, Any]:
        document = minimal("Note")
        inner: dict[str, Any] = document
        for _ in range(levels):
            inner["x"] = {}
            inner = inner["x"]
        return document

    validate(nested(MAX_DEPTH - 1))  # the document itself is the first level
    assert str(rejection(nested(MAX_DEPTH))) == (
        f"(document): is nested more than {MAX_DEPTH} levels deep"
    )


def test_hostile_nesting_cannot_exhaust_the_stack() -> None:
    document = minimal("Note")
    inner: list[Any] = []
    document["x"] = inner
    for _ in range(100_000):
        inner.append([])
        inner = inner[0]
    assert "nested more than" in str(rejection(document))


def test_absurdly_many_values_are_refused_before_any_schema_work() -> None:
    document = {**minimal("Note"), "x": list(range(MAX_ELEMENTS))}

    assert str(rejection(document)) == f"(document): has more than {MAX_ELEMENTS} values"


@pytest.mark.parametrize("document", [[], "Note", None, 3])
def test_a_document_must_be_a_json_object(document: object) -> None:
    assert rejection(document).path == "(document)"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "(body): is not valid JSON"),
        (b"[1, 2]", "(body): must be a JSON object (got an array)"),
        (b"[" * 100_000 + b"]" * 100_000, "(body): is not valid JSON"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_document(body)
    assert str(caught.value).startswith(message)


def test_a_peer_value_cannot_forge_lines_in_the_message() -> None:
    document = create_note()
    document["id"] = "nope\nFAKE LOG LINE"

    message = str(rejection(document))

    assert "\n" not in message
    assert "\\n" in message


def test_validation_does_not_change_the_document() -> None:
    document = create_note()
    before = copy.deepcopy(document)
    validate(document)
    assert document == before
