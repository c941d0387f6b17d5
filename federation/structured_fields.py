"""The part of RFC 8941 (Structured Field Values for HTTP) that signatures and digests need.

RFC 9421 carries its signatures in two Structured Field dictionaries, and RFC 9530's
`Content-Digest` is one too:

```
Signature-Input: sig1=("@method" "@target-uri");created=1618884473;keyid="https://a/u#main-key"
                 ^key  ^inner list of strings     ^parameters
Signature:       sig1=:K2qGT5srn2OGbOIDzQ6kYT+ruaycnDAAUpKv+ePFfD0=:
                      ^byte sequence
```

`parse_dictionary` turns such a field into `{key: Member}`; `serialize_inner_list` turns a
parsed inner list back into its canonical text, which RFC 9421 signs as `@signature-params`.

Supported bare items: Integer, Decimal, String, Token, Byte Sequence and Boolean (RFC 8941);
Dates and Display Strings (RFC 9651) are not used by any signature and are rejected.
Every malformed input raises `StructuredFieldError` (a `ValueError`), nothing else.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from decimal import Decimal

# Limits from RFC 8941 section 3.3: keep parsing bounded on hostile input.
MAX_INTEGER = 999_999_999_999_999

# The lexical pieces, as regular expressions: signatures are parsed on every inbox request and
# a character-by-character loop in Python costs several times more.
_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_KEY_ANY_CASE = re.compile(r"[a-zA-Z*][a-zA-Z0-9_\-.*]*")
_TOKEN = re.compile(r"[A-Za-z*][A-Za-z0-9!#$%&'*+\-.^_`|~:/]*")
_NUMBER = re.compile(r"-?([0-9]*)(?:\.([0-9]*))?")
# Printable ASCII except '"' and '\', or an escaped '"' or '\'.
_STRING = re.compile(r'"((?:[ !#-\[\]-~]|\\["\\])*)"')
_STRING_ESCAPE = re.compile(r'\\(["\\])')
_BYTE_SEQUENCE = re.compile(r":([A-Za-z0-9+/=]*):")
_PRINTABLE_ASCII = re.compile(r"[ -~]*")


class StructuredFieldError(ValueError):
    """A header value that is not a valid Structured Field."""


class Token(str):
    """A Structured Field Token (`foo`, unquoted) as opposed to a String (`"foo"`)."""

    __slots__ = ()


BareItem = int | Decimal | str | Token | bytes | bool
Parameters = dict[str, BareItem]


@dataclass(frozen=True, slots=True)
class Item:
    value: BareItem
    params: Parameters


@dataclass(frozen=True, slots=True)
class InnerList:
    items: tuple[Item, ...]
    params: Parameters


Member = Item | InnerList


class _Parser:
    """A cursor over one field value; each `parse_*` method follows RFC 8941 section 4.2."""

    __slots__ = ("fold_key_case", "pos", "text")

    def __init__(self, text: str, *, fold_key_case: bool) -> None:
        self.text = text
        self.pos = 0
        self.fold_key_case = fold_key_case

    def fail(self, what: str) -> StructuredFieldError:
        return StructuredFieldError(f"{what} at character {self.pos} of {self.text!r}")

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def skip_spaces(self) -> None:
        while self.text.startswith(" ", self.pos):
            self.pos += 1

    def skip_ows(self) -> None:
        while self.peek() in (" ", "\t") and self.pos < len(self.text):
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def parse_dictionary(self) -> dict[str, Member]:
        members: dict[str, Member] = {}
        while not self.at_end():
            key = self.parse_key()
            member: Member
            if self.peek() == "=":
                self.pos += 1
                member = self.parse_item_or_inner_list()
            else:
                member = Item(True, self.parse_parameters())
            # RFC 8941 lets a later duplicate win; for signatures and digests a repeated key is
            # ambiguous (which one did the signer mean?), so we refuse it instead.
            if key in members:
                raise self.fail(f"duplicate key {key!r}")
            members[key] = member
            self.skip_ows()
            if self.at_end():
                break
            if self.peek() != ",":
                raise self.fail("expected ','")
            self.pos += 1
            self.skip_ows()
            if self.at_end():
                raise self.fail("trailing ','")
        return members

    def parse_item_or_inner_list(self) -> Member:
        if self.peek() == "(":
            return self.parse_inner_list()
        return Item(self.parse_bare_item(), self.parse_parameters())

    def parse_inner_list(self) -> InnerList:
        self.pos += 1  # "("
        items: list[Item] = []
        while not self.at_end():
            self.skip_spaces()
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parse_parameters())
            items.append(Item(self.parse_bare_item(), self.parse_parameters()))
            if self.peek() not in (" ", ")"):
                raise self.fail("expected ' ' or ')' in inner list")
        raise self.fail("unterminated inner list")

    def parse_parameters(self) -> Parameters:
        params: Parameters = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip_spaces()
            key = self.parse_key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.parse_bare_item()
            if key in params:
                raise self.fail(f"duplicate parameter {key!r}")
            params[key] = value
        return params

    def parse_key(self) -> str:
        match = (_KEY_ANY_CASE if self.fold_key_case else _KEY).match(self.text, self.pos)
        if match is None:
            raise self.fail("expected a key")
        self.pos = match.end()
        key = match.group()
        return key.lower() if self.fold_key_case else key

    def parse_bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or "0" <= char <= "9":
            return self.parse_number()
        if char == '"':
            return self.parse_string()
        if char == ":":
            return self.parse_byte_sequence()
        if char == "?":
            return self.parse_boolean()
        match = _TOKEN.match(self.text, self.pos)
        if match is not None:
            self.pos = match.end()
            return Token(match.group())
        raise self.fail("expected an item")

    def parse_number(self) -> int | Decimal:
        match = _NUMBER.match(self.text, self.pos)
        assert match is not None  # the pattern matches the empty string
        integer_digits, fraction_digits = match.groups()
        if not integer_digits:
            raise self.fail("expected a digit")
        self.pos = match.end()
        if fraction_digits is None:
            if len(integer_digits) > 15:
                raise self.fail("integer too long")
            return int(match.group())
        if len(integer_digits) > 12:
            raise self.fail("decimal too long")
        if not 1 <= len(fraction_digits) <= 3:
            raise self.fail("a decimal needs 1 to 3 fractional digits")
        return Decimal(match.group())

    def parse_string(self) -> str:
        match = _STRING.match(self.text, self.pos)
        if match is None:
            raise self.fail("unterminated string, or a character or escape a string cannot hold")
        self.pos = match.end()
        value = match.group(1)
        return _STRING_ESCAPE.sub(r"\1", value) if "\\" in value else value

    def parse_byte_sequence(self) -> bytes:
        match = _BYTE_SEQUENCE.match(self.text, self.pos)
        if match is None:
            raise self.fail("unterminated byte sequence, or not base64")
        self.pos = match.end()
        encoded = match.group(1)
        try:
            # RFC 8941 asks parsers to tolerate missing padding; add it back before decoding.
            return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        except binascii.Error as error:
            raise self.fail(f"invalid base64 in byte sequence ({error})") from None

    def parse_boolean(self) -> bool:
        self.pos += 1  # "?"
        value = self.peek()
        if value not in ("0", "1") or not value:
            raise self.fail("expected ?0 or ?1")
        self.pos += 1
        return value == "1"


def parse_dictionary(text: str, *, fold_key_case: bool = False) -> dict[str, Member]:
    """Parse a Dictionary field value (RFC 8941 section 4.2.2).

    `fold_key_case=True` also accepts upper-case keys (lower-casing them), for fields such as
    `Content-Digest` whose keys some senders capitalise against the grammar.
    """
    parser = _Parser(text, fold_key_case=fold_key_case)
    parser.skip_spaces()
    members = parser.parse_dictionary()
    parser.skip_spaces()
    if not parser.at_end():
        raise parser.fail("unexpected trailing characters")
    return members


def serialize_bare_item(value: BareItem) -> str:
    # bool before int: bool is a subclass of int in Python.
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > MAX_INTEGER:
            raise StructuredFieldError(f"integer out of range: {value}")
        return str(value)
    if isinstance(value, Decimal):
        return _serialize_decimal(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    if isinstance(value, Token):
        return str(value)
    if _PRINTABLE_ASCII.fullmatch(value) is None:
        raise StructuredFieldError(
            f"string has characters a Structured Field cannot carry: {value!r}"
        )
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _serialize_decimal(value: Decimal) -> str:
    rounded = value.quantize(Decimal("0.001"))
    text = format(rounded, "f").rstrip("0")
    return text + "0" if text.endswith(".") else text


def serialize_parameters(params: Parameters) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={serialize_bare_item(value)}"
        for key, value in params.items()
    )


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_parameters(item.params)


def serialize_inner_list(inner_list: InnerList) -> str:
    """The canonical text of an inner list with its parameters: `("a" "b");created=1`."""
    inside = " ".join(serialize_item(item) for item in inner_list.items)
    return f"({inside}){serialize_parameters(inner_list.params)}"
