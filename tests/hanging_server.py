"""A server that accepts connections and never answers: the peer that used to starve workers.

    with hanging_server() as hanging:        # listening on 127.0.0.1:hanging.port
        ...                                  # every connection is accepted, read from, held open
        hanging.accepted                     # how many connections it took
        hanging.release()                    # hang up: close what it holds, and every later one

It runs in a thread of its own, like the test HTTP servers (tests/federation/local_http.py).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class HangingServer:
    def __init__(self) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(1024)
        self._listener.setblocking(False)
        self.port: int = self._listener.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._hung_up = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def release(self) -> None:
        """Close every connection held so far, and from now on close new ones at once."""
        self._hung_up.set()
        with self._lock:
            held, self._held = self._held, []
        for connection in held:
            with contextlib.suppress(OSError):
                connection.close()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.release()
        self._listener.close()

    def _run(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._listener, selectors.EVENT_READ)
            while not self._stop.is_set():
                for key, _ in selector.select(timeout=0.05):
                    if key.fileobj is self._listener:
                        with contextlib.suppress(BlockingIOError):
                            connection, _ = self._listener.accept()
                            if self._hung_up.is_set():
                                connection.close()
                                continue
                            connection.setblocking(False)
                            with self._lock:
                                self._held.append(connection)
                                self.accepted += 1
                            selector.register(connection, selectors.EVENT_READ)
                        continue
                    # Read what the client sends (so its writes never block) and say nothing.
                    connection = key.fileobj
                    assert isinstance(connection, socket.socket)
                    try:
                        data = connection.recv(65536)
                    except OSError:
                        data = b""
                    if not data:
                        selector.unregister(connection)


@contextmanager
def hanging_server() -> Iterator[HangingServer]:
    server = HangingServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
