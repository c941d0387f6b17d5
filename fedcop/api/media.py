"""Uploads from Mastodon apps.

POST /api/v2/media          write:media   multipart `file` (+ `description`; `focus`, `thumbnail`
                                          accepted and ignored): 200 with the MediaAttachment when
                                          it is ready at once, 202 with `url` null while processing
POST /api/v1/media          write:media   the same, answered once processed (200)
GET  /api/v1/media/:id      write:media   206 while processing, 200 ready, 422 when processing
                                          refused the file; 404 for an upload that is not yours
PUT  /api/v1/media/:id      write:media   `description` (alt text); `focus` accepted and ignored;
                                          404 once attached (edit the status instead), as Mastodon
DELETE /api/v1/media/:id    write:media   an upload never attached: deleted (its bytes queued);
                                          422 once attached

The file is sent to the upload service (services.member_uploads, over media-core's), which
checks its size against the limits and the account's quota before a byte is stored, and its
type from its bytes. A refusal is a 422 (413 for a body larger than any file may be) with a
sentence saying why; nothing is stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, access_of, endpoint
from fedcop.api.errors import ApiError, not_found
from fedcop.api.media_entities import attachment_entity
from fedcop.api.params import Params, checked_text, parse_id
from fedcop.i18n.current import _, gettext
from fedcop.media.upload_form import UploadFormError, read_upload_form
from fedcop.routes.responses import json_response
from fedcop.routes.upload_bodies import FORM_ROOM, largest_file, too_large_message
from fedcop.services import oauth
from fedcop.services.errors import InvalidInput, NotFound, ServiceError
from fedcop.services.media import member_uploads
from fedcop.services.media.post_files import MAX_DESCRIPTION, FileChange
from fedcop.store.media.rows import Media

SCOPE = "write:media"


def media_ids(params: Params) -> tuple[int, ...]:
    """`media_ids[]` of a status, as ids (a client's unknown id is refused by the service)."""
    return tuple(parse_id(value, "media_ids") for value in params.texts("media_ids") if value)


def file_change(params: Params) -> FileChange | None:
    """An edit's files: `media_ids[]` (the files the status carries now, in order; an empty list
    removes them all) and `media_attributes[][id|description]` (new alt text; `focus` and
    `thumbnail` are ignored). None when the edit mentions neither: the files stay."""
    attributes = params.indexed("media_attributes")
    if "media_ids" not in params and attributes is None:
        return None
    ids = [parse_id(value, "media_ids") for value in params.texts("media_ids") if value]
    descriptions: dict[int, str] = {}
    for row in attributes or []:
        raw_id = row.get("id")
        if not isinstance(raw_id, str | int) or isinstance(raw_id, bool):
            raise ApiError(422, "media_attributes needs the id of each file it describes")
        media_id = parse_id(str(raw_id), "media_attributes[][id]")
        if "media_ids" not in params:
            ids.append(media_id)
        description = row.get("description")
        if isinstance(description, str):
            if len(description) > MAX_DESCRIPTION:
                raise ApiError(
                    422,
                    f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION})",
                )
            descriptions[media_id] = description
    return FileChange(media_ids=ids, descriptions=descriptions)


def media_entity(media: Media, call_config: Any) -> dict[str, Any]:
    """The MediaAttachment of an upload of the caller's."""
    entry = member_uploads.entry_of(call_config, media)
    return attachment_entity(entry, call_config, fallback_id=str(media.id), ready=media.is_ready)


def _upload_endpoint(*, wait: bool) -> Callable[[Request], Awaitable[Response]]:
    """POST /api/v1|v2/media: the bearer token's checks as every endpoint's (api.auth), then
    the multipart body read as it arrives (fedcop.media.upload_form), its file handed to the
    upload service chunk by chunk: a file past its limit stops the reading."""

    async def route(request: Request) -> Response:
        try:
            access = await access_of(request)
            if access is None:
                raise ApiError(401, "The access token is invalid")
            if access.user is None:
                raise ApiError(422, "This method requires an authenticated user")
            if not oauth.grants(access.scopes, SCOPE):
                raise ApiError(403, "This action is outside the authorized scopes")
            owner_id = access.user.actor.id
            config = request.app.state.config
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > largest_file(config) + FORM_ROOM:
                raise ApiError(413, too_large_message(config))

            async def consume(
                file_name: str | None, chunks: AsyncIterator[bytes], before: dict[str, str]
            ) -> Media:
                return await member_uploads.receive(
                    request.app.state.pool, config, request.app.state, owner_id=owner_id,
                    chunks=chunks, file_name=file_name, description=_description(before),
                    wait=wait,
                )  # fmt: skip

            try:
                media, fields = await read_upload_form(
                    request.stream(), request.headers.get("content-type"), "file", consume
                )
            except UploadFormError as error:
                raise ApiError(422, f"Validation failed: {error}") from None
            if media is None:
                raise ApiError(422, "Validation failed: File can't be blank")
            after = _description(fields)
            if after and after != media.description:  # sent after the file
                media = await member_uploads.describe(
                    request.app.state.pool, owner_id=owner_id, media_id=media.id,
                    description=after,
                )  # fmt: skip
            status = 200 if media.is_ready else 202
            return json_response(media_entity(media, config), status)
        except ApiError as error:
            return error.response()
        except NotFound as error:
            return ApiError(404, str(error) or "Record not found").response()
        except (InvalidInput, ServiceError) as error:
            return ApiError(422, str(error)).response()

    return route


def _description(fields: dict[str, str]) -> str:
    text = checked_text("description", fields.get("description") or "")
    if len(text) > MAX_DESCRIPTION:
        raise ApiError(
            422, f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION})"
        )
    return text.strip()


@endpoint(SCOPE, user=True)
async def show(call: Call) -> Response:
    media = await _own(call)
    if media.state == "failed":
        raise ApiError(
            422, gettext(media.failure) if media.failure else _("The file could not be processed")
        )
    return json_response(media_entity(media, call.config), 200 if media.is_ready else 206)


@endpoint(SCOPE, user=True)
async def update(call: Call) -> Response:
    media = await _own(call)
    if media.attached_at is not None:
        # As Mastodon: a file in a post is described through the post's edit
        # (media_attributes), which sends the change to where the post went.
        raise not_found()
    description = call.params.text("description")
    if description is not None:
        if len(description) > MAX_DESCRIPTION:
            raise ApiError(
                422, f"Validation failed: Description is too long (maximum is {MAX_DESCRIPTION})"
            )
        media = await member_uploads.describe(
            call.pool, owner_id=call.me().actor.id, media_id=media.id, description=description
        )
    return json_response(media_entity(media, call.config), 200 if media.is_ready else 206)


@endpoint(SCOPE, user=True)
async def delete(call: Call) -> Response:
    media = await _own(call)
    if media.attached_at is not None:
        raise ApiError(422, "Media attachment is currently used by a status")
    await member_uploads.discard(call.pool, call.me().actor.id, [media.id])
    return json_response({})


async def _own(call: Call) -> Media:
    try:
        return await member_uploads.own(call.pool, call.me().actor.id, call.path_id())
    except NotFound:
        raise not_found() from None


routes: list[BaseRoute] = [
    Route("/api/v2/media", _upload_endpoint(wait=False), methods=["POST"]),
    Route("/api/v1/media", _upload_endpoint(wait=True), methods=["POST"]),
    Route("/api/v1/media/{id}", show, methods=["GET"]),
    Route("/api/v1/media/{id}", update, methods=["PUT"]),
    Route("/api/v1/media/{id}", delete, methods=["DELETE"]),
]
