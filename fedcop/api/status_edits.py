"""Editing a status, and what it was.

PUT /api/v1/statuses/:id             write:statuses   own posts only: status, spoiler_text,
                                                      sensitive, language, media_ids[] (the
                                                      files it carries now) and
                                                      media_attributes[][id|description]
                                                      (their alt text); no poll
GET /api/v1/statuses/:id/source      read:statuses    StatusSource: the text to edit
GET /api/v1/statuses/:id/history     read:statuses    StatusEdit list, oldest first, current last

A post the caller may not read answers 404, exactly like one that does not exist; one they may
read but did not write answers 403 to an edit, as Mastodon does.
"""

from __future__ import annotations

import re
from dataclasses import replace

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import account, acct, timestamp
from fedcop.api.errors import ApiError, not_found
from fedcop.api.media import file_change
from fedcop.api.status_entities import content_of, media_attachments, render_status, source_text
from fedcop.routes.responses import json_response
from fedcop.services import status_edits, status_views
from fedcop.store.actors import Actor
from federation.html import to_text

# ISO 639 codes as apps send them ("en", "fr", "pt-BR", "zh-Hant").
_LANGUAGE = re.compile(r"[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*")


@endpoint("write:statuses", user=True)
async def update(call: Call) -> Response:
    params = call.params
    if "poll" in params or "poll[options]" in params:
        raise ApiError(422, "Polls are not supported here")
    language = params.text("language")
    if language and not _LANGUAGE.fullmatch(language):
        raise ApiError(422, f"Validation failed: {language!r} is not a language code")
    change = status_edits.Change(
        text=params.text("status") or "",
        spoiler_text=params.text("spoiler_text") or "",
        sensitive=params.flag("sensitive") if "sensitive" in params else None,
        files=file_change(params),
    )
    me = call.me()
    try:
        edited = await status_edits.update(call.pool, call.config, me, call.path_id(), change)
    except status_edits.NotYours:
        raise ApiError(403, "This action is not allowed") from None
    rendered = await render_status(call.pool, call.config, me, edited)
    if rendered is None:
        raise not_found()
    return json_response(rendered)


@endpoint("read:statuses")
async def source(call: Call) -> Response:
    post, community = await status_edits.readable(call.pool, call.user, call.path_id())
    return json_response(
        {
            "id": str(post.id),
            "text": source_text(post, acct(community) if community is not None else ""),
            "spoiler_text": to_text(post.summary) if post.summary else "",
        }
    )


@endpoint("read:statuses")
async def history(call: Call) -> Response:
    post, versions = await status_edits.history(call.pool, call.user, call.path_id())
    cards = await status_views.account_cards(call.pool, [await _author(call, post.author_id)])
    author = account(cards[post.author_id], call.config)
    return json_response(
        [
            {
                "content": content_of(
                    replace(post, title=version.title or post.title, content=version.content)
                ),
                "spoiler_text": to_text(version.summary) if version.summary else "",
                "sensitive": version.sensitive or bool(version.summary),
                "created_at": timestamp(version.written_at),
                "account": author,
                "poll": None,
                # Earlier versions' files are not kept: the current version shows its own.
                "media_attachments": (
                    media_attachments(post, call.config) if version is versions[-1] else []
                ),
                "emojis": [],
            }
            for version in versions
        ]
    )


async def _author(call: Call, actor_id: int) -> Actor:
    found = await status_views.actors(call.pool, [actor_id])
    return found[actor_id]


routes: list[BaseRoute] = [
    Route("/api/v1/statuses/{id}", update, methods=["PUT"]),
    Route("/api/v1/statuses/{id}/source", source, methods=["GET"]),
    Route("/api/v1/statuses/{id}/history", history, methods=["GET"]),
]
