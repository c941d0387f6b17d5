"""Why an upload, or attaching it, is refused: a sentence for the uploader (and whether the
file was too large)."""

from __future__ import annotations

from fedcop.i18n.current import _, gettext, ngettext
from fedcop.services.errors import InvalidInput
from fedcop.store.media import AttachmentRefused


class UploadRefused(InvalidInput):
    """Nothing was stored and no row written (or, when processing refused it, both were
    removed). `too_large`: the file or the account's quota was passed (HTTP 413 rather than
    422)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def attachment_refused(refusal: AttachmentRefused) -> InvalidInput:
    """The refusal to attach files, as a sentence in the uploader's language."""
    details = refusal.details
    if refusal.reason == "too_many":
        most = int(str(details["most"]))
        return InvalidInput(
            ngettext(
                "At most %(most)s file can be attached; remove %(extra)s.",
                "At most %(most)s files can be attached; remove %(extra)s.",
                most,
            )
            % {"most": most, "extra": details["extra"]}
        )
    if refusal.reason == "twice":
        return InvalidInput(_("The same file is attached twice; attach each file once."))
    if refusal.reason == "not_yours":
        return InvalidInput(
            _(
                "File %(id)s is not one of your uploads; upload it first, then attach it.",
                id=details["id"],
            )
        )
    if refusal.reason == "processing":
        return InvalidInput(
            _("%(name)s is still being processed; try again in a moment.", name=details["name"])
        )
    failure = details.get("failure")
    return InvalidInput(
        _(
            "%(name)s could not be processed (%(failure)s); upload another copy.",
            name=details["name"],
            # a failure kept in English by the processing is translated here when it can be
            failure=gettext(str(failure)) if failure else _("unreadable"),
        )
    )
