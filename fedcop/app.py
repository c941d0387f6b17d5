"""The web application: `create_app(config, dsn)` returns a Starlette app.

Its lifespan opens the database pool and makes sure the instance actor exists; the database
itself (embedded or not) and the migrations are the caller's: see `fedcop.node`.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from fedcop.config import Config
from fedcop.db.pool import create_pool
from fedcop.routes import actors, wellknown
from fedcop.services.accounts import ensure_instance_actor
from fedcop.web import pages


def create_app(config: Config, dsn: str) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        pool = await create_pool(dsn)
        try:
            app.state.pool = pool
            await ensure_instance_actor(pool, config)
            yield
        finally:
            await pool.close()

    app = Starlette(
        routes=[
            Route("/", pages.home),
            *wellknown.routes,
            *actors.routes,
            Mount("/static", StaticFiles(directory=pages.STATIC), name="static"),
        ],
        lifespan=lifespan,
    )
    app.state.config = config
    return app
