"""Every sentence of the interface is translated, and none escapes the catalogues.

- The catalogues are complete: every message marked in the templates and the Python modules
  (extracted as `pybabel extract -F babel.cfg` does) has a French and a Spanish translation,
  not fuzzy, with the same named placeholders, and the catalogues hold nothing stale.
- No text is left outside them: templates show no words outside `_()`/`{% trans %}`, and web
  modules hand pages no literal notices or errors (tests/untranslated.py says what is looked
  for). The pages still written in English alone are listed below, by name: the list only
  shrinks (a listed page that is translated must leave it), and a new page cannot join it.
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
from tests.untranslated import python_leftovers, service_leftovers, template_leftovers

ROOT = Path(__file__).parent.parent
TEMPLATES = ROOT / "fedcop" / "web" / "templates"
WEB = ROOT / "fedcop" / "web"
SERVICES = ROOT / "fedcop" / "services"
TRANSLATED = sorted(code for code in LANGUAGES if code != DEFAULT)

# Pages and modules still written in English alone (to be put through the catalogues).
# Mail templates are written in the recipient's language once mail knows it.
PENDING_TEMPLATES = {
    "account_data/admin_delete.html",
    "account_data/data.html",
    "account_data/import_result.html",
    "admin.html",
    "authorize.html",
    "knowledge/_macros.html",
    "knowledge/_remote_edit.html",
    "knowledge/diff.html",
    "knowledge/edit.html",
    "knowledge/history.html",
    "knowledge/index.html",
    "knowledge/page.html",
    "knowledge/version.html",
    "mail/answer_accepted.txt.html",
    "mail/choices.html",
    "mail/confirm_email.txt.html",
    "mail/digest.txt.html",
    "mail/forgot_password.html",
    "mail/join_request.txt.html",
    "mail/layout.txt.html",
    "mail/list_post.txt.html",
    "mail/password_reset.txt.html",
    "mail/post.txt.html",
    "mail/reset_password.html",
    "mail/unsubscribe.html",
    "modlog.html",
    "setup/page.html",
}
PENDING_MODULES = {
    "account_data/deletion.py",
    "account_data/imports.py",
    "account_data/moving.py",
    "admin.py",
    "knowledge/actions.py",
    "knowledge/feed.py",
    "knowledge/pages.py",
    "knowledge/remote.py",
    "reports.py",
}

# Services whose errors a person reads are still made in English (the list only shrinks).
PENDING_SERVICE_MODULES = {
    "account_data/deletion.py",
    "account_data/follow_imports.py",
    "account_data/follows_csv.py",
    "account_data/moves.py",
    "account_data/moving.py",
    "accounts.py",
    "admin.py",
    "boosts.py",
    "crossposts.py",
    "facilitation.py",
    "keys.py",
    "knowledge/access.py",
    "knowledge/commits.py",
    "knowledge/editing.py",
    "knowledge/from_posts.py",
    "knowledge/history.py",
    "knowledge/member_edits.py",
    "knowledge/pages.py",
    "knowledge/received.py",
    "knowledge/remote_edits.py",
    "knowledge/settings.py",
    "mail/addresses.py",
    "mail/choices.py",
    "mail/inbound.py",
    "messages/checkins.py",
    "messages/reading.py",
    "messages/sending.py",
    "messages/welcome.py",
    "moderation.py",
    "node_setup.py",
    "oauth.py",
    "person_replies.py",
    "polls/drafts.py",
    "polls/voting.py",
    "post_changes.py",
    "post_fields.py",
    "posts.py",
    "questions.py",
    "reports.py",
    "signin.py",
    "status_edits.py",
    "statuses.py",
    "votes.py",
}


def extracted() -> dict[str, tuple[str, ...]]:
    """Each marked message (its msgid, and its plural if it has one) -> where it is."""
    with (ROOT / "babel.cfg").open() as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    found: dict[str, tuple[str, ...]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map
    ):
        msgid = message if isinstance(message, str) else message[0]
        found[msgid] = (*found.get(msgid, ()), f"{filename}:{lineno}")
    return found


def catalogue(language: str) -> Catalog:
    with catalogue_path(language).open("rb") as source:
        return read_po(source, locale=language)


def test_the_interface_speaks_english_and_at_least_two_more_languages() -> None:
    assert DEFAULT == "en" and {"fr", "es"} <= set(TRANSLATED)


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_marked_sentence_is_translated(language: str) -> None:
    messages = extracted()
    assert "Skip to content" in messages  # the extraction reads the templates
    translated = catalogue(language)
    missing = []
    for msgid, where in sorted(messages.items()):
        entry = translated.get(msgid)
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
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in messages
    ]
    assert not stale, f"no longer in the interface (pybabel update): {stale}"


def templates() -> list[str]:
    return sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html"))


def web_modules() -> list[str]:
    return sorted(str(p.relative_to(WEB)) for p in WEB.rglob("*.py"))


@pytest.mark.parametrize("name", templates())
def test_templates_show_no_text_outside_the_catalogues(name: str) -> None:
    leftovers = template_leftovers((TEMPLATES / name).read_text())
    if name in PENDING_TEMPLATES:
        assert leftovers, f"{name} is translated now: take it off PENDING_TEMPLATES"
    else:
        assert not leftovers, f"{name} shows text outside _() or trans:\n" + "\n".join(leftovers)


@pytest.mark.parametrize("name", web_modules())
def test_web_modules_hand_pages_no_untranslated_sentence(name: str) -> None:
    leftovers = python_leftovers((WEB / name).read_text())
    if name in PENDING_MODULES:
        assert leftovers, f"{name} is translated now: take it off PENDING_MODULES"
    else:
        assert not leftovers, f"{name} gives pages English text outside _():\n" + "\n".join(
            leftovers
        )


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
    if name in PENDING_SERVICE_MODULES:
        assert leftovers, f"{name} is translated now: take it off PENDING_SERVICE_MODULES"
    else:
        assert not leftovers, f"{name} makes errors in English outside _():\n" + "\n".join(
            leftovers
        )


def test_the_error_scan_finds_what_it_looks_for() -> None:
    names = {"InvalidInput", "NotFound"}
    assert service_leftovers('raise InvalidInput("Choose a name.")', names)
    assert service_leftovers('raise NotFound(f"No community {name}.")', names)
    assert service_leftovers('raise errors.NotFound("No such page " + name)', names)
    assert not service_leftovers('raise InvalidInput(_("Choose a name."))', names)
    assert not service_leftovers('raise Ignored("not addressed to anyone here")', names)
    assert "ServiceError" in error_classes() and "PostRefused" in error_classes()
