"""A file host on loopback for the media proxy's tests: serves given bytes at given paths,
as the given type, and counts every request.

    with picture_server({"/a.png": (png, "image/png")}) as files:
        files.url("/a.png")        # http://127.0.0.1:PORT/a.png
        files.hits["/a.png"]       # how many times it was asked for
"""

from __future__ import annotations

import io
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from tests.federation.local_http import serve


def png_bytes(width: int = 40, height: int = 30, colour: str = "teal") -> bytes:
    """A real PNG picture."""
    output = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(output, "PNG")
    return output.getvalue()


class PictureServer:
    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        self.files = files
        self.hits: Counter[str] = Counter()
        self.origin = ""
        self._lock = threading.Lock()

    def url(self, path: str) -> str:
        return self.origin + path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        with self._lock:
            self.hits[request.url.path] += 1
        found = self.files.get(request.url.path)
        if found is None:
            response = Response("no such file", status_code=404)
        else:
            response = Response(found[0], media_type=found[1])
        await response(scope, receive, send)


@contextmanager
def picture_server(files: dict[str, tuple[bytes, str]]) -> Iterator[PictureServer]:
    server = PictureServer(files)
    with serve(server) as port:
        server.origin = f"http://127.0.0.1:{port}"
        yield server


class ClosingServer:
    """A host that takes every connection and closes it at once, saying nothing: a broken
    server. `accepted` counts the connections."""

    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.05)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.accepted += 1
            connection.close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def closing_server() -> Iterator[ClosingServer]:
    server = ClosingServer()
    server._thread.start()
    try:
        yield server
    finally:
        server._stop.set()
        server._thread.join(timeout=10)
        server._listener.close()
