"""Handles in a post written here become links to the people they name, as Mastodon writes
them; text in code and in links stays as it is, and only whole handles are linked."""

from __future__ import annotations

from dataclasses import replace

from fedcop.services.addressees import link_mentions
from fedcop.services.markdown import render
from tests.conftest import make_config
from tests.test_thread_wire_forms import actor

CONFIG = make_config("https://alpha.test")
BEA = actor("bea", "Person", "u")  # here: @bea or @bea@alpha.test
MONA = replace(
    actor("mona", "Person", "u"), uri="https://masto.example/users/mona", domain="masto.example"
)


def linked(markdown: str) -> str:
    return link_mentions(render(markdown), [BEA, MONA], CONFIG)


def link(person_uri: str, name: str) -> str:
    return (
        f'<span class="h-card"><a href="{person_uri}" class="u-url mention" '
        f'rel="nofollow noopener noreferrer">@<span>{name}</span></a></span>'
    )


def test_handles_become_links_to_the_people() -> None:
    html = linked("Thanks @bea and @mona@masto.example.")
    assert link(BEA.uri, "bea") in html
    assert link(MONA.uri, "mona") + "." in html


def test_only_whole_handles_are_linked() -> None:
    html = linked("@bear, @bea@elsewhere.example, me@bea.example and @MONA@MASTO.EXAMPLE")
    assert BEA.uri not in html
    assert html.count(MONA.uri) == 1


def test_code_and_links_are_left_alone() -> None:
    html = linked("`@bea` and [@mona@masto.example](https://example.org)\n\n    @bea\n")
    assert "u-url mention" not in html
    assert "<code>@bea</code>" in html
