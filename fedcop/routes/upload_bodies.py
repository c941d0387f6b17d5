"""Reading a form that carries files (a composer's attachments, an app's upload), never more
than the largest body it may be: the declared length is checked before reading, and the bytes
are counted as they arrive (a body sent in chunks declares none)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.types import Message

from fedcop.config import Config
from fedcop.i18n.current import _, ngettext, written_number
from fedcop.media.settings import MIB

# Room for the form's other fields and the multipart framing, beside the files.
FORM_ROOM = 1 * MIB


class BodyTooLarge(Exception):
    """The body is larger than any upload may be; the message says the limit."""


class NotAForm(Exception):
    """The body is not a form that can be read (malformed, or too many files or fields)."""


def largest_file(config: Config) -> int:
    return max(config.media.max_image_bytes, config.media.max_file_bytes)


def too_large_message(config: Config) -> str:
    return _(
        "the files are too large: a picture may weigh %(picture)s, another file %(file)s",
        picture=_mb(config.media.max_image_bytes),
        file=_mb(config.media.max_file_bytes),
    )


def _mb(size: int) -> str:
    return _("%(number)s MB", number=written_number(round(size / MIB, 1)))


def counted_request(request: Request, limit: int, too_large: str) -> Request:
    """The request, its body read at most `limit` bytes: BodyTooLarge(`too_large`) when its
    declared length or the bytes received so far pass it."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(too_large)
    received = 0
    receive = request.receive

    async def counted() -> Message:
        nonlocal received
        message = await receive()
        if message.get("type") == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(too_large)
        return message

    return Request(request.scope, counted)


async def bounded_form(request: Request, config: Config, *, max_files: int) -> FormData:
    """The request's form, with at most `max_files` files, each within the largest file
    allowed (the upload service checks each against its own kind's limit)."""
    limit = largest_file(config) * max(max_files, 1) + FORM_ROOM
    bounded = counted_request(request, limit, too_large_message(config))
    try:
        return await bounded.form(max_files=max_files, max_fields=100)
    except BodyTooLarge:
        raise
    except Exception:  # a malformed form, or more files than allowed: the sender's error
        raise NotAForm(
            ngettext(
                "the form could not be read: send at most %(count)s file with it",
                "the form could not be read: send at most %(count)s files with it",
                max_files,
            )
            % {"count": max_files}
        ) from None
