"""Files: uploads per second, media proxy hits per second, and the memory of a web process
serving 50 concurrent 20 MB downloads.

    durable PostgreSQL (temp dir, fsync on); one node process (`python bench/media.py node`:
    fedcop's app on uvicorn, as `fedcop serve` runs it, its data directory in the temp dir;
    files kept on disk, or with --storage s3 in a bucket of moto's S3 server started here)
    1. uploads: a 1 MB JPEG photo through POST /api/v1/media (the Mastodon API route that
       answers once the file is stored and processed: sniffed, decoded, turned upright,
       re-encoded, thumbnailed, blurhashed), --upload-clients at once, --uploads in all
    2. proxy: a thread holding a 1 MB JPEG from elsewhere (a file host on loopback), asked for
       through GET /media/proxy/TOKEN by --proxy-clients keep-alive clients for --seconds
       (the first request fetches and caches it; the figure is the cached answers)
    3. memory: a 20 MB document uploaded through the API, then downloaded whole by 50 clients
       at once through GET /media/TOKEN/NAME; the node's resident memory (VmRSS) is sampled
       every 10 ms, and its high-water mark (VmHWM) read, before and after

Figures only, never assertions. Last line of stdout: one JSON object. Progress goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp
from aiohttp import web
from PIL import Image

from bench.common import (
    Cleanup,
    durable_postgres,
    emit,
    exit_with_parent,
    free_port,
    load_average,
    log,
    loopback_resolver,
    phase,
    reuse_port_socket,
    stop_process,
    temp_dir,
    wait_for_port,
)
from fedcop.config import Config
from fedcop.media.settings import MIB, MediaSettings
from fedcop.observability.logs import setup_logging
from fedcop.services import accounts, oauth
from fedcop.services import posts as post_service

HERE = Path(__file__).resolve()
PROXY_TOKEN = "benchProxyToken_0123456789abcdef"


# --- the node (child process) ----------------------------------------------------------------


def node_config(base_url: str, data_dir: Path, media: MediaSettings) -> Config:
    config = Config(
        base_url=base_url,
        allow_private_addresses=True,
        log_level="warning",
        data_dir=data_dir,
        media=media,
    )
    setup_logging(config.log_level, config.log_format)
    return config


def media_settings(args: argparse.Namespace) -> MediaSettings:
    settings = MediaSettings(account_quota_bytes=64 * 1024 * MIB, max_file_bytes=64 * MIB)
    if args.s3_endpoint:
        from tests.s3_server import S3Server

        return S3Server(args.s3_endpoint).settings(args.s3_bucket, settings)
    return settings


def run_node(args: argparse.Namespace) -> None:
    """fedcop's app on uvicorn (uvloop, httptools), workers included, as `fedcop serve`."""
    import uvicorn
    import uvloop

    from fedcop.app import create_app

    config = node_config(args.base_url, Path(args.data_dir), media_settings(args))
    app = create_app(config, args.dsn, run_workers=True, resolver=loopback_resolver)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            loop="uvloop",
            http="httptools",
            lifespan="on",
            access_log=False,
            log_config=None,
            log_level=config.log_level,
            backlog=2048,
        )
    )
    sock = reuse_port_socket(args.port)

    async def serve() -> None:
        watchdog = asyncio.create_task(exit_with_parent(lambda: setattr(server, "should_exit", 1)))
        try:
            await server.serve(sockets=[sock])
        finally:
            watchdog.cancel()

    uvloop.run(serve())


# --- what the benchmark sends ----------------------------------------------------------------


def photo(target_bytes: int = 1024 * 1024, seed: int = 7) -> bytes:
    """A JPEG of about `target_bytes`: a photo-like picture (gradients and grain)."""
    rng = random.Random(seed)
    width, height = 1600, 1200
    base = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    grain = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
    image = Image.blend(base, grain, 0.35)
    quality = 90
    while True:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        if out.tell() <= target_bytes or quality <= 30:
            return out.getvalue()
        quality -= 1


def document(size: int) -> bytes:
    """A PDF-headed file of `size` bytes (kept as it is: documents are not re-encoded)."""
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    return head + os.urandom(size - len(head))


async def upload(
    http: aiohttp.ClientSession, base: str, token: str, data: bytes, name: str, kind: str
) -> dict[str, Any]:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=kind)
    form.add_field("description", "bench")
    async with http.post(
        f"{base}/api/v1/media", data=form, headers={"Authorization": f"Bearer {token}"}
    ) as answer:
        body = await answer.json()
        if answer.status != 200:
            raise RuntimeError(f"upload answered {answer.status}: {body}")
        return dict(body)


async def measure_uploads(
    base: str, token: str, picture: bytes, count: int, clients: int
) -> dict[str, Any]:
    done = 0
    latencies: list[float] = []

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal done
        while done < count:
            done += 1
            started = time.monotonic()
            await upload(http, base, token, picture, f"photo-{done}.jpg", "image/jpeg")
            latencies.append(time.monotonic() - started)

    async with aiohttp.ClientSession() as http:
        await upload(http, base, token, picture, "warm-up.jpg", "image/jpeg")
        started = time.monotonic()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.monotonic() - started
    latencies.sort()
    return {
        "uploads": len(latencies),
        "clients": clients,
        "picture_bytes": len(picture),
        "uploads_per_s": round(len(latencies) / wall, 1),
        "mb_per_s": round(len(latencies) * len(picture) / MIB / wall, 1),
        "median_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "p95_ms": round(1000 * latencies[int(len(latencies) * 0.95)], 1),
    }


async def measure_proxy(base: str, seconds: float, clients: int, size: int) -> dict[str, Any]:
    url = f"{base}/media/proxy/{PROXY_TOKEN}"
    hits = 0
    failures = 0
    deadline = 0.0

    async def client(http: aiohttp.ClientSession) -> None:
        nonlocal hits, failures
        while time.monotonic() < deadline:
            async with http.get(url) as answer:
                body = await answer.read()
                if answer.status == 200 and len(body) == size:
                    hits += 1
                else:
                    failures += 1

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as http:
        async with http.get(url) as first:  # fetched from its host and cached
            body = await first.read()
            if first.status != 200 or len(body) != size:
                raise RuntimeError(f"the proxy answered {first.status}: {body[:200]!r}")
        deadline = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(*(client(http) for _ in range(clients)))
        wall = time.monotonic() - started
    return {
        "clients": clients,
        "picture_bytes": size,
        "hits": hits,
        "failures": failures,
        "hits_per_s": round(hits / wall, 1),
        "mb_per_s": round(hits * size / MIB / wall, 1),
    }


def memory_of(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in KiB."""
    values: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            values[name] = int(rest.split()[0])
    return values


async def measure_downloads(
    base: str, token: str, pid: int, size: int, clients: int
) -> dict[str, Any]:
    async with aiohttp.ClientSession() as http:
        entity = await upload(http, base, token, document(size), "handbook.pdf", "application/pdf")
    url = str(entity["url"])
    before = memory_of(pid)
    peak_rss = before["VmRSS"]
    finished = asyncio.Event()

    async def sample() -> None:
        nonlocal peak_rss
        while not finished.is_set():
            peak_rss = max(peak_rss, memory_of(pid)["VmRSS"])
            await asyncio.sleep(0.01)

    received: list[int] = []

    async def client(http: aiohttp.ClientSession) -> None:
        count = 0
        async with http.get(url) as answer:
            async for chunk in answer.content.iter_chunked(64 * 1024):
                count += len(chunk)
        received.append(count)

    sampler = asyncio.create_task(sample())
    connector = aiohttp.TCPConnector(limit=clients)
    started = time.monotonic()
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))
    wall = time.monotonic() - started
    finished.set()
    await sampler
    after = memory_of(pid)
    return {
        "clients": clients,
        "file_bytes": size,
        "complete_downloads": sum(1 for count in received if count == size),
        "seconds": round(wall, 2),
        "mb_per_s": round(sum(received) / MIB / wall, 1),
        "rss_before_mb": round(before["VmRSS"] / 1024, 1),
        "rss_peak_mb": round(peak_rss / 1024, 1),
        "rss_growth_mb": round((peak_rss - before["VmRSS"]) / 1024, 1),
        "hwm_before_mb": round(before["VmHWM"] / 1024, 1),
        "hwm_after_mb": round(after["VmHWM"] / 1024, 1),
        "if_files_were_held_mb": round(clients * size / MIB, 1),
    }


# --- set-up ------------------------------------------------------------------------------------


async def seed(dsn: str, config: Config, picture_url: str) -> str:
    """A member with an API token, and a thread holding a picture from elsewhere (as a post
    received from another server keeps it)."""
    from fedcop.app import create_app

    app = create_app(config, dsn, run_workers=False, resolver=loopback_resolver)
    async with app.router.lifespan_context(app):
        pool = app.state.pool
        await accounts.create_user(pool, config, "bench", "long enough password")
        await accounts.create_community(
            pool, config, "stewards", title="Data Stewards", owner="bench"
        )
        token = await oauth.admin_token(pool, "bench", "read write")
        thread = await post_service.write(
            pool,
            config,
            app.state.network,
            author="bench",
            community_uri=f"{config.base_url}/c/stewards",
            title="The whiteboard",
            content="A photo of the board",
        )
        entry = {
            "type": "Image",
            "url": picture_url,
            "mediaType": "image/jpeg",
            "name": "the whiteboard",
            "sensitive": False,
            "proxy": PROXY_TOKEN,
        }
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE posts SET attachments = $2 WHERE id = $1", thread.id, [entry]
            )
        return str(token)


async def file_host(picture: bytes, port: int) -> web.AppRunner:
    async def board(request: web.Request) -> web.Response:
        return web.Response(body=picture, content_type="image/jpeg")

    app = web.Application()
    app.router.add_get("/board.jpg", board)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--storage", choices=("disk", "s3"), default="disk")
    parser.add_argument("--uploads", type=int, default=120)
    parser.add_argument("--upload-clients", type=int, default=4)
    parser.add_argument("--proxy-clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--downloads", type=int, default=50)
    parser.add_argument("--download-mb", type=int, default=20)
    args = parser.parse_args()

    with Cleanup() as cleanup:
        root = temp_dir(cleanup, "fedcop-bench-media-")
        _, dsn = durable_postgres(cleanup, root)
        port, host_port = free_port(), free_port()
        base = f"http://127.0.0.1:{port}"
        node_args = ["--dsn", dsn, "--base-url", base, "--port", str(port)]
        node_args += ["--data-dir", str(root / "data")]
        if args.storage == "s3":
            from tests.s3_server import start_s3_server, stop_s3_server

            moto, server = start_s3_server(root / "moto.log")
            cleanup.callback(stop_s3_server, moto)
            bucket = asyncio.run(server.new_bucket())
            node_args += ["--s3-endpoint", server.endpoint, "--s3-bucket", bucket]
            log(f"S3 server {server.endpoint}, bucket {bucket}")
        picture = photo()
        config = node_config(base, root / "data", MediaSettings())
        token = asyncio.run(seed(dsn, config, f"http://pics.test:{host_port}/board.jpg"))
        node = subprocess_node(cleanup, node_args)
        wait_for_port(port, [node])
        log(f"node on {base}, files on {args.storage}, picture {len(picture)} bytes")

        async def run() -> dict[str, Any]:
            host = await file_host(picture, host_port)
            try:
                with phase("uploads"):
                    uploads = await measure_uploads(
                        base, token, picture, args.uploads, args.upload_clients
                    )
                with phase("proxy"):
                    proxy = await measure_proxy(
                        base, args.seconds, args.proxy_clients, len(picture)
                    )
                with phase("downloads"):
                    downloads = await measure_downloads(
                        base, token, node.pid, args.download_mb * MIB, args.downloads
                    )
            finally:
                await host.cleanup()
            return {"uploads": uploads, "proxy": proxy, "downloads": downloads}

        figures = asyncio.run(run())
        emit(
            {
                "storage": args.storage,
                "cpus": os.cpu_count(),
                # Others' work on this machine moves the rates (not the memory figures).
                "load_average": load_average(),
                **figures,
            }
        )


def subprocess_node(cleanup: Cleanup, node_args: list[str]) -> Any:
    import subprocess

    process = subprocess.Popen(
        [sys.executable, str(HERE), "node", *node_args],
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    cleanup.callback(stop_process, process)
    return process


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "node":
        node_parser = argparse.ArgumentParser()
        for name in ("--dsn", "--base-url", "--data-dir"):
            node_parser.add_argument(name, required=True)
        node_parser.add_argument("--port", type=int, required=True)
        node_parser.add_argument("--s3-endpoint")
        node_parser.add_argument("--s3-bucket")
        run_node(node_parser.parse_args(sys.argv[2:]))
    else:
        main()
