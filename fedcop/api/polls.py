"""Polls in the client API, as Mastodon's: the `poll` of statuses, and

POST /api/v1/statuses  poll[options][], poll[expires_in], poll[multiple], poll[hide_totals]
                                                              a new thread with a poll
GET  /api/v1/polls/:id                       read:statuses    (no token needed for public posts)
POST /api/v1/polls/:id/votes                 write:statuses   choices[]: the options' indexes

A poll's id is its status's. A poll the caller may not read answers 404, like one that does not
exist; a vote the poll refuses (ended, already voted, an option it does not have, several on a
single-choice poll) answers 422 and changes nothing.
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import timestamp
from fedcop.api.errors import ApiError, not_found
from fedcop.api.params import Params
from fedcop.routes.responses import json_response
from fedcop.services import statuses
from fedcop.services.polls import views as poll_views
from fedcop.services.polls import voting
from fedcop.services.polls.drafts import DEFAULT_DURATION, PollDraft
from fedcop.services.polls.views import PollView


def poll_draft(params: Params) -> PollDraft | None:
    """The poll asked for with a new status; None when it asks for none."""
    options = params.texts("poll[options]")
    if not options:
        if any(f"poll[{key}]" in params for key in ("expires_in", "multiple", "hide_totals")):
            raise ApiError(422, "Validation failed: a poll needs options")
        return None
    return PollDraft(
        options=options,
        expires_in=params.number("poll[expires_in]", DEFAULT_DURATION) or DEFAULT_DURATION,
        multiple=params.flag("poll[multiple]"),
        hide_totals=params.flag("poll[hide_totals]"),
    )


def poll_entity(post_id: int, view: PollView) -> dict[str, Any]:
    """Mastodon's Poll entity; counts are null while hidden until the end."""
    poll = view.poll
    entity: dict[str, Any] = {
        "id": str(post_id),
        "expires_at": timestamp(poll.ends_at),
        "expired": view.ended,
        "multiple": poll.multiple,
        "votes_count": view.votes_count,
        "voters_count": poll.voters_count,
        "options": [
            {
                "title": option.title,
                "votes_count": option.votes_count if view.shows_counts else None,
            }
            for option in poll.options
        ],
        "emojis": [],
    }
    if view.own_choices is not None:
        entity["voted"] = view.voted
        entity["own_votes"] = view.own_choices
    return entity


async def attach_polls(pool: Any, viewer_id: int | None, entities: list[dict[str, Any]]) -> None:
    """Set the `poll` of the statuses (and of the statuses they boost) that carry one."""
    shown = [entity.get("reblog") or entity for entity in entities]
    ids = [int(entity["id"]) for entity in shown]
    found = await poll_views.views(pool, viewer_id, ids)
    for entity in shown:
        view = found.get(int(entity["id"]))
        if view is not None:
            entity["poll"] = poll_entity(int(entity["id"]), view)


async def _shown(call: Call, post_id: int) -> Response:
    viewer_id = call.user.actor.id if call.user is not None else None
    view = await poll_views.view(call.pool, viewer_id, post_id)
    if view is None:
        raise not_found()
    return json_response(poll_entity(post_id, view))


@endpoint("read:statuses")
async def show(call: Call) -> Response:
    post = await statuses.visible(call.pool, call.user, call.path_id())
    return await _shown(call, post.id)


@endpoint("write:statuses", user=True)
async def votes(call: Call) -> Response:
    choices = []
    for choice in call.params.texts("choices"):
        if not choice.strip().isdigit() or len(choice.strip()) > 3:
            raise ApiError(422, "choices must be the indexes of the poll's options")
        choices.append(int(choice))
    await voting.vote(call.pool, call.config, call.me(), call.path_id(), choices)
    return await _shown(call, call.path_id())


routes: list[BaseRoute] = [
    Route("/api/v1/polls/{id}", show, methods=["GET"]),
    Route("/api/v1/polls/{id}/votes", votes, methods=["POST"]),
]
