"""/c/{name}/checkins/new: a facilitator writes privately to chosen members.

GET with `member=ID` repeated, or a POST of the facilitator's view's checkboxes (the same
`member` fields, no `content`), shows the form; a POST with `content` sends."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.messages import checkins
from fedcop.store.users import User
from fedcop.web.render import go, not_found, refused, render
from fedcop.web.session import viewer

DEFAULT_TEXT = (
    "Hello {name}, we have not heard from you in the community for a while. "
    "How are you getting on? Is there anything we could do to make it more useful to you? "
    "You can answer here: only I will read it."
)


def _member_ids(values: list[str]) -> list[int]:
    return [int(value) for value in values if value.isdigit() and len(value) < 19]


async def form(request: Request) -> Response:
    current = await viewer(request)
    name = request.path_params["name"]
    if current.user is None:
        return go(f"/login?next=/c/{name}/checkins/new")
    ids = _member_ids(request.query_params.getlist("member"))
    return await _form(request, current.user, name, ids, DEFAULT_TEXT, None)


async def _form(
    request: Request, user: User, name: str, ids: list[int], text: str, error: str | None
) -> Response:
    try:
        desk = await checkins.desk(request.app.state.pool, name, user, ids)
    except checkins.NotAllowed as problem:
        return await refused(request, str(problem), 403)
    except NotFound as problem:
        return await not_found(request, str(problem))
    return await render(
        request,
        "messages/checkin.html",
        400 if error else 200,
        desk=desk,
        text=text,
        error=error,
        sent=request.query_params.get("sent"),
    )


async def send(request: Request, user: User, data: FormData) -> Response:
    name = request.path_params["name"]
    ids = _member_ids([str(value) for value in data.getlist("member")])
    if "content" not in data:
        # Members chosen on the facilitator's view (its form posts here): the message to write.
        return await _form(request, user, name, ids, DEFAULT_TEXT, None)
    text = str(data.get("content", ""))
    try:
        sent = await checkins.send(
            request.app.state.pool, request.app.state.config, name, user, ids, text
        )
    except checkins.NotAllowed as problem:
        return await refused(request, str(problem), 403)
    except NotFound as problem:
        return await not_found(request, str(problem))
    except InvalidInput as problem:
        return await _form(request, user, name, ids, text, str(problem))
    query = "&".join(f"member={member_id}" for member_id in ids)
    return go(f"/c/{name}/checkins/new?{query}&sent={len(sent)}")
