"""Nodes behind TLS termination by Debian's nginx, as in production: ids are https on the public
name, forwarded headers are believed from the proxy only, and two nodes federate through it
(every fetch and delivery over TLS, verified against a local test CA)."""

from __future__ import annotations

import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, remote_actors
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from tests.live_node import LiveNode
from tests.tls_proxy import Proxy, nginx_binary, tls_nodes

pytestmark = pytest.mark.skipif(
    nginx_binary() is None,
    reason="needs nginx: tests/install-system-packages.sh installs nginx-light",
)
AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def scene(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> AsyncIterator[tuple[LiveNode, LiveNode, Proxy]]:
    # Both nodes trust the test CA for their outbound https through SSL_CERT_FILE.
    async with tls_nodes(pg_cluster, tmp_path, ["alpha", "beta"]) as (nodes, proxy):
        yield nodes["alpha"], nodes["beta"], proxy


def client(proxy: Proxy) -> httpx.AsyncClient:
    """A browser-like client that trusts the test CA and reaches *.test through nginx."""
    context = ssl.create_default_context(cafile=str(proxy.ca_file))
    transport = httpx.AsyncHTTPTransport(verify=context)
    return httpx.AsyncClient(transport=transport, timeout=20)


async def get(proxy: Proxy, url: str, **kwargs: object) -> httpx.Response:
    # *.test is not in DNS: connect to nginx's address, naming the host for SNI and Host.
    name = url.split("//", 1)[1].split(":", 1)[0]
    async with client(proxy) as http:
        return await http.get(
            url.replace(name, "127.0.0.1", 1),
            headers={"Host": f"{name}:{proxy.port}", **kwargs.pop("headers", {})},  # type: ignore[dict-item]
            extensions={"sni_hostname": name},
            **kwargs,  # type: ignore[arg-type]
        )


async def test_ids_are_https_on_the_public_name(scene: tuple[LiveNode, LiveNode, Proxy]) -> None:
    alpha, _, proxy = scene
    await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
    response = await get(proxy, f"{alpha.base}/u/ana", headers=AP)
    assert response.status_code == 200
    actor = response.json()
    assert actor["id"] == f"https://alpha.test:{proxy.port}/u/ana"
    assert actor["inbox"].startswith("https://alpha.test:")
    assert response.headers["x-request-id"]  # nginx's $request_id, believed from the proxy


async def test_forwarded_headers_count_only_through_the_proxy(
    scene: tuple[LiveNode, LiveNode, Proxy], caplog: pytest.LogCaptureFixture
) -> None:
    alpha, _, proxy = scene
    caplog.set_level(logging.INFO, "fedcop.access")
    spoofed = {"X-Forwarded-For": "203.0.113.66", "X-Forwarded-Proto": "https"}
    # Through nginx: nginx appends the real peer (127.0.0.1), which is the client fedcop sees
    through = await get(proxy, f"{alpha.base}/c/nobody", headers=spoofed)
    # Straight to the node from 127.0.0.1 (not a trusted proxy): the headers are ignored
    direct = await alpha.get("/c/nobody", headers=spoofed)
    assert through.status_code == direct.status_code == 404

    access = [r for r in caplog.records if r.name == "fedcop.access" and r.path == "/c/nobody"]
    assert [(r.client, r.scheme) for r in access] == [("127.0.0.1", "https"), ("127.0.0.1", "http")]
    # nginx's request id (32 hex digits) came through; the direct request got the node's own
    assert len(through.headers["x-request-id"]) == 32
    assert len(direct.headers["x-request-id"]) == 16


async def test_two_nodes_federate_through_the_tls_proxy(
    scene: tuple[LiveNode, LiveNode, Proxy],
) -> None:
    alpha, beta, proxy = scene
    await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
    await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
    await accounts.create_community(beta.pool, beta.config, "stewards", title="S", owner="bo")
    ana, stewards = f"{alpha.base}/u/ana", f"{beta.base}/c/stewards"
    # beta fetches alpha's actor over https through nginx (signed GET, CA checked)
    fetched = await remote_actors.fetch_actor(beta.pool, beta.app.state.network, ana)
    assert fetched.uri == ana
    # When ana joins the community: alpha fetches it and delivers a signed Follow through nginx,
    # beta fetches ana's key through nginx and verifies the Follow as nginx relayed it (Host
    # kept), then delivers a signed Accept back the same way
    await follows.follow_remote(alpha.pool, alpha.config, alpha.app.state.network, "ana", stewards)
    assert await alpha.drain() == 1
    assert await beta.drain() >= 2
    await alpha.drain()
    # Then both sides hold the membership as accepted
    for node in (alpha, beta):
        async with node.pool.acquire() as conn:
            follower = await actor_store.find_by_uri(conn, ana)
            followed = await actor_store.find_by_uri(conn, stewards)
            assert follower is not None and followed is not None
            found = await follow_store.find(conn, follower.id, followed.id)
        assert found is not None and found.state == "accepted", node.base
    # and every request crossed nginx over TLS
    log = proxy.access_log()
    assert "POST /c/stewards/inbox" in log or "POST /inbox" in log
    assert "GET /u/ana" in log
