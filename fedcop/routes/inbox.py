"""Inboxes: POST /inbox (shared), /u/{name}/inbox, /c/{name}/inbox. See fedcop.inbox.acceptance."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.inbox.acceptance import MAX_BODY_BYTES, Acceptance, InboundRequest
from fedcop.inbox.writer import InboxWriter
from fedcop.observability import metrics
from fedcop.queues import InboundState
from fedcop.routes.responses import json_error, json_response
from fedcop.services import node as node_service
from fedcop.store.inbound import NewInbound

log = logging.getLogger(__name__)

# Why an inbox POST was refused, as a bounded metric label (the message says it in full).
_REFUSAL_REASONS = {
    400: "invalid",
    401: "signature",
    403: "blocked",
    404: "no_such_inbox",
    413: "too_large",
    415: "content_type",
    429: "over_quota",
}


def _count_refusal(status: int) -> None:
    metrics.INBOX_REQUESTS.labels("rejected", _REFUSAL_REASONS.get(status, str(status))).inc()
    if status == 401:
        metrics.SIGNATURE_FAILURES.labels("inbox").inc()


def _count_acceptance(row: NewInbound | None) -> None:
    if row is None:
        reason = "nothing_to_do"
    elif row.state == InboundState.UNVERIFIED:
        reason = "key_to_fetch"  # verified by the inbox worker once it has the key
    else:
        reason = "verified"
    metrics.INBOX_REQUESTS.labels("accepted", reason).inc()


async def _read_body(request: Request) -> bytes | None:
    """The body, or None once it passes the limit (read no further than that)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def inbox(request: Request) -> Response:
    name = request.path_params.get("name")
    if name is not None:
        actor_type = "Group" if request.url.path.startswith("/c/") else "Person"
        if await node_service.find_local_of_type(request.app.state.pool, name, actor_type) is None:
            _count_refusal(404)
            return json_error(f"there is no inbox for {name!r} on this node", 404)
    try:
        body = await _read_body(request)
    except ClientDisconnect:
        _count_refusal(400)
        return json_error("the request body did not arrive", 400)
    if body is None:
        _count_refusal(413)
        return json_error(f"the body is larger than {MAX_BODY_BYTES} bytes", 413)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    inbound = InboundRequest(
        method=request.method,
        target=target,
        headers={key.lower(): value for key, value in request.headers.items()},
        body=body,
        received_at=datetime.now(UTC),
    )
    acceptance: Acceptance = request.app.state.acceptance
    decision = await acceptance.decide(inbound)
    if decision.status >= 400:
        log.info("inbox refused %s: %s %s", target, decision.status, decision.message)
        _count_refusal(decision.status)
        refusal = json_error(decision.message, decision.status)
        if decision.retry_after is not None:
            refusal.headers["Retry-After"] = str(decision.retry_after)
        return refusal
    if decision.row is not None:
        writer: InboxWriter = request.app.state.inbox_writer
        await writer.write(decision.row)
        acceptance.queued(decision.row)
    _count_acceptance(decision.row)
    return json_response({"status": decision.message}, 202)


routes = [
    Route("/inbox", inbox, methods=["POST"]),
    Route("/u/{name}/inbox", inbox, methods=["POST"]),
    Route("/c/{name}/inbox", inbox, methods=["POST"]),
]
