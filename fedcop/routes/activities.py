"""GET /activities/{n}: every activity this node publishes is fetchable at its id."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.routes.authorized_fetch import members_only_refusal, refusal
from fedcop.routes.direct_fetch import participant_refusal
from fedcop.routes.responses import ACTIVITY_JSON, json_error
from fedcop.services import node as node_service
from fedcop.services.messages import reading as messages_reading


async def activity(request: Request) -> Response:
    refused = await refusal(request)
    if refused is not None:
        return refused
    uri = request.app.state.config.base_url + request.url.path
    found = await node_service.published_activity(request.app.state.pool, uri)
    if found is None:
        return json_error("there is no such activity on this node", 404)
    message_id = await messages_reading.carried_by(request.app.state.pool, uri)
    if message_id is not None:
        # The Create or Delete of a direct message: its participants' alone.
        refused = await participant_refusal(request, message_id)
        if refused is not None:
            return json_error("there is no such activity on this node", 404)
    body, members_of = found
    if members_of is not None:
        refused = await members_only_refusal(request, members_of)
        if refused is not None:
            return refused
    return Response(body, media_type=ACTIVITY_JSON, headers={"Vary": "Accept, Signature"})


routes = [Route("/activities/{number:id}", activity)]
