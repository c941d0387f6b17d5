"""Read markers, shared between a user's apps.

GET  /api/v1/markers?timeline[]=home&timeline[]=notifications     read:statuses
POST /api/v1/markers  home[last_read_id]=... notifications[last_read_id]=...   write:statuses
     (or JSON {"home": {"last_read_id": "..."}}, which the parameters flatten the same way)
"""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import timestamp
from fedcop.api.errors import ApiError
from fedcop.routes.responses import json_response
from fedcop.services import markers
from fedcop.store.markers import Marker


def _entities(found: list[Marker]) -> dict[str, dict[str, object]]:
    return {
        marker.timeline: {
            "last_read_id": str(marker.last_read_id),
            "version": marker.version,
            "updated_at": timestamp(marker.updated_at),
        }
        for marker in found
    }


@endpoint("read:statuses", user=True)
async def show(call: Call) -> Response:
    found = await markers.of(call.pool, call.me().actor.id, call.params.texts("timeline"))
    return json_response(_entities(found))


@endpoint("write:statuses", user=True)
async def save(call: Call) -> Response:
    positions = {}
    for timeline in markers.TIMELINES:
        value = call.params.id(f"{timeline}[last_read_id]")
        if value is not None:
            positions[timeline] = value
    if not positions:
        raise ApiError(
            422, "Give home[last_read_id] or notifications[last_read_id]: nothing to save"
        )
    return json_response(_entities(await markers.save(call.pool, call.me().actor.id, positions)))


routes: list[BaseRoute] = [
    Route("/api/v1/markers", show, methods=["GET"]),
    Route("/api/v1/markers", save, methods=["POST"]),
]
