"""X-Forwarded-For / -Proto / X-Request-Id are believed only from FEDCOP_TRUSTED_PROXIES, and ids
never depend on any request header."""

from __future__ import annotations

import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.app import create_app
from fedcop.config import load_config
from fedcop.observability.proxies import forwarded_client
from fedcop.services import accounts
from fedcop.services import node as node_service
from tests.conftest import make_config

PROXY = ("10.0.0.2", 51000)
TRUSTED = (ipaddress.ip_network("10.0.0.0/24"),)


@contextlib.asynccontextmanager
async def node(dsn: str, peer: tuple[str, int]) -> AsyncIterator[httpx.AsyncClient]:
    config = make_config(trusted_proxies=TRUSTED)
    app = create_app(config, dsn, run_workers=False)
    async with app.router.lifespan_context(app):
        if await node_service.find_local_of_type(app.state.pool, "ana", "Person") is None:
            await accounts.create_user(app.state.pool, config, "ana", "long enough")
        transport = httpx.ASGITransport(app=app, client=peer)
        async with httpx.AsyncClient(transport=transport, base_url="http://alpha.test") as http:
            yield http


def access_line(caplog: pytest.LogCaptureFixture, path: str) -> Any:
    lines = [r for r in caplog.records if r.name == "fedcop.access" and r.path == path]
    assert lines, f"no access log line for {path}"
    return lines[-1]


async def test_a_trusted_proxy_gives_the_client_address_and_scheme(
    dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "fedcop.access")
    async with node(dsn, PROXY) as http:
        # Given the proxy relays a request of 203.0.113.7 over https (the client sent its own
        # X-Forwarded-For entry too, which the proxy appended to)
        headers = {"X-Forwarded-For": "192.0.2.1, 203.0.113.7", "X-Forwarded-Proto": "https"}
        response = await http.get("/metrics", headers=headers)
    # Then the node sees the real client: not allowed to scrape, even through the local proxy
    assert response.status_code == 403
    assert "203.0.113.7" in response.json()["error"]
    line = access_line(caplog, "/metrics")
    assert (line.client, line.scheme) == ("203.0.113.7", "https")


async def test_forwarded_headers_from_anyone_else_are_ignored(
    dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, "fedcop.access")
    async with node(dsn, ("198.51.100.9", 4000)) as http:
        # Given a client that claims to be loopback, relayed over https
        headers = {"X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "https"}
        response = await http.get("/metrics", headers=headers)
    # Then it is still itself, on plain http, and may not scrape
    assert response.status_code == 403
    line = access_line(caplog, "/metrics")
    assert (line.client, line.scheme) == ("198.51.100.9", "http")


async def test_a_trusted_loopback_proxy_relaying_loopback_may_scrape(dsn: str) -> None:
    async with node(dsn, PROXY) as http:
        response = await http.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"})
    assert response.status_code == 200


async def test_ids_stay_on_the_base_url_whatever_the_headers_say(dsn: str) -> None:
    async with node(dsn, PROXY) as http:
        headers = {
            "Host": "evil.example",
            "X-Forwarded-Host": "evil.example",
            "X-Forwarded-Proto": "http",
            "Accept": "application/activity+json",
        }
        actor = (await http.get("/u/ana", headers=headers)).json()
        finger = await http.get(
            "/.well-known/webfinger",
            params={"resource": "acct:ana@alpha.test"},
            headers={"Host": "evil.example", "X-Forwarded-Proto": "http"},
        )
    assert actor["id"] == "https://alpha.test/u/ana"
    assert actor["inbox"] == "https://alpha.test/u/ana/inbox"
    assert "evil.example" not in str(actor) + finger.text
    assert finger.json()["subject"] == "acct:ana@alpha.test"


async def test_a_request_id_is_taken_only_from_a_trusted_proxy(dsn: str) -> None:
    async with node(dsn, PROXY) as http:
        relayed = await http.get("/healthz", headers={"X-Request-Id": "edge-42.a"})
        garbage = await http.get("/healthz", headers={"X-Request-Id": "bad id\x7f"})
    async with node(dsn, ("198.51.100.9", 4000)) as http:
        direct = await http.get("/healthz", headers={"X-Request-Id": "edge-42.a"})
    assert relayed.headers["x-request-id"] == "edge-42.a"
    assert garbage.headers["x-request-id"] not in ("", "bad id\x7f")
    assert direct.headers["x-request-id"] != "edge-42.a"
    assert len(direct.headers["x-request-id"]) == 16


def test_the_client_is_the_rightmost_address_not_a_trusted_proxy() -> None:
    two_proxies = (ipaddress.ip_network("10.0.0.0/8"),)
    assert forwarded_client("10.0.0.2", "203.0.113.7, 10.0.0.9", two_proxies) == "203.0.113.7"
    assert forwarded_client("10.0.0.2", "6.6.6.6, 203.0.113.7", two_proxies) == "203.0.113.7"
    assert forwarded_client("10.0.0.2", "10.0.0.3", two_proxies) == "10.0.0.3"
    # An entry that is not an address: the client is unknown, never taken to be the proxy
    assert forwarded_client("10.0.0.2", "unknown", two_proxies) == "unknown"
    assert forwarded_client("10.0.0.2", "203.0.113.7:4444", two_proxies) == "unknown"
    assert forwarded_client("10.0.0.2", "2001:db8::1", two_proxies) == "2001:db8::1"


def test_proxy_and_metrics_settings_are_read_and_checked() -> None:
    config = load_config(
        environ={"FEDCOP_TRUSTED_PROXIES": "127.0.0.1, 10.0.0.0/8", "FEDCOP_METRICS_ALLOW": "none"}
    )
    assert [str(n) for n in config.trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    assert config.metrics_allow == ()
    assert [str(n) for n in load_config(environ={}).metrics_allow] == ["127.0.0.0/8", "::1/128"]
    assert load_config(environ={}).trusted_proxies == ()
    with pytest.raises(ValueError, match=r"FEDCOP_TRUSTED_PROXIES: .proxy\.lan. is not an IP"):
        load_config(environ={"FEDCOP_TRUSTED_PROXIES": "proxy.lan"})
