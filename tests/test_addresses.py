"""Thread slugs, made from titles (fedcop.web.addresses)."""

from __future__ import annotations

from fedcop.web.addresses import slug


def test_a_slug_is_made_from_the_title() -> None:
    assert slug("How we triage, in 2026?") == "how-we-triage-in-2026"
    assert slug("Données ouvertes : l'été") == "donnees-ouvertes-l-ete"
    assert slug("Архивы и фонды") == "архивы-и-фонды"
    assert slug("snake_case title") == "snake-case-title"
    assert slug("?!") == "" and slug(None) == "" and slug("") == ""
    assert len(slug("word " * 40)) <= 60 and not slug("word " * 40).endswith("-")


def test_a_slug_never_names_a_page_of_the_thread() -> None:
    assert slug("Edit") == "edit-thread"
    assert slug("Summary") == "summary-thread"
