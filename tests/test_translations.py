"""Every sentence of the interface is translated, and none escapes the catalogues.

- The catalogues are complete: every message marked in the templates and the Python modules
  (extracted as `pybabel extract -F babel.cfg` does) has a French and a Spanish translation,
  not fuzzy, with the same named placeholders, and the catalogues hold nothing stale.
- No text is left outside them: templates show no words outside `_()`/`{% trans %}`; web
  modules hand pages no literal notices or errors; errors a person reads (the services',
  the pages', the upload forms') are made with `_()`; and tables of labels kept at module
  level are marked `N_()` (tests/untranslated.py says what is looked for). The few English
  tables that are not interface text are listed with the reason.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from fedcop.i18n.catalogues import catalogue_path
from fedcop.i18n.languages import DEFAULT, LANGUAGES
from tests.untranslated import (
    python_leftovers,
    service_leftovers,
    table_leftovers,
    template_leftovers,
)

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "fedcop" / "web" / "templates"
WEB = ROOT / "fedcop" / "web"
SERVICES = ROOT / "fedcop" / "services"
ROUTES = ROOT / "fedcop" / "routes"
TRANSLATED = sorted(code for code in LANGUAGES if code != DEFAULT)

# Tables of English that are not interface text, and why.
NOT_INTERFACE_TABLES = {
    "services/account_data/deletion.py": "the name kept posts go under, stored once for all",
    "services/account_data/follows_csv.py": "Mastodon's follows CSV columns, as it reads them",
    "services/profile_pins.py": "client API errors worded as Mastodon's own, which apps match",
}


def extracted() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """Each marked message, as its context (pgettext's, or None) and msgid -> where it is."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: dict[tuple[str | None, str], tuple[str, ...]] = {}
    for filename, lineno, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        key = (context, message if isinstance(message, str) else message[0])
        found[key] = (*found.get(key, ()), f"{filename}:{lineno}")
    return found


def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language)


def test_the_interface_speaks_english_and_at_least_two_more_languages() -> None:
    assert DEFAULT == "en" and {"fr", "es"} <= set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_sentence_is_translated(language: str) -> None:
    messages = extracted()
    assert (None, "Skip to content") in messages  # the extraction reads the templates
    translated = catalogue(language)
    missing = []
    for (context, msgid), where in sorted(messages.items(), key=lambda item: item[0][1]):
        entry = translated.get(msgid, context=context)
        strings = (
            ()
            if entry is None
            else (entry.string if isinstance(entry.string, tuple) else (entry.string,))
        )
        if entry is None or entry.fuzzy or not strings or not all(strings):
            missing.append(f"{msgid!r} ({', '.join(where)})")
    assert not missing, f"not translated in {language}:\n" + "\n".join(missing)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_and_nothing_is_stale(language: str) -> None:
    translated = catalogue(language)
    problems = [
        f"{message.id!r}: {'; '.join(str(error) for error in errors)}"
        for message, errors in translated.check()
    ]
    assert not problems, "\n".join(problems)
    messages = extracted()
    stale = [
        m.id
        for m in translated
        if m.id and (m.context, m.id if isinstance(m.id, str) else m.id[0]) not in messages
    ]
    assert not stale, f"no longer in the interface (pybabel update): {stale}"


def templates() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


def web_modules() -> list[str]:
    """The modules that answer browsers: the web package, and the routes that also serve
    pages (a post's or an actor's address opened in a browser, the 503 page)."""
    root = ROOT / "fedcop"
    return sorted(
        str(p.relative_to(root)) for folder in (WEB, ROUTES) for p in folder.rglob("*.py")
    )


@pytest.mark.parametrize("name", templates())
def test_templates_show_no_text_outside_the_catalogues(name: str) -> None:
    leftovers = template_leftovers((TEMPLATES / name).read_text())
    assert not leftovers, f"{name} shows text outside _() or trans:\n" + "\n".join(leftovers)


@pytest.mark.parametrize("name", web_modules())
def test_web_modules_hand_pages_no_untranslated_sentence(name: str) -> None:
    leftovers = python_leftovers((ROOT / "fedcop" / name).read_text())
    assert not leftovers, f"{name} gives pages English text outside _():\n" + "\n".join(leftovers)


def test_the_scans_find_what_they_look_for() -> None:
    # Each kind of leftover is found, and what goes through the catalogues is not.
    assert template_leftovers("<p>Save it</p>") == ["text 'Save it'"]
    assert template_leftovers('<nav aria-label="Account"></nav>')
    assert template_leftovers('{{ "Save" if new else "Edit post" }}')
    assert template_leftovers("{% block title %}Settings · {{ node_name }}{% endblock %}")
    assert not template_leftovers('<nav aria-label="{{ _(\'Account\') }}">{{ _("Home") }}</nav>')
    assert not template_leftovers("{% trans name=x %}Hello {{ name }}{% endtrans %}")
    assert not template_leftovers(
        '{% include "form_errors.html" %}<a href="/u/{{ n }}">@{{ n }}</a>'
    )
    assert not template_leftovers(
        '{% if mode in ("open", "approval") %}{{ t.published.strftime("%Y-%m-%d") }}{% endif %}'
    )
    assert python_leftovers('done(request, "/settings", "Saved.")')
    assert python_leftovers('render(request, "message.html", title=f"Hello {name}")')
    assert not python_leftovers('done(request, "/settings", _("Saved."))')


def error_classes() -> set[str]:
    """The names of the errors a person reads: ServiceError, Refused and FieldError, and
    every class made from them anywhere in fedcop.services."""
    import importlib
    import pkgutil

    import fedcop.services
    from fedcop.services.errors import Refused, ServiceError
    from fedcop.services.post_fields import FieldError

    for module in pkgutil.walk_packages(fedcop.services.__path__, "fedcop.services."):
        importlib.import_module(module.name)
    found: set[str] = set()
    kinds: list[type] = [ServiceError, Refused, FieldError]
    while kinds:
        kind = kinds.pop()
        found.add(kind.__name__)
        kinds.extend(kind.__subclasses__())
    return found


def service_modules() -> list[str]:
    return sorted(str(p.relative_to(SERVICES)) for p in SERVICES.rglob("*.py"))


@pytest.mark.parametrize("name", service_modules())
def test_errors_a_person_reads_are_in_their_language(name: str) -> None:
    leftovers = service_leftovers((SERVICES / name).read_text(), error_classes())
    assert not leftovers, f"{name} makes errors in English outside _():\n" + "\n".join(leftovers)


def page_modules() -> list[str]:
    root = ROOT / "fedcop"
    return sorted(
        str(p.relative_to(root)) for folder in (WEB, root / "routes") for p in folder.rglob("*.py")
    )


@pytest.mark.parametrize("name", page_modules())
def test_errors_pages_and_forms_make_are_in_the_reader_s_language(name: str) -> None:
    # (the upload forms' own refusals, as well as the services' errors, raised in web modules)
    names = error_classes() | {"BodyTooLarge", "NotAForm"}
    leftovers = service_leftovers((ROOT / "fedcop" / name).read_text(), names)
    assert not leftovers, f"{name} makes errors in English outside _():\n" + "\n".join(leftovers)


def test_the_error_scan_finds_what_it_looks_for() -> None:
    names = {"InvalidInput", "NotFound"}
    assert service_leftovers('raise InvalidInput("Choose a name.")', names)
    assert service_leftovers('raise NotFound(f"No community {name}.")', names)
    assert service_leftovers('raise errors.NotFound("No such page " + name)', names)
    assert not service_leftovers('raise InvalidInput(_("Choose a name."))', names)
    assert not service_leftovers('raise Ignored("not addressed to anyone here")', names)
    assert "ServiceError" in error_classes() and "PostRefused" in error_classes()


def table_modules() -> list[str]:
    root = ROOT / "fedcop"
    return sorted(
        str(p.relative_to(root)) for folder in (WEB, ROUTES, SERVICES) for p in folder.rglob("*.py")
    )


@pytest.mark.parametrize("name", table_modules())
def test_tables_of_labels_are_marked_for_the_catalogues(name: str) -> None:
    leftovers = table_leftovers((ROOT / "fedcop" / name).read_text())
    if name in NOT_INTERFACE_TABLES:
        assert leftovers, f"{name} has no English table left: take it off NOT_INTERFACE_TABLES"
    else:
        assert not leftovers, f"{name} keeps English labels outside N_():\n" + "\n".join(leftovers)


def test_the_table_scan_finds_what_it_looks_for() -> None:
    assert table_leftovers('WORDS = {"lock": "The thread is locked."}')
    assert table_leftovers('KINDS = {"image": "Picture"}')
    assert table_leftovers('NOTE = "A picture; its author gave no description"')
    assert not table_leftovers('WORDS = {"lock": N_("The thread is locked.")}')
    assert not table_leftovers('HEADERS = {"X-Frame-Options": "DENY", "Referrer": "same-origin"}')
    assert not table_leftovers("CSP = \"default-src 'none'; img-src 'self'\"")
    assert not table_leftovers('__all__ = ["Member", "Filters"]')
