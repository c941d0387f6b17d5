"""Debian's nginx terminating TLS in front of fedcop nodes, run as an ordinary process.

    async with tls_nodes(cluster, tmp_path, ["alpha", "beta"]) as (nodes, proxy):
        nodes["alpha"].base == "https://alpha.test:PORT"       # nginx on 127.0.0.1:PORT
        nginx --(proxy_bind 127.0.0.2, Host kept, X-Forwarded-*)--> uvicorn on 127.0.0.1:N

nginx gets its own prefix, configuration, pid and log files in a temporary directory (`-p`,
`-c`, `-e`), `daemon off` and `master_process off` (one process: no privilege switch, so the
same runs as root and as an ordinary user), and is stopped by its PID. Its certificate comes
from a throwaway CA (trustme); the nodes trust that CA through SSL_CERT_FILE, the standard
variable fedcop's outbound TLS (httpx.create_ssl_context) honours. nginx connects to the nodes
from 127.0.0.2, which is each node's only trusted proxy: a client on 127.0.0.1 talking to a node
directly is not trusted.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import os
import shutil
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import trustme
import uvicorn

from fedcop.app import create_app
from fedcop.cli import _uvicorn_config
from fedcop.db.embedded import EmbeddedPostgres
from federation.netguard import default_ssl_context
from tests.conftest import fresh_database, make_config
from tests.live_node import LiveNode, test_resolver
from tests.processes import free_port

PROXY_ADDRESS = "127.0.0.2"


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None
    )


@dataclass
class Proxy:
    port: int
    ca: trustme.CA
    ca_file: Path
    log_dir: Path

    def access_log(self) -> str:
        return (self.log_dir / "access.log").read_text()


def _conf(prefix: Path, port: int, upstreams: dict[str, int], cert: Path, key: Path) -> str:
    servers = "\n".join(
        f"""
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {name}.test;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        client_max_body_size 2m;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_bind {PROXY_ADDRESS};
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-Id $request_id;
        }}
    }}"""
        for name, upstream in upstreams.items()
    )
    return f"""
daemon off;
master_process off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{servers}
}}
"""


@contextlib.contextmanager
def nginx(directory: Path, port: int, upstreams: dict[str, int], ca: trustme.CA) -> Iterator[Proxy]:
    """nginx on 127.0.0.1:`port`, one TLS server per `NAME.test` -> 127.0.0.1:upstream."""
    binary = nginx_binary()
    assert binary, "nginx is not installed: tests/install-system-packages.sh installs nginx-light"
    directory.mkdir(parents=True, exist_ok=True)
    server_cert = ca.issue_cert(*(f"{name}.test" for name in upstreams))
    cert, key, ca_file = directory / "cert.pem", directory / "key.pem", directory / "ca.pem"
    server_cert.private_key_pem.write_to_path(str(key))
    with cert.open("wb") as chain:
        for blob in server_cert.cert_chain_pems:
            chain.write(blob.bytes())
    ca.cert_pem.write_to_path(str(ca_file))
    conf = directory / "nginx.conf"
    conf.write_text(_conf(directory, port, upstreams, cert, key))
    command = [binary, "-p", str(directory), "-c", str(conf), "-e", str(directory / "error.log")]
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 15
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((directory / "error.log").read_text())
            time.sleep(0.05)
        yield Proxy(port, ca, ca_file, directory)
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextlib.asynccontextmanager
async def tls_nodes(
    cluster: EmbeddedPostgres, directory: Path, names: Sequence[str]
) -> AsyncIterator[tuple[dict[str, LiveNode], Proxy]]:
    """Nodes at https://NAME.test:PORT behind one nginx. SSL_CERT_FILE names the test CA while
    they run (their outbound TLS contexts are made when they start), and is put back after."""
    port = free_port()
    upstreams = {name: free_port() for name in names}
    ca = trustme.CA()
    with (
        nginx(directory / "nginx", port, upstreams, ca) as proxy,
        _environment("SSL_CERT_FILE", str(proxy.ca_file)),
    ):
        async with contextlib.AsyncExitStack() as stack:
            nodes: dict[str, LiveNode] = {}
            for name, upstream in upstreams.items():
                dsn = await stack.enter_async_context(fresh_database(cluster))
                config = make_config(
                    f"https://{name}.test:{port}",
                    host="127.0.0.1",
                    port=upstream,
                    trusted_proxies=(ipaddress.ip_network(PROXY_ADDRESS),),
                )
                app = create_app(config, dsn, run_workers=False, resolver=test_resolver)
                await stack.enter_async_context(_served(app, config))
                nodes[name] = LiveNode(config=config, app=app, port=upstream)
            yield nodes, proxy


@contextlib.contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """`name`=`value` for a while. The outbound TLS context is made once per process (from
    SSL_CERT_FILE, as a server reads it at start): forget it on the way in and out."""
    saved = os.environ.get(name)
    os.environ[name] = value
    default_ssl_context.cache_clear()
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = saved
        default_ssl_context.cache_clear()


@contextlib.asynccontextmanager
async def _served(app: Any, config: Any) -> AsyncIterator[None]:
    # The production server settings (fedcop.cli): uvicorn's own proxy headers are off.
    server = uvicorn.Server(_uvicorn_config(config, app, lifespan="on"))
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"{config.base_url} did not start")
            await asyncio.sleep(0.01)
        yield
    finally:
        server.should_exit = True
        await task
