"""federation.bounds: each structural bound, where it is reported, and every real peer within."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from federation.bounds import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_ITEMS_OF,
    MAX_NAME_LENGTH,
    MAX_PROPERTIES,
    MAX_STRING_LENGTH,
    MAX_VALUES,
    first_excess,
)
from tests.paths import DATA

REAL = sorted((DATA / "real").rglob("*.json"))


def note(**fields: Any) -> dict[str, Any]:
    return {"id": "https://a.example/n/1", "type": "Note", **fields}


@pytest.mark.parametrize("path", REAL, ids=lambda path: path.name)
def test_every_real_document_is_within_the_bounds(path: Path) -> None:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        pytest.fail(f"{path} is not JSON")  # the fixtures are all JSON
    assert first_excess(document) is None


@pytest.mark.parametrize(
    ("document", "where", "reason"),
    [
        (
            {"object": note(tag=[{}] * (MAX_ITEMS_OF["tag"] + 1))},
            "object.tag",
            f"has too many items (at most {MAX_ITEMS_OF['tag']})",
        ),
        (
            note(attachment=["https://a.example/f"] * (MAX_ITEMS_OF["attachment"] + 1)),
            "attachment",
            "at most 100",
        ),
        (note(cc=["https://a.example/u"] * 1001), "cc", "at most 1000"),
        (note(other=[1] * (MAX_ITEMS + 1)), "other", f"at most {MAX_ITEMS}"),
        (note(nested=[[0] * (MAX_ITEMS + 1)]), "nested[0]", f"at most {MAX_ITEMS}"),
        (
            note(content="x" * (MAX_STRING_LENGTH + 1)),
            "content",
            f"is too long (at most {MAX_STRING_LENGTH} characters)",
        ),
        (
            {"object": {"tag": [{"name": "x" * (MAX_STRING_LENGTH + 1)}]}},
            "object.tag[0].name",
            "too long",
        ),
        (
            note(**{f"p{index}": 0 for index in range(MAX_PROPERTIES)}),
            "(document)",
            f"has too many properties (at most {MAX_PROPERTIES})",
        ),
        (note(**{"k" * (MAX_NAME_LENGTH + 1): 0}), "(document)", "property name over"),
    ],
)
def test_each_bound_is_reported_where_it_is_exceeded(
    document: dict[str, Any], where: str, reason: str
) -> None:
    excess = first_excess(document)
    assert excess is not None
    assert excess[0] == where
    assert reason in excess[1]


def test_a_bound_is_not_exceeded_at_its_limit() -> None:
    document = note(
        tag=[{}] * MAX_ITEMS_OF["tag"],
        content="x" * MAX_STRING_LENGTH,
        other=list(range(MAX_ITEMS)),
    )
    assert first_excess(document) is None


def test_values_are_counted_across_the_whole_document() -> None:
    # Each array within its bound; together over the bound on values.
    document = note(parts=[list(range(MAX_ITEMS)) for _ in range(MAX_VALUES // MAX_ITEMS)])
    assert first_excess(document) == ("(document)", f"has more than {MAX_VALUES} values")


def test_nesting_is_bounded_without_recursion() -> None:
    deep: Any = "bottom"
    for _ in range(100_000):  # far deeper than Python's stack would take
        deep = [deep]
    excess = first_excess({"deep": deep})
    assert excess == ("(document)", f"is nested more than {MAX_DEPTH} levels deep")


def test_a_long_property_name_is_cut_in_the_path() -> None:
    name = "n" * 500
    excess = first_excess({name: {"tag": [{}] * 501}})
    assert excess is not None
    assert excess[0] == "n" * 63 + "….tag"
