"""The Structured Field subset behind Signature-Input, Signature and Content-Digest."""

from __future__ import annotations

from decimal import Decimal

import pytest

from federation.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_inner_list,
)


def test_signature_input_parses_into_components_and_parameters() -> None:
    members = parse_dictionary(
        'sig1=("@method" "@target-uri" "content-digest");created=1618884473;'
        'keyid="https://a.example/u#main-key";alg="rsa-v1_5-sha256"'
    )

    assert members == {
        "sig1": InnerList(
            (Item("@method", {}), Item("@target-uri", {}), Item("content-digest", {})),
            {
                "created": 1618884473,
                "keyid": "https://a.example/u#main-key",
                "alg": "rsa-v1_5-sha256",
            },
        )
    }


def test_every_bare_item_type_parses() -> None:
    members = parse_dictionary(
        'a=1, b=-2.5, c="s \\"q\\" \\\\", d=tok/en:x, e=:aGk=:, f=?0, g, h=(1 2);p'
    )

    assert members["a"] == Item(1, {})
    assert members["b"] == Item(Decimal("-2.5"), {})
    assert members["c"] == Item('s "q" \\', {})
    assert members["d"] == Item(Token("tok/en:x"), {})
    assert isinstance(members["d"], Item) and isinstance(members["d"].value, Token)
    assert members["e"] == Item(b"hi", {})
    assert members["f"] == Item(False, {})
    assert members["g"] == Item(True, {})
    assert members["h"] == InnerList((Item(1, {}), Item(2, {})), {"p": True})


def test_byte_sequence_without_padding_is_accepted() -> None:
    assert parse_dictionary("a=:aGk:") == {"a": Item(b"hi", {})}


@pytest.mark.parametrize(
    "text",
    [
        'sig1=("@method" "@target-uri");created=1618884473;keyid="k"',
        'sig1=();created=1;keyid="k";nonce="b3k2pp5k7z-50gnwp.yemd";tag="x"',
        'sig1=("@query-param";name="Pet" "content-digest";sf);created=1;expires=2',
        'sig1=("a" "b");p;q=?0;r=tok;s=:aGk=:;t=-1.5',
    ],
)
def test_inner_list_serializes_back_to_its_canonical_text(text: str) -> None:
    member = parse_dictionary(text)["sig1"]

    assert isinstance(member, InnerList)
    assert "sig1=" + serialize_inner_list(member) == text


def test_non_canonical_input_serializes_canonically() -> None:
    member = parse_dictionary('sig1=(  "a"   "b" );  created=1;flag=?1')["sig1"]

    assert isinstance(member, InnerList)
    assert serialize_inner_list(member) == '("a" "b");created=1;flag'


def test_upper_case_keys_only_with_fold_key_case() -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary("SHA-256=:aGk=:")

    assert parse_dictionary("SHA-256=:aGk=:", fold_key_case=True) == {"sha-256": Item(b"hi", {})}


@pytest.mark.parametrize(
    "text",
    [
        "a=",
        "a=1,",
        "a=1,,b=2",
        "a=1 b=2",
        "A=1",
        "1a=1",
        "a=1, a=2",
        "a=1;p=1;p=2",
        'a="unterminated',
        'a="bad \\escape"',
        'a="tab\tinside"',
        "a=:not base64!:",
        "a=:unterminated",
        "a=:ab=c:",
        "a=(1 2",
        "a=(1,2)",
        "a=?2",
        "a=1234567890123456",
        "a=1.2345",
        "a=1234567890123.1",
        "a=-",
        "a=@1659578233",
        'a=%"display"',
        "a=\u00e9",
        "a=\u0661",
    ],
)
def test_malformed_fields_raise_structured_field_error(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


def test_error_is_a_value_error() -> None:
    assert issubclass(StructuredFieldError, ValueError)
