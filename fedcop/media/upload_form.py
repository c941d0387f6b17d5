"""Reading a multipart/form-data upload while it arrives, so the file's limits apply to the
request's bytes as they come (starlette's `request.form()` first spools every file whole).

    read_upload_form(request.stream(), content_type, "file", consume)
      text fields           -> kept (at most MAX_FIELDS, each at most MAX_FIELD_BYTES)
      the part `file_field` -> consume(file_name, chunks, fields_so_far) runs while the part's
                               bytes arrive (e.g. services.media.receive_upload, which refuses
                               as soon as a limit is passed: the rest of the body is not read)
      -> (what consume returned, or None when there was no file; every text field)

Fields sent after the file are returned but were not seen by `consume`; Mastodon apps and
browsers send the file last or first, so callers apply such fields afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from typing import TypeVar

from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, parse_options_header

MAX_FIELDS = 32
MAX_FIELD_BYTES = 64 * 1024
# Chunks waiting between the request and the consumer: enough to keep both busy, little memory.
_QUEUED_CHUNKS = 4

Result = TypeVar("Result")
Consumer = Callable[[str | None, AsyncIterator[bytes], dict[str, str]], Awaitable[Result]]


class UploadFormError(ValueError):
    """The request is not a form fedcop can read; the message says what is wrong."""


class _Part:
    def __init__(self) -> None:
        self.header_name = b""
        self.header_value = b""
        self.headers: dict[bytes, bytes] = {}
        self.name: str | None = None
        self.file_name: str | None = None
        self.is_file = False
        self.data = bytearray()


async def read_upload_form(
    body: AsyncIterable[bytes],
    content_type: str | None,
    file_field: str,
    consume: Consumer[Result],
) -> tuple[Result | None, dict[str, str]]:
    kind, options = parse_options_header(content_type)
    boundary = options.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadFormError("send the file as multipart/form-data")
    fields: dict[str, str] = {}
    # Part headers are bounded by the parser itself (python-multipart: size and count).
    events: list[tuple[str, bytes]] = []
    part = _Part()
    seen_file = False
    # The file part's name as sent, and the fields that came before it.
    file_start: tuple[str | None, dict[str, str]] = (None, {})

    def on_part_begin() -> None:
        nonlocal part
        part = _Part()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        part.header_name += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        part.header_value += data[start:end]

    def on_header_end() -> None:
        part.headers[part.header_name.lower()] = part.header_value
        part.header_name, part.header_value = b"", b""

    def on_headers_finished() -> None:
        nonlocal seen_file, file_start
        _, disposition = parse_options_header(part.headers.get(b"content-disposition"))
        name = disposition.get(b"name")
        part.name = name.decode("utf-8", "replace") if name is not None else None
        sent_name = disposition.get(b"filename")
        part.file_name = sent_name.decode("utf-8", "replace") if sent_name is not None else None
        if part.name == file_field and not seen_file:
            seen_file = part.is_file = True
            file_start = (part.file_name, dict(fields))
            events.append(("begin", b""))

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if part.is_file:
            events.append(("data", data[start:end]))
        elif part.file_name is None:
            part.data += data[start:end]
            if len(part.data) > MAX_FIELD_BYTES:
                raise UploadFormError(f"a form field is larger than {MAX_FIELD_BYTES} bytes")
        # other files than the one asked for are skipped

    def on_part_end() -> None:
        if part.is_file:
            events.append(("end", b""))
        elif part.name is not None and part.file_name is None:
            if len(fields) >= MAX_FIELDS:
                raise UploadFormError(f"the form has more than {MAX_FIELDS} fields")
            fields[part.name] = part.data.decode("utf-8", "replace")

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(_QUEUED_CHUNKS)
    consumer: asyncio.Task[Result] | None = None
    finished = False

    async def chunks() -> AsyncIterator[bytes]:
        while (chunk := await queue.get()) is not None:
            yield chunk

    try:
        async for received in body:
            try:
                parser.write(received)
            except FormParserError as error:
                raise UploadFormError("the form is malformed; send it again") from error
            for event, data in events:
                if event == "begin":
                    file_name, fields_before = file_start
                    consumer = asyncio.ensure_future(consume(file_name, chunks(), fields_before))
                elif consumer is not None and event == "data":
                    await _hand_over(queue, data, consumer)
                elif consumer is not None and event == "end":
                    await _hand_over(queue, None, consumer)
                    finished = True
            events.clear()
        try:
            parser.finalize()
        except FormParserError as error:
            raise UploadFormError("the form is malformed; send it again") from error
        if consumer is None:
            return None, fields
        if not finished:
            raise UploadFormError("the upload was cut off before the file's end; send it again")
        return await consumer, fields
    finally:
        if consumer is not None and not consumer.done():
            consumer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await consumer


async def _hand_over(
    queue: asyncio.Queue[bytes | None], item: bytes | None, consumer: asyncio.Task[Result]
) -> None:
    """Give the consumer the next chunk, unless it stopped (a refusal: raised here)."""
    if consumer.done():
        consumer.result()
        raise UploadFormError("the file was not read to its end")
    putting = asyncio.ensure_future(queue.put(item))
    done, _ = await asyncio.wait({putting, consumer}, return_when=asyncio.FIRST_COMPLETED)
    if putting not in done:
        putting.cancel()
        consumer.result()  # the consumer's refusal
        raise UploadFormError("the file was not read to its end")
