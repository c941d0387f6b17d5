"""/metrics: Prometheus text an operator's scraper reads, restricted to allowed addresses."""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import orjson
from prometheus_client.parser import text_string_to_metric_families

from fedcop.app import create_app
from fedcop.services import accounts, outbox
from federation.keys import generate_key_pair, load_private_key
from federation.signatures import sign_request
from tests.conftest import make_config
from tests.processes import Serve, clean_env, free_port

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    found: Samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


@contextlib.asynccontextmanager
async def node(
    dsn: str, client: tuple[str, int] = ("127.0.0.1", 5000), **settings: Any
) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    config = make_config(**settings)
    app = create_app(config, dsn, run_workers=False)  # queues drained by hand below
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
            yield app, http


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return samples(response.text)


def signed_post(base: str, body: bytes) -> dict[str, str]:
    """Headers of a POST to /inbox signed by a stranger whose key the node has never seen."""
    key = load_private_key(generate_key_pair().private_pem)
    return {
        "Content-Type": "application/activity+json",
        **sign_request("POST", base + "/inbox", body, "https://stranger.test/u/s#main-key", key),
    }


async def test_requests_inbox_posts_and_queues_are_counted(dsn: str) -> None:
    async with node(dsn) as (app, http):
        before = await scrape(http)
        # Given some page views, an unsigned inbox POST and a signed one from a stranger
        for _ in range(3):
            assert (await http.get("/c/nobody")).status_code == 404
        unsigned = await http.post(
            "/inbox", content=b"{}", headers={"Content-Type": "application/activity+json"}
        )
        assert unsigned.status_code == 401
        activity = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": "https://stranger.test/activities/1",
            "type": "Follow",
            "actor": "https://stranger.test/u/s",
            "object": "https://alpha.test/u/nobody",
        }
        body = orjson.dumps(activity)
        accepted = await http.post(
            "/inbox", content=body, headers=signed_post(app.state.config.base_url, body)
        )
        assert accepted.status_code == 202, accepted.text
        # When the scraper reads /metrics
        after = await scrape(http)

    # Then requests are counted by route template (never the raw path) and status
    route = {"method": "GET", "route": "/c/{name}", "status": "404"}
    assert (
        value(after, "fedcop_http_requests_total", **route)
        - value(before, "fedcop_http_requests_total", **route)
        == 3
    )
    assert not any("/c/nobody" in str(labels) for (_, labels) in after)

    # inbox outcomes by reason, and the signature failure
    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("fedcop_inbox_requests_total", outcome="rejected", reason="signature") == 1
    assert moved("fedcop_inbox_requests_total", outcome="accepted", reason="key_to_fetch") == 1
    assert moved("fedcop_signature_failures_total", stage="inbox") == 1
    # and the queue read from the database at scrape time holds the accepted activity
    assert value(after, "fedcop_queue_depth", queue="inbound_activities") == 1
    assert value(after, "fedcop_queue_oldest_age_seconds", queue="inbound_activities") >= 0
    assert value(after, "fedcop_queue_depth", queue="deliveries") == 0


async def test_delivery_outcomes_and_failing_hosts_are_counted(dsn: str) -> None:
    async with node(dsn) as (app, http):
        before = await scrape(http)
        # Given a delivery to an inbox nothing listens at
        user = await accounts.create_user(app.state.pool, app.state.config, "ana", "long enough")
        dead_inbox = f"https://127.0.0.1:{free_port()}/inbox"
        async with app.state.pool.acquire() as conn:
            await outbox.publish(
                conn, app.state.config, user, {"type": "Update", "object": user.uri}, [dead_inbox]
            )
        queued = await scrape(http)
        assert value(queued, "fedcop_queue_depth", queue="deliveries") == 1
        # When the delivery worker tries it
        assert await app.state.delivery_worker.run_once() == 1
        after = await scrape(http)

    # Then the attempt is counted as a retry and the host as failing
    retries = value(after, "fedcop_deliveries_total", outcome="retry")
    assert retries - value(before, "fedcop_deliveries_total", outcome="retry") == 1
    assert value(after, "fedcop_hosts", state="failing") == 1
    assert value(after, "fedcop_host_failure_days", host="127.0.0.1") == 1
    assert value(after, "fedcop_queue_depth", queue="deliveries") == 1  # waiting to retry


async def test_metrics_are_refused_to_addresses_not_allowed(dsn: str) -> None:
    async with node(dsn, client=("203.0.113.7", 4000)) as (_, http):
        response = await http.get("/metrics")
        assert response.status_code == 403
        assert "FEDCOP_METRICS_ALLOW" in response.json()["error"]
        assert "fedcop_http_requests" not in response.text


async def test_an_allowed_network_may_scrape(dsn: str) -> None:
    private = (ipaddress.ip_network("10.0.0.0/8"),)
    async with node(dsn, client=("10.1.2.3", 4000), metrics_allow=private) as (_, http):
        assert (await http.get("/metrics")).status_code == 200
    async with node(dsn, client=("127.0.0.1", 4000), metrics_allow=()) as (_, http):
        assert (await http.get("/metrics")).status_code == 403  # "none": not even loopback


def test_serve_with_several_processes_counts_across_all_of_them(tmp_path: Path) -> None:
    # Given `fedcop serve --workers 2`: two processes answer on one port
    node = Serve(tmp_path / "data", "--workers", "2", env=clean_env(TMPDIR=str(tmp_path)))
    try:
        node.wait_ready()
        route = {"method": "GET", "route": "/metrics", "status": "200"}
        # When the scraper reads /metrics again and again (each read lands on either process)
        seen = []
        for _ in range(8):
            response = node.get("/metrics")
            assert response.status_code == 200
            seen.append(value(samples(response.text), "fedcop_http_requests_total", **route))
        # Then every read counts all the earlier ones, whichever process answered them
        assert seen == [float(n) for n in range(8)]
        assert list(tmp_path.glob("fedcop-metrics-*"))  # the processes' shared directory
    finally:
        assert node.stop() == 0
    # and serve removes the directory when it stops
    assert not list(tmp_path.glob("fedcop-metrics-*"))
