"""Operations endpoints and files that must not open more than they say: /metrics behind a
proxy, /readyz's error text, backup files' permissions."""

from __future__ import annotations

import asyncio
import ipaddress
import stat
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from fedcop.app import create_app
from fedcop.db import backup
from fedcop.services import operations
from tests.conftest import make_config

PROXY = ("127.0.0.1", 51000)


async def test_metrics_through_the_local_proxy_without_a_readable_client_are_refused(
    dsn: str,
) -> None:
    """The proxy on loopback is trusted and loopback may scrape: a relayed request whose
    forwarded address cannot be read must not count as the proxy's own."""
    config = make_config(trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))
    app = create_app(config, dsn, run_workers=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=PROXY)
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
            for forwarded in ("203.0.113.7:4444", "unknown", "bogus, 127.0.0.1"):
                response = await http.get("/metrics", headers={"X-Forwarded-For": forwarded})
                assert response.status_code == 403, forwarded
                assert "fedcop_http_requests" not in response.text
            # The proxy's own scraper (no forwarded address) still may
            assert (await http.get("/metrics")).status_code == 200


async def test_readyz_does_not_tell_where_the_database_is_or_its_password(
    client: httpx.AsyncClient, app: Any
) -> None:
    """A database that cannot be reached is reported by kind only: the connection error's text
    (host, port, user, sometimes more) is for the log, not for anyone who can reach /readyz."""
    secret_dsn = "postgresql://fedcop:hunter2-secret@127.0.0.1:9/fedcop_db"
    broken = await asyncpg.create_pool(secret_dsn, min_size=0, max_size=1)
    working = app.state.pool
    app.state.pool = broken
    try:
        response = await client.get("/readyz")
    finally:
        app.state.pool = working
        await broken.close()
    assert response.status_code == 503
    body = response.text
    for leak in ("hunter2", "127.0.0.1", ":9", "fedcop_db", "Errno", "Connect call"):
        assert leak not in body, leak
    assert response.json()["checks"]["database"].startswith("unreachable")
    result = await operations.readiness(working, [])
    assert result.ready


async def test_a_backup_never_writes_through_a_stale_partial_file(
    app: Any, dsn: str, tmp_path: Path
) -> None:
    """A `.partial` left where the backup goes (an earlier crash, or someone else's symlink to
    a file they can read) is replaced: the backup's private keys never land in it, and the
    backup is 0600."""
    elsewhere = tmp_path / "readable-by-all"
    elsewhere.write_bytes(b"")
    elsewhere.chmod(0o644)
    destination = tmp_path / "node.fedcop-backup"
    partial = tmp_path / "node.fedcop-backup.partial"
    partial.symlink_to(elsewhere)
    await asyncio.to_thread(backup.backup, dsn, destination)
    assert elsewhere.read_bytes() == b""
    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    assert not partial.exists() and not partial.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == [destination.name, elsewhere.name]


def test_the_database_password_never_goes_on_a_command_line() -> None:
    """pg_dump and pg_restore get the password in PGPASSWORD: a command line is visible to
    every local user."""
    address, secret = backup.without_password(
        "postgresql://fedcop:s%40cret@db.example:5432/fedcop?sslmode=require"
    )
    assert address == "postgresql://fedcop@db.example:5432/fedcop?sslmode=require"
    assert secret == {"PGPASSWORD": "s@cret"}
    address, secret = backup.without_password("postgresql://u@h/db?password=x&sslmode=require")
    assert (address, secret) == ("postgresql://u@h/db?sslmode=require", {"PGPASSWORD": "x"})
    assert backup.without_password("postgresql://u@/db?host=/run") == (
        "postgresql://u@/db?host=/run",
        {},
    )


async def test_a_backup_of_a_database_reached_with_a_password(
    app: Any, dsn: str, tmp_path: Path
) -> None:
    separator = "&" if "?" in dsn else "?"
    with_password = f"{dsn}{separator}password=not-on-the-command-line"
    destination = tmp_path / "node.fedcop-backup"
    manifest = await asyncio.to_thread(backup.backup, with_password, destination)
    assert manifest.base_url == app.state.config.base_url
    assert destination.stat().st_size > 0
