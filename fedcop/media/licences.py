"""The licences a member chooses from when sharing a file in a community's library."""

from __future__ import annotations

from dataclasses import dataclass

from fedcop.i18n.current import N_


@dataclass(frozen=True)
class Licence:
    code: str  # stored in media.licence
    name: str  # shown through _(): the sentences are marked N_, "CC BY 4.0" reads the same
    url: str | None  # the licence's text, linked where the file is listed


LICENCES: tuple[Licence, ...] = (
    Licence("all-rights-reserved", N_("All rights reserved"), None),
    Licence("cc-by-4.0", "CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
    Licence("cc-by-sa-4.0", "CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
    Licence("cc-by-nc-4.0", "CC BY-NC 4.0", "https://creativecommons.org/licenses/by-nc/4.0/"),
    Licence(
        "cc-by-nc-sa-4.0", "CC BY-NC-SA 4.0", "https://creativecommons.org/licenses/by-nc-sa/4.0/"
    ),
    Licence("cc-by-nd-4.0", "CC BY-ND 4.0", "https://creativecommons.org/licenses/by-nd/4.0/"),
    Licence(
        "cc-by-nc-nd-4.0", "CC BY-NC-ND 4.0", "https://creativecommons.org/licenses/by-nc-nd/4.0/"
    ),
    Licence(
        "cc0-1.0", N_("CC0 (public domain)"), "https://creativecommons.org/publicdomain/zero/1.0/"
    ),
)
DEFAULT_LICENCE = "all-rights-reserved"
_BY_CODE = {licence.code: licence for licence in LICENCES}


def licence_named(code: str) -> Licence | None:
    """The licence stored as `code`, or None for a code that is not one of ours."""
    return _BY_CODE.get(code)
