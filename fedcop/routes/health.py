"""Operations endpoints: /healthz (the process answers), /readyz (it can do its work), /metrics.

/healthz  200 {"status": "ok"} whenever the process serves HTTP: restart it if not
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
from fedcop.observability import metrics
from fedcop.observability.proxies import address_in
from fedcop.routes.responses import json_error, json_response
from fedcop.services import operations

NO_STORE = {"Cache-Control": "no-store"}


async def healthz(request: Request) -> Response:
    return json_response({"status": "ok"}, headers=NO_STORE)


async def readyz(request: Request) -> Response:
    state = request.app.state
    result = await operations.readiness(state.pool, getattr(state, "running_workers", []))
    if result.ready:
        return json_response({"status": "ready", "checks": result.checks}, headers=NO_STORE)
    body = {"status": "unavailable", "error": "; ".join(result.problems), "checks": result.checks}
    return json_response(body, 503, headers=NO_STORE)


async def metrics_page(request: Request) -> Response:
    config: Config = request.app.state.config
    client = request.client.host if request.client else ""
    if not address_in(client, config.metrics_allow):
        return json_error(
            f"/metrics is not open to {client or 'this client'}: add it to FEDCOP_METRICS_ALLOW",
            403,
        )
    queues, hosts = await operations.scrape_gauges(request.app.state.pool)
    body = metrics.render(queues, hosts)
    return Response(body, headers=NO_STORE, media_type=metrics.CONTENT_TYPE)


routes = [
    Route("/healthz", healthz, methods=["GET", "HEAD"]),
    Route("/readyz", readyz, methods=["GET", "HEAD"]),
    Route("/metrics", metrics_page, methods=["GET"]),
]
