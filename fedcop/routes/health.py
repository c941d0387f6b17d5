"""Operations endpoints: /healthz (the node can serve), /readyz (it can do all its work), /metrics.

/healthz  200 {"status": "ok"} when the node can serve: the process answers and its database
          answers a query; 503 {"status": "unavailable", "error": ...} with Retry-After when the
          database is away (serve restarts an embedded one itself, and exits non-zero when it
          cannot: a process supervisor restarts fedcop when the process is gone, and a liveness
          probe may restart it after /healthz has failed for a few minutes)
/readyz   200 {"status": "ready", "checks": {...}}, or 503 with "error" saying what is wrong
          (database, migrations, this process's queue workers): send it no traffic until ready
/metrics  Prometheus text; only for FEDCOP_METRICS_ALLOW addresses (after trusted-proxy
          resolution, so a request relayed by the reverse proxy counts as its real client)
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.config import Config
from fedcop.db.outage import RETRY_AFTER_SECONDS
from fedcop.observability import metrics
from fedcop.observability.proxies import address_in
from fedcop.routes.responses import json_error, json_response
from fedcop.services import operations
from fedcop.services.media import lifecycle as media_lifecycle

NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> Response:
    problem = await operations.database_problem(request.app.state.pool)
    if problem is None:
        return json_response({"status": "ok"}, headers=NO_STORE)
    headers = {**NO_STORE, "Retry-After": str(RETRY_AFTER_SECONDS)}
    return json_response({"status": "unavailable", "error": problem}, 503, headers=headers)


async def readyz(request: Request) -> Response:
    state = request.app.state
    result = await operations.readiness(state.pool, getattr(state, "running_workers", []))
    if result.ready:
        return json_response({"status": "ready", "checks": result.checks}, headers=NO_STORE)
    body = {"status": "unavailable", "error": "; ".join(result.problems), "checks": result.checks}
    headers = dict(NO_STORE)
    if result.checks.get("database") != "ok":  # passes by itself: worth asking again soon
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return json_response(body, 503, headers=headers)


async def metrics_page(request: Request) -> Response:
    config: Config = request.app.state.config
    client = request.client.host if request.client else ""
    if not address_in(client, config.metrics_allow):
        return json_error(
            f"/metrics is not open to {client or 'this client'}: add it to FEDCOP_METRICS_ALLOW",
            403,
        )
    queues, hosts = await operations.scrape_gauges(request.app.state.pool)
    storage = await media_lifecycle.storage_totals(request.app.state.pool)
    body = metrics.render(queues, hosts, storage)
    return Response(body, headers=NO_STORE, media_type=metrics.CONTENT_TYPE)


routes = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/readyz", readyz, methods=["GET", "HEAD"]),
    Route("/metrics", metrics_page, methods=["GET"]),
]
