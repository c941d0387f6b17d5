"""fedcop nodes served over real sockets (uvicorn on loopback), for federation tests.

    async with live_node(dsn, "alpha") as alpha:     # http://alpha.test:PORT, its own database
        alpha.app.state.delivery_worker.run_once()   # drain queues by hand (run_workers=False)

Host names under .test resolve to 127.0.0.1 through the resolver the node is given, so every
node has its own host (origin checks, blocks and delivery health are per host) while every
request really goes over TCP, really signed and really verified.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn

from fedcop.app import create_app
from fedcop.config import Config
from federation.netguard import resolve_with_getaddrinfo
from tests.conftest import make_config
from tests.processes import free_port


async def test_resolver(host: str, port: int) -> list[str]:
    """*.test names are this machine; anything else resolves normally."""
    if host.endswith(".test"):
        return ["127.0.0.1"]
    return await resolve_with_getaddrinfo(host, port)


@dataclass
class LiveNode:
    config: Config
    app: Any
    port: int

    @property
    def base(self) -> str:
        return self.config.base_url

    @property
    def pool(self) -> Any:
        return self.app.state.pool

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        """GET from the node over TCP, naming it by its own host (no DNS needed for *.test)."""
        headers = {"Host": self.config.domain, **kwargs.pop("headers", {})}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{self.port}") as http:
            return await http.get(path, headers=headers, **kwargs)

    async def drain(self) -> int:
        """Run both workers until neither finds anything due; how many rows were handled."""
        total = 0
        while True:
            handled: int = await self.app.state.inbox_worker.run_once()
            handled += await self.app.state.delivery_worker.run_once()
            total += handled
            if handled == 0:
                return total


@contextlib.asynccontextmanager
async def live_node(
    dsn: str,
    name: str | None = None,
    *,
    run_workers: bool = False,
    port: int | None = None,
    base: str | None = None,
    **config_overrides: Any,
) -> AsyncIterator[LiveNode]:
    """A node on a free loopback port; named nodes live at http://NAME.test:PORT, unnamed ones
    at http://127.0.0.1:PORT (for independent peers that cannot use our resolver). `port` and
    `base` choose both (a restored node comes back at its old address)."""
    port = port or free_port()
    if base is None:
        base = f"http://{name}.test:{port}" if name else f"http://127.0.0.1:{port}"
    config = make_config(base, **config_overrides)
    app = create_app(config, dsn, run_workers=run_workers, resolver=test_resolver)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"node {base} did not start")
            await asyncio.sleep(0.01)
        yield LiveNode(config=config, app=app, port=port)
    finally:
        server.should_exit = True
        await task
