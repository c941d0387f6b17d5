"""Who may fetch a direct message (its Note at /p/N, and the activities that carry it at
/activities/N): a signed GET by its author or one of its recipients, whatever
FEDCOP_AUTHORIZED_FETCH says. Anyone else — unsigned, another person, another server — is
answered 404, exactly as for something that does not exist, so nobody learns it is there."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedcop.routes.authorized_fetch import verified_signer
from fedcop.routes.responses import json_error
from fedcop.services.messages import reading


async def participant_refusal(request: Request, post_id: int) -> Response | None:
    """None when the signer takes part in the message; otherwise the 404 to send."""
    signer = await verified_signer(request)
    if isinstance(signer, Response) or not await reading.takes_part(
        request.app.state.pool, post_id, signer.actor_uri
    ):
        return json_error("there is no such post on this node", 404)
    return None
