"""The language of the request being answered, and everything written in it.

The language is chosen once per request (fedcop.web.language sets it from the browser, then from
the member's setting once the viewer is known) and held in a context variable, so a notice
written by a route and the page rendered after it speak the same language without passing it
through every call. Outside a request (workers, the command line) it is English.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent
from babel.units import format_unit

from fedcop.i18n.catalogues import translations
from fedcop.i18n.languages import DEFAULT, supported

_language: ContextVar[str] = ContextVar("fedcop_language", default=DEFAULT)


def language() -> str:
    return _language.get()


def use(language_code: str) -> None:
    """From now on, in this request, speak `language_code` (already negotiated)."""
    _language.set(language_code)


@contextmanager
def speaking(language_code: str | None) -> Iterator[None]:
    """Speak `language_code` inside the block (English if we do not speak it): for work done
    outside a request for one reader, such as a mail written in its recipient's language."""
    token = _language.set(language_code if language_code and supported(language_code) else DEFAULT)
    try:
        yield
    finally:
        _language.reset(token)


def N_(message: str) -> str:
    """Mark `message` for the catalogues where it cannot be translated yet (a label in a table
    built at import time); `_()` translates it where it is shown, in the reader's language."""
    return message


def gettext(message: str) -> str:
    """`message` (a whole sentence, placeholders named `%(name)s`) in the current language."""
    return translations(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, count: int) -> str:
    return translations(_language.get()).ngettext(singular, plural, count)


def _(message: str, **values: object) -> str:
    """The interface sentence `message` in the current language, its `%(name)s` placeholders
    filled from `values` (after translating, so each language places them where it needs)."""
    translated = gettext(message)
    return translated % values if values else translated


def written_date(value: date | datetime | None, form: str = "medium") -> str:
    """A date as a reader of the current language writes it ("6 déc. 2026", "Dec 6, 2026")."""
    if value is None:
        return ""
    return format_date(value, format=form, locale=_language.get())


def written_datetime(value: datetime | None, form: str = "medium") -> str:
    if value is None:
        return ""
    return format_datetime(value, format=form, locale=_language.get())


def written_number(value: int | float) -> str:
    """A number with the current language's separators ("12 345" in French, "12,345")."""
    return format_decimal(value, locale=_language.get())


def written_percent(whole_percent: int | float) -> str:
    """A percentage the current language's way ("42 %" in French, "42%")."""
    return format_percent(whole_percent / 100, locale=_language.get())


def language_name(code: str | None) -> str:
    """A post's language named in the reader's ("espagnol" for `es` on a French page); the
    code itself when Babel does not know it."""
    if not code:
        return ""
    try:
        named = Locale.parse(code.replace("-", "_")).get_display_name(_language.get())
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return named or code


# A file's size in decimal units (1 kB = 1000 bytes, as Jinja's filesizeformat and the
# upload limits count them), each written the reader's way ("2,5 ko" in French).
_SIZE_UNITS = (
    "digital-kilobyte",
    "digital-megabyte",
    "digital-gigabyte",
    "digital-terabyte",
    "digital-petabyte",
)


def written_size(byte_size: int) -> str:
    """A file's size as a reader of the current language writes it: "820 bytes", "14 kB",
    "1.2 MB" (a decimal under ten, where it tells sizes apart), "1,2 Mo" in French."""
    if byte_size < 1000:
        return ngettext("%(number)s byte", "%(number)s bytes", byte_size) % {
            "number": written_number(byte_size)
        }
    for power, unit in enumerate(_SIZE_UNITS, start=1):
        value = byte_size / 1000**power
        if value < 1000 or unit == _SIZE_UNITS[-1]:
            break
    pattern = "#,##0.0" if value < 10 else "#,##0"
    return format_unit(value, unit, length="short", format=pattern, locale=_language.get())
