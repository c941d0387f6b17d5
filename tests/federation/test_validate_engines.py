"""The compiled validator (the fast path) and the Python one agree on every document.

`validate` lets the compiled validator pass a document on its own, so it must never accept what
the Python validator refuses: checked on every real fixture, on every type's schema, and on
many mutated copies of real activities.
"""

from __future__ import annotations

import copy
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from federation import validate as validation
from federation.vocab import first_type
from tests.federation.test_real_fixtures import FIXTURES, _fixture_files


def _agree(type_name: str, document: Any) -> None:
    fast = validation._fast_validator(type_name).is_valid(document)
    slow = next(validation._validator(type_name).iter_errors(document), None) is None
    assert fast == slow, f"{type_name}: compiled says {fast}, Python says {slow} for {document!r}"


def _documents() -> list[dict[str, Any]]:
    found = []
    for name in _fixture_files():
        document = orjson.loads((FIXTURES / name).read_bytes())
        if isinstance(document, dict):
            found.append(document)
    return found


DOCUMENTS = _documents()
KEYS = ["id", "type", "actor", "object", "to", "cc", "content"]
TYPES = sorted(validation.accepted_types())


def test_every_fixture_gets_the_same_answer_from_both_for_every_type() -> None:
    for document in DOCUMENTS:
        own = first_type(document)
        for type_name in TYPES if own in TYPES else []:
            _agree(type_name, document)
        for embedded in (document.get("object"),):
            if isinstance(embedded, dict) and first_type(embedded) in TYPES:
                _agree(str(first_type(embedded)), embedded)


_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["https://a.example/x", "as:Public", "", "not a uri", "Note", "Person"]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["id", "type", "href", "url", "name"]), children, max_size=3),
    max_leaves=6,
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.sampled_from([d for d in DOCUMENTS if first_type(d) in TYPES]),
    key=st.text(max_size=12) | st.sampled_from(KEYS),
    value=_values,
    drop=st.booleans(),
)  # fmt: skip
def test_mutated_activities_get_the_same_answer_from_both(
    source: dict[str, Any], key: str, value: Any, drop: bool
) -> None:
    document = copy.deepcopy(source)
    if drop:
        document.pop(key, None)
    else:
        document[key] = value
    type_name = first_type(source)
    assert type_name is not None
    _agree(type_name, document)
    inner = document.get("object")
    if isinstance(inner, dict):
        inner[key] = value
        if first_type(inner) in TYPES:
            _agree(str(first_type(inner)), inner)
