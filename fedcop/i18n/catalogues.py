"""The translated sentences of each language, read from the `.po` files kept in the repository.

`fedcop/locale/LANG/LC_MESSAGES/messages.po` is the catalogue translators edit; it is compiled in
memory (Babel) the first time a language is asked for, so a checkout or a fresh `pip install`
needs no build step and no `.mo` file can go stale. English is the language the interface is
written in: its catalogue is the text itself.
"""

from __future__ import annotations

import functools
import gettext
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from fedcop.i18n.languages import DEFAULT, supported

LOCALE = Path(__file__).parent.parent / "locale"
DOMAIN = "messages"


def catalogue_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalogue of `language` (English, or an unknown language: the text as is)."""
    if language == DEFAULT or not supported(language):
        return gettext.NullTranslations()
    with catalogue_path(language).open("rb") as source:
        catalogue = read_po(source, locale=language, domain=DOMAIN)
    compiled = BytesIO()
    # Fuzzy entries are a translator's unchecked guess: they stay out, as msgfmt leaves them.
    write_mo(compiled, catalogue, use_fuzzy=False)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)
