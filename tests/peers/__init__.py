"""Independent ActivityPub implementations run as child processes for interop tests.

    peer = PeerProcess("fedify-group", [node, "fedify_peer.mjs", "group", "3101"], ...)
    peer.start()                              # its own session; stdout+stderr to a log file
    await peer.wait_for("listening")          # polls the log without blocking the event loop
    peer.stop()                               # SIGTERM to its process group, SIGKILL if it lingers

The tests share one event loop with the fedcop node they run, so every wait here is an
`asyncio.sleep` poll: a blocking wait would stop the node from answering the peer.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

# Generous: a peer's first contact fetches keys and actors both ways over loopback.
DEADLINE_SECONDS = 60.0
_POLL_SECONDS = 0.05


class PeerProcess:
    """One peer process, started in its own session so that stopping it stops its children."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        cwd: Path,
        log_path: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.cwd = cwd
        self.log_path = log_path
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log_file:
            self.process = subprocess.Popen(
                self.argv,
                cwd=self.cwd,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} was never started"
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def describe(self) -> str:
        return f"--- {self.name} (pid {self.pid}) log {self.log_path} ---\n{self.output()}"

    async def wait_for(self, text: str, timeout: float = DEADLINE_SECONDS) -> None:
        """Until `text` appears in the peer's output; fails with the output if it never does."""
        await wait_until(lambda: _contains(self, text), f"{self.name} to log {text!r}", timeout)

    def stop(self, grace: float = 10.0) -> None:
        """Stop the peer by its process id, reaping it. The signal goes to its process group
        (whose id is the peer's pid, as it leads its own session), only while the peer is
        alive and unreaped, so the id cannot name anyone else's processes."""
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=grace)


async def _contains(peer: PeerProcess, text: str) -> bool:
    if text in peer.output():
        return True
    if not peer.running():
        raise AssertionError(f"{peer.name} exited while waiting for {text!r}\n{peer.describe()}")
    return False


async def wait_until(
    condition: Callable[[], Awaitable[bool]],
    what: str,
    timeout: float = DEADLINE_SECONDS,
    *,
    context: Callable[[], str] = lambda: "",
) -> None:
    """Poll `condition` until it holds; an AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}\n{context()}")
        await asyncio.sleep(_POLL_SECONDS)
