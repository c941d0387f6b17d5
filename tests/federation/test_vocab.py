"""Reading compacted ActivityStreams JSON in every shape real servers send."""

from __future__ import annotations

import pytest

from federation.vocab import (
    AS_CONTEXT,
    PUBLIC,
    as_list,
    audience_of,
    context_language,
    declares_as_context,
    first_type,
    from_language_map,
    has_type,
    host_of,
    href_of,
    id_of,
    ids_of,
    is_public,
    language_tag,
    normal_type,
    reference_of,
    types_of,
)

ALICE = "https://a.example/users/alice"
BOB = "https://b.example/users/bob"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, []),
        ("x", ["x"]),
        ({"id": ALICE}, [{"id": ALICE}]),
        ([1, 2], [1, 2]),
        ([], []),
    ],
)
def test_as_list_wraps_single_values_and_drops_absent_ones(
    value: object, expected: list[object]
) -> None:
    assert as_list(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (ALICE, ALICE),
        ({"type": "Person", "id": ALICE}, ALICE),
        ([{"type": "Person", "id": ALICE}], ALICE),  # Prismo's actor: an array of one
        ([{"type": "Person"}, BOB], BOB),  # the first entry that has an id
        ({"type": "Person"}, None),
        ({"id": 5}, None),
        ("", None),
        (None, None),
        (42, None),
        ([], None),
    ],
)
def test_id_of_reads_a_uri_an_object_or_an_array(value: object, expected: str | None) -> None:
    assert id_of(value) == expected


def test_ids_of_keeps_order_and_skips_entries_without_an_id() -> None:
    value = [ALICE, {"id": BOB}, {"name": "no id"}, 7, None]

    assert ids_of(value) == [ALICE, BOB]
    assert ids_of(ALICE) == [ALICE]
    assert ids_of(None) == []


def test_types_are_read_from_a_string_or_an_array() -> None:
    assert types_of({"type": "Note"}) == ["Note"]
    assert types_of({"type": ["Hashtag", "Note"]}) == ["Hashtag", "Note"]
    assert types_of({"type": ["", 3, "Note"]}) == ["Note"]
    assert types_of({}) == []
    assert first_type({"type": ["Page", "Note"]}) == "Page"
    assert first_type({"type": 5}) is None
    assert first_type({}) is None
    assert has_type({"type": ["Page", "Note"]}, "Note")
    assert not has_type({"type": "Page"}, "Note")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Lemmy.World/c/fediverse", "lemmy.world"),
        ("http://lemmy-alpha:8541/u/lemmy_alpha", "lemmy-alpha"),
        ("https://[2001:db8::1]/users/x", "2001:db8::1"),
        ("https://first_domain/users/first", "first_domain"),
        ("ftp://a.example/file", None),
        ("as:Public", None),
        ("/relative/path", None),
        ("https://", None),
        ("https://[::1/broken", None),
        (None, None),
        (17, None),
    ],
)
def test_host_of_returns_the_lower_cased_host_of_http_urls_only(
    url: object, expected: str | None
) -> None:
    assert host_of(url) == expected


@pytest.mark.parametrize("spelling", [PUBLIC, "as:Public", "Public"])
def test_the_public_collection_is_recognised_in_all_three_spellings(spelling: str) -> None:
    # Given a post addressed to the public collection, spelt as some peer spells it
    assert is_public({"to": [spelling]})
    assert is_public({"to": ALICE, "cc": spelling})  # unlisted: public in cc only
    assert is_public({"to": [{"id": spelling}]})
    # When it is collected into the audience, Then it is normalised to the full URI
    assert audience_of({"to": spelling, "cc": [BOB]}) == [PUBLIC, BOB]


def test_a_post_without_the_public_collection_is_not_public() -> None:
    assert not is_public({"to": [ALICE], "cc": [BOB]})
    assert not is_public({})
    # audience is the community (FEP-1b12), not a visibility setting
    assert not is_public({"to": [ALICE], "audience": PUBLIC})


def test_audience_collects_every_addressing_property_once_in_order() -> None:
    document = {
        "to": [ALICE, "as:Public"],
        "cc": [BOB, ALICE],
        "bto": "https://c.example/u/carol",
        "bcc": [{"id": "https://d.example/u/dave"}],
        "audience": "https://g.example/c/group",
    }

    assert audience_of(document) == [
        ALICE,
        PUBLIC,
        BOB,
        "https://c.example/u/carol",
        "https://d.example/u/dave",
        "https://g.example/c/group",
    ]


def test_the_activitystreams_context_is_found_in_a_string_or_an_array() -> None:
    assert declares_as_context({"@context": AS_CONTEXT})
    assert declares_as_context({"@context": ["https://w3id.org/security/v1", AS_CONTEXT, {}]})
    assert not declares_as_context({"@context": "https://join-lemmy.org/context.json"})
    assert not declares_as_context({})


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Note", "Note"),
        ("as:Note", "Note"),
        ("https://www.w3.org/ns/activitystreams#Hashtag", "Hashtag"),
        ("http://www.w3.org/ns/activitystreams#Create", "Create"),
        ("toot:Emoji", "toot:Emoji"),
        ("as:", "as:"),
    ],
)
def test_type_names_lose_only_the_activitystreams_prefix(name: str, expected: str) -> None:
    assert normal_type(name) == expected


def test_types_are_compared_without_their_prefix() -> None:
    document = {"type": ["as:Note", "https://www.w3.org/ns/activitystreams#Article"]}
    assert types_of(document) == ["Note", "Article"]
    assert first_type(document) == "Note"
    assert has_type(document, "Article")


PAGE, VIDEO = "https://v.example/w/1", "https://v.example/v/1.mp4"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (PAGE, PAGE),
        ([PAGE, VIDEO], PAGE),
        ({"type": "Link", "href": PAGE}, PAGE),
        (
            [
                {"type": "Link", "href": VIDEO, "mediaType": "video/mp4"},
                {"type": "Link", "href": PAGE, "mediaType": "text/html"},
            ],
            PAGE,
        ),
        # A Link without a media type is text/html; Funkwhale's mimeType counts too
        ([{"type": "Link", "href": VIDEO, "mimeType": "video/mp4"}, {"href": PAGE}], PAGE),
        ([{"type": "Link", "href": VIDEO, "mediaType": "video/mp4"}], VIDEO),
        ({"type": "Document", "url": {"type": "Link", "href": VIDEO}}, VIDEO),
        ({"type": "Link"}, None),
    ],
)
def test_a_url_is_read_from_strings_links_and_arrays(value: object, expected: str | None) -> None:
    assert href_of(value, "text/html") == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (ALICE, ALICE),
        ({"type": "Note", "id": ALICE}, ALICE),
        ({"type": "Link", "href": ALICE}, ALICE),
        ([{"type": "Link", "href": ALICE}, BOB], ALICE),
        ({"type": "Collection", "id": BOB + "/replies", "items": [ALICE]}, ALICE),
        ({"type": "OrderedCollection", "orderedItems": [{"id": ALICE}]}, ALICE),
        ({"type": "Link"}, None),
    ],
)
def test_a_reference_is_read_from_ids_links_and_collections(
    value: object, expected: str | None
) -> None:
    assert reference_of(value) == expected


def test_language_maps_give_their_first_text_and_its_language() -> None:
    assert from_language_map({"de": "", "en": "<p>Hi</p>", "fr": "<p>Salut</p>"}) == (
        "en",
        "<p>Hi</p>",
    )
    assert from_language_map({"und": "<p>?</p>"}) == (None, "<p>?</p>")
    assert from_language_map({}) is None
    assert from_language_map("en") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [("en", "en"), ("pt-BR", "pt-BR"), ("zh_Hant", "zh-Hant"), ("und", None), ("@none", None)],
)
def test_language_tags_are_read_or_refused(value: str, expected: str | None) -> None:
    assert language_tag(value) == expected


@pytest.mark.parametrize("value", ["", "english please", "e", "<script>", 42, None])
def test_what_is_no_language_tag_gives_none(value: object) -> None:
    assert language_tag(value) is None


def test_the_context_may_declare_a_language() -> None:
    assert context_language({"@context": [AS_CONTEXT, {"@language": "nl"}]}) == "nl"
    assert context_language({"@context": AS_CONTEXT}) is None
