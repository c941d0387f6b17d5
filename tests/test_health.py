"""/healthz and /readyz, as a load balancer or an orchestrator reads them."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from fedcop.db.migrate import discover


async def test_healthz_says_ok(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["cache-control"] == "no-store"


async def test_readyz_is_ready_with_a_migrated_database_and_live_workers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert body["checks"] == {"database": "ok", "migrations": "ok", "workers": "ok"}


async def test_readyz_is_503_when_a_migration_is_not_applied(
    client: httpx.AsyncClient, app: Any
) -> None:
    # Given a database one migration behind the code (its row gone, as before an upgrade)
    latest = discover()[-1]
    async with app.state.pool.acquire() as conn:
        await conn.execute("DELETE FROM schema_migrations WHERE version = $1", latest.version)
    # When the orchestrator asks whether the node is ready
    response = await client.get("/readyz")
    # Then it is not, and the answer says which migration and what to do
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert "fedcop migrate" in body["error"]
    assert f"{latest.version:04d}_{latest.name}" in body["checks"]["migrations"]
    assert body["checks"]["database"] == "ok"
    # and /healthz still says the process is up (no restart needed, only a migration)
    assert (await client.get("/healthz")).status_code == 200


async def test_readyz_is_503_when_a_worker_stops_ticking(
    client: httpx.AsyncClient, app: Any
) -> None:
    app.state.delivery_worker.heartbeat -= 10_000  # as if stuck for hours
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert "delivery worker is stuck" in response.json()["error"]
    assert "delivery: no tick for" in response.json()["checks"]["workers"]


async def test_readyz_is_503_when_a_worker_has_died(client: httpx.AsyncClient, app: Any) -> None:
    inbox = app.state.running_workers[0]
    inbox.task.cancel()
    await asyncio.wait([inbox.task])
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"] == "the inbox worker has stopped"


async def test_readyz_without_workers_in_the_process_checks_the_database_only(
    config: Any, dsn: str
) -> None:
    from fedcop.app import create_app

    app = create_app(config, dsn, run_workers=False)  # a web-only process (serve --no-workers)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
            response = await http.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["workers"] == "none in this process"
