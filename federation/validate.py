"""Validation of inbound ActivityStreams documents against fedcop's JSON schemas.

The schemas in `schemas/` are the written wire contract: one file per accepted type
(`activities/Follow.json`, `objects/Note.json`, `actors/Group.json`, `collections/...`), with the
rules they share in `common.json`. A type without a schema file is not accepted.

    document (a dict parsed from compacted JSON)
      -> size check: nesting depth and number of values, before any schema work
      -> dispatch on `type` (a string or an array: the first type that has a schema wins;
         "as:Note" and the full AS IRI are read as "Note", and the schemas accept them)
           no schema for any of them             -> UnsupportedType  (answer 202, ignore)
      -> the type's schema                       -> ValidationError  (answer 400)
      -> activity? each embedded `object` goes through the same steps against its own type's
         schema, if EMBEDDABLE_KINDS allows that kind there, at most MAX_EMBEDDING levels deep

`UnsupportedType` is a subclass of `ValidationError`: catch it first to tell "a type fedcop does
not handle" from "a malformed document". Both carry a one-line message naming the property path,
e.g. "Create.object.id: must be an absolute https or http URI (got 'SCRUBBED_ID')".
"""

from __future__ import annotations

import functools
import importlib.resources
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Literal, Protocol

import jsonschema_rs
import orjson
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from federation.vocab import normal_type

Kind = Literal["activity", "object", "actor", "collection"]

# Far above anything real servers send (the deepest fixture nests 8 levels and holds ~430
# values) and low enough that a hostile document costs little before it is refused.
MAX_DEPTH = 32
MAX_ELEMENTS = 10_000
# Announce(Undo(Like(Note))) embeds three levels; one more is headroom, not an invitation.
MAX_EMBEDDING = 4

# The directory a schema lives in says what kind of thing its type is.
_KIND_OF_DIRECTORY: Mapping[str, Kind] = {
    "activities": "activity",
    "objects": "object",
    "actors": "actor",
    "collections": "collection",
}

# What an activity may carry embedded in `object`. An embedded object of another kind makes the
# whole activity unsupported (fedcop would not know what it means); a bare URI is always allowed.
EMBEDDABLE_KINDS: Mapping[str, frozenset[Kind]] = {
    "Create": frozenset({"object"}),
    "Update": frozenset({"object", "actor"}),
    "Delete": frozenset({"object", "actor"}),
    "Follow": frozenset({"actor"}),
    "Accept": frozenset({"activity"}),
    "Reject": frozenset({"activity"}),
    "Undo": frozenset({"activity"}),
    "Announce": frozenset({"activity", "object"}),
    "Like": frozenset({"object"}),
    "Dislike": frozenset({"object"}),
    "EmojiReact": frozenset({"object"}),
    "Add": frozenset({"object", "actor"}),
    "Remove": frozenset({"object", "actor"}),
    "Flag": frozenset({"object", "actor"}),
    "Block": frozenset({"actor"}),
    "Move": frozenset({"actor"}),
    "Lock": frozenset({"object"}),
    "Join": frozenset({"object", "actor"}),
    "Leave": frozenset({"object", "actor"}),
}


class ValidationError(ValueError):
    """A document fedcop refuses: `path` says where, `reason` says what is wrong."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class UnsupportedType(ValidationError):
    """A well-formed document of a type fedcop does not handle: answer 202 and ignore it."""

    def __init__(self, path: str, reason: str, type_names: Sequence[str]) -> None:
        super().__init__(path, reason)
        self.type_names = tuple(type_names)


def validate(document: object) -> None:
    """Check an inbound document against the schema of its type; raise if fedcop refuses it."""
    if not isinstance(document, dict):
        raise ValidationError("(document)", f"must be a JSON object (got {_describe(document)})")
    _check_size(document)
    _check(document, path="", embedding=0)


def parse_document(body: bytes | str) -> dict[str, Any]:
    """Parse a request or response body into a JSON object, or raise ValidationError."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise ValidationError("(body)", f"is not valid JSON ({error})") from None
    if not isinstance(document, dict):
        raise ValidationError("(body)", f"must be a JSON object (got {_describe(document)})")
    return document


def accepted_types() -> Mapping[str, Kind]:
    """Every type fedcop accepts, with its kind (activity, object, actor or collection)."""
    return _catalog().kinds


def accepted_type(document: Mapping[str, Any]) -> str | None:
    """The type `validate` dispatches on: the first of the document's types fedcop accepts."""
    kinds = _catalog().kinds
    return next((name for name in _type_names(document.get("type")) if name in kinds), None)


def schema_for(type_name: str) -> Mapping[str, Any]:
    """The JSON schema of an accepted type, as written (KeyError for any other type)."""
    return _catalog().schemas[type_name]


def schema_directory() -> Traversable:
    """Where the schemas are: inside the installed package, else beside it in the repository."""
    packaged = importlib.resources.files("federation") / "schemas"
    if packaged.is_dir():
        return packaged
    # An editable install imports federation/ from the repository, where schemas/ sits beside it.
    repository = Path(__file__).resolve().parent.parent / "schemas"
    if repository.is_dir():
        return repository
    raise RuntimeError(
        "fedcop's JSON schemas are missing: neither federation/schemas (installed package) nor "
        f"{repository} (repository checkout) exists; reinstall fedcop with `pip install .`"
    )


# --- loading and compiling the schemas, once -------------------------------------------------


@dataclass(frozen=True)
class _Catalog:
    schemas: Mapping[str, Mapping[str, Any]]
    kinds: Mapping[str, Kind]
    registry: Registry[Any]


@functools.cache
def _catalog() -> _Catalog:
    root = schema_directory()
    common = json.loads((root / "common.json").read_text(encoding="utf-8"))
    resources: list[tuple[str, Resource[Any]]] = [
        (common["$id"], DRAFT202012.create_resource(common))
    ]
    schemas: dict[str, Mapping[str, Any]] = {}
    kinds: dict[str, Kind] = {}
    for directory, kind in _KIND_OF_DIRECTORY.items():
        for entry in sorted((root / directory).iterdir(), key=lambda entry: entry.name):
            if entry.name.endswith(".json"):
                schema = json.loads(entry.read_text(encoding="utf-8"))
                schemas[schema["title"]] = schema
                kinds[schema["title"]] = kind
                resources.append((schema["$id"], DRAFT202012.create_resource(schema)))
    registry: Registry[Any] = Registry().with_resources(resources).crawl()
    return _Catalog(schemas=schemas, kinds=kinds, registry=registry)


class _Resolved(Protocol):
    @property
    def contents(self) -> Any: ...
    @property
    def resolver(self) -> _Resolver: ...


class _Resolver(Protocol):
    """The part of referencing's resolver used here (its class is not public API)."""

    def lookup(self, ref: str) -> _Resolved: ...


@functools.cache
def _validator(type_name: str) -> Draft202012Validator:
    schema = _catalog().schemas[type_name]
    resolver = _catalog().registry.resolver(base_uri=schema["$id"])
    # Replacing every $ref by its target once, here, makes each validation about twice as fast
    # as letting jsonschema look references up in the registry every time it meets one.
    return Draft202012Validator(_dereferenced(schema, resolver, depth=0))


@functools.cache
def _fast_validator(type_name: str) -> Any:
    """The same schema compiled by jsonschema-rs. Formats are annotations here, as they are for
    the Python validator, so that both accept exactly the same documents (a test checks it)."""
    return jsonschema_rs.validator_for(_validator(type_name).schema, validate_formats=False)


def _dereferenced(node: Any, resolver: _Resolver, depth: int) -> Any:
    """A copy of a schema with each $ref replaced by its target ($ref with siblings: allOf)."""
    if depth > 32:
        raise RuntimeError(
            "fedcop's schemas refer to each other in a cycle; $refs must form a tree"
        )
    if isinstance(node, list):
        return [_dereferenced(item, resolver, depth) for item in node]
    if not isinstance(node, dict):
        return node
    copied = {
        key: _dereferenced_keyword(key, value, resolver, depth)
        for key, value in node.items()
        if key not in ("$ref", "$defs", "$id", "$schema")
    }
    if "$ref" not in node:
        return copied
    resolved = resolver.lookup(node["$ref"])
    target = _dereferenced(resolved.contents, resolved.resolver, depth + 1)
    return {"allOf": [target, copied]} if copied else target


def _dereferenced_keyword(key: str, value: Any, resolver: _Resolver, depth: int) -> Any:
    # Under "properties" the keys are property names, not keywords, and stay as they are.
    if key == "properties" and isinstance(value, dict):
        return {name: _dereferenced(schema, resolver, depth) for name, schema in value.items()}
    return _dereferenced(value, resolver, depth)


# --- the checks --------------------------------------------------------------------------------


def _check_size(document: Mapping[str, Any]) -> None:
    # Iterative, so a hostile nesting depth cannot exhaust the interpreter's stack.
    pending: list[tuple[Any, int]] = [(document, 1)]
    elements = 0
    while pending:
        value, depth = pending.pop()
        elements += 1
        if elements > MAX_ELEMENTS:
            raise ValidationError("(document)", f"has more than {MAX_ELEMENTS} values")
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise ValidationError("(document)", f"is nested more than {MAX_DEPTH} levels deep")
        pending.extend((child, depth + 1) for child in children)


def _check(document: Mapping[str, Any], path: str, embedding: int) -> None:
    type_name = _dispatch(document, path)
    prefix = path or type_name
    # The compiled validator answers "valid?" about 20 times faster; only a document it refuses
    # goes through the Python one, which explains why in words a peer's developer can use.
    if not _fast_validator(type_name).is_valid(document):
        error = _most_relevant(_validator(type_name).iter_errors(document))
        if error is not None:
            location, reason = _explain(error)
            raise ValidationError(_join(prefix, location), reason)
    if _catalog().kinds[type_name] != "activity":
        return
    allowed = EMBEDDABLE_KINDS.get(type_name, frozenset())
    for item_path, item in _embedded_objects(document.get("object"), f"{prefix}.object"):
        if embedding + 1 > MAX_EMBEDDING:
            raise ValidationError(item_path, f"embeds activities more than {MAX_EMBEDDING} deep")
        item_type = _dispatch(item, item_path)
        item_kind = _catalog().kinds[item_type]
        if item_kind not in allowed:
            article = "an" if item_kind[0] in "aeiou" else "a"
            raise UnsupportedType(
                f"{item_path}.type",
                f"fedcop does not accept {article} {item_kind} ({item_type}) inside {type_name}",
                [item_type],
            )
        _check(item, item_path, embedding + 1)


def _dispatch(document: Mapping[str, Any], path: str) -> str:
    type_path = f"{path}.type" if path else "type"
    raw = document.get("type")
    if raw is None:
        raise ValidationError(type_path, "is required")
    names = _type_names(raw)
    if not names:
        raise ValidationError(type_path, "must be a type name or a non-empty array of type names")
    kinds = _catalog().kinds
    for name in names:
        if name in kinds:
            return name
    if isinstance(raw, str):
        reason = f"{_quote(raw)} is not a type fedcop accepts"
    else:
        reason = f"none of {', '.join(_quote(name) for name in names)} is a type fedcop accepts"
    raise UnsupportedType(type_path, reason, names)


def _type_names(value: object) -> list[str]:
    """Type names without their ActivityStreams prefix ("as:Note" is a Note)."""
    if isinstance(value, str):
        return [normal_type(value)] if value else []
    if isinstance(value, list):
        return [normal_type(name) for name in value if isinstance(name, str) and name]
    return []


def _embedded_objects(value: object, path: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    # Only typed objects are embedded documents; {"id": ...} alone is a reference, which the
    # activity's own schema has already checked.
    if isinstance(value, dict):
        if "type" in value:
            yield path, value
    elif isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, dict) and "type" in item:
                yield f"{path}[{index}]", item


# --- turning a jsonschema error into one readable sentence -------------------------------------

# When several properties are wrong, report the one that says most about the document.
_PROPERTY_RANK = {name: rank for rank, name in enumerate(("type", "id", "actor", "object"))}


def _most_relevant(errors: Iterable[SchemaError]) -> SchemaError | None:
    """The error to report: the shallowest, then by property rank, then by path (stable)."""

    def key(error: SchemaError) -> tuple[int, int, bool, str]:
        path = list(error.relative_path)
        first = str(path[0]) if path else ""
        return (
            len(path),
            _PROPERTY_RANK.get(first, len(_PROPERTY_RANK)),
            # anyOf only says "no form fitted"; a plain keyword at the same place says why.
            error.validator in ("anyOf", "oneOf"),
            json.dumps(path),
        )

    return min(errors, key=key, default=None)


def _explain(error: SchemaError) -> tuple[list[str | int], str]:
    """The property path and the human reason for a schema error.

    The schemas give every form of a value its rules side by side in one flat schema (see
    common.json), so the failing keyword's own schema describes the value, and its description
    completes the sentence "<path>: must be ...".
    """
    keyword = error.validator
    value = error.validator_value
    location: list[str | int] = list(error.absolute_path)
    expected = _expected(error.schema)
    if "propertyNames" in error.relative_schema_path:
        return location, f"has a key that is not {expected or 'allowed'}{_got(error.instance)}"
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = next((name for name in value if name not in present), str(value))
        return [*location, missing], "is required"
    if keyword == "type":
        return location, f"must be {expected or _type_phrase(value)}{_got(error.instance)}"
    if keyword in ("pattern", "const", "enum", "contains", "anyOf", "oneOf"):
        return location, f"must be {expected or 'in an accepted form'}{_got(error.instance)}"
    if keyword == "maxLength":
        return location, f"is too long (at most {value} characters)"
    if keyword == "minLength":
        return location, "must not be empty"
    if keyword == "maxItems":
        return location, f"has too many items (at most {value})"
    if keyword == "minItems":
        return location, "must not be empty" if value == 1 else f"needs at least {value} items"
    if keyword == "maxProperties":
        return location, f"has too many properties (at most {value})"
    if keyword == "minimum":
        return location, f"must be at least {value}{_got(error.instance)}"
    return location, f"is invalid ({_shorten(error.message, 120)})"


def _expected(schema: object) -> str | None:
    # A description that is a noun phrase ("an absolute https or http URI") describes a value
    # and reads well after "must be"; one that is a sentence ending in "." describes a type.
    if isinstance(schema, dict):
        description = schema.get("description")
        if isinstance(description, str) and description and not description.endswith("."):
            return description
    return None


_TYPE_PHRASES = {
    "string": "a string",
    "object": "an object",
    "array": "an array",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _type_phrase(value: object) -> str:
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    return " or ".join(_TYPE_PHRASES.get(str(name), str(name)) for name in names) or "a value"


def _got(instance: object) -> str:
    return f" (got {_quote(instance) if isinstance(instance, str) else _describe(instance)})"


def _describe(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, int | float):
        return f"the number {value}"
    return type(value).__name__


def _quote(text: str) -> str:
    # repr() escapes control characters, so a peer's value cannot forge lines in our logs.
    return repr(_shorten(text, 80))


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _join(prefix: str, location: Iterable[str | int]) -> str:
    path = prefix
    for step in location:
        path += f"[{step}]" if isinstance(step, int) else f".{_shorten(str(step), 64)}"
    return path
