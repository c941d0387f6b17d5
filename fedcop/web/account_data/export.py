"""/settings/data, and the downloads it offers: the whole archive, and the follows CSV."""

from __future__ import annotations

import asyncio
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from fedcop.services.account_data import export, follows_csv, moving
from fedcop.store.account_data import export_rows
from fedcop.web.render import go, render
from fedcop.web.session import viewer


async def data_page(
    request: Request, *, error: str | None = None, saved: str | None = None, status: int = 200
) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/data")
    aliases, moved_to = await moving.aliases(request.app.state.pool, current.user)
    return await render(
        request,
        "account_data/data.html",
        status,
        user=current.user,
        max_rows=follows_csv.MAX_ROWS,
        max_kib=follows_csv.MAX_BYTES // 1024,
        aliases=aliases,
        moved_to=moved_to,
        handle=f"{current.user.actor.username}@{request.app.state.config.domain}",
        error=error,
        saved=saved,
    )


async def data_page_route(request: Request) -> Response:
    return await data_page(request)


async def _remove(path: Path) -> None:
    await asyncio.to_thread(path.unlink, missing_ok=True)


async def archive(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/data")
    path = await export.build(
        request.app.state.pool,
        request.app.state.config,
        request.app.state.media_storage,
        current.user,
    )
    name = f"{current.user.actor.username}-{request.app.state.config.domain}.zip".replace(":", "-")
    # Sent from the temporary file in chunks, which is deleted once sent.
    return FileResponse(
        path,
        media_type="application/zip",
        filename=name,
        background=BackgroundTask(_remove, path),
        headers={"Cache-Control": "no-store"},
    )


async def follows_file(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/data")
    async with request.app.state.pool.acquire() as conn:
        followed = await export_rows.followed_by(conn, current.user.actor.id)
    text = follows_csv.written(followed, request.app.state.config.domain)
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="following_accounts.csv"',
            "Cache-Control": "no-store",
        },
    )


routes = [
    Route("/settings/data", data_page_route, methods=["GET"]),
    Route("/settings/data/archive.zip", archive, methods=["GET"]),
    Route("/settings/data/following_accounts.csv", follows_file, methods=["GET"]),
]
