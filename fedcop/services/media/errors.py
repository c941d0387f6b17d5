"""Why an upload is refused: a sentence for the uploader, and whether it was too large."""

from __future__ import annotations

from fedcop.services.errors import InvalidInput


class UploadRefused(InvalidInput):
    """Nothing was stored and no row written (or, when processing refused it, both were
    removed). `too_large`: the file or the account's quota was passed (HTTP 413 rather than
    422)."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large
