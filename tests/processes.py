"""Running `fedcop` as a real process, the way a person or an init system does."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

FEDCOP = [sys.executable, "-m", "fedcop.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEDCOP_")}
    env.update(extra)
    return env


def run_fedcop(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FEDCOP, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env or clean_env(),
        stdin=subprocess.DEVNULL,
    )


class Serve:
    """`fedcop serve` in its own process group, stopped by signal like a service manager would."""

    def __init__(self, data_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.data_dir = data_dir
        self.log = data_dir.parent / f"serve-{self.port}.log"
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [*FEDCOP, "serve", "--data-dir", str(data_dir), "--port", str(self.port), *args],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env or clean_env(),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.base = f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        self._log_file.flush()
        return self.log.read_text()

    def wait_started(self, server_processes: int, timeout: float = 60) -> None:
        """Until every server process has finished its start-up (at log level info): one
        answering is not all of them, and a test that breaks something under a process still
        starting tests its start-up instead."""
        deadline = time.monotonic() + timeout
        while self.output().count("Application startup complete") < server_processes:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"not all server processes started:\n{self.output()}")
            time.sleep(0.1)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{self.output()}")
            try:
                if httpx.get(self.base + "/.well-known/nodeinfo", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"serve did not answer within {timeout}s:\n{self.output()}")

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(self.base + path, timeout=10, **kwargs)  # type: ignore[arg-type]

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._log_file.close()
        return code

    def kill(self) -> None:
        self.process.kill()
        self.process.wait(timeout=30)
        self._log_file.close()


def postmaster_pid(data_dir: Path) -> int | None:
    try:
        return int((data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def process_alive(pid: int) -> bool:
    """Alive and not a zombie (a killed process may linger as one until it is reaped)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def wait_until(predicate: object, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def kill_process(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)


class Worker:
    """`fedcop worker` (queue workers, no HTTP) in its own process group."""

    def __init__(self, log_dir: Path, *args: str, env: dict[str, str] | None = None) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = Path(tempfile.mkstemp(prefix="worker-", suffix=".log", dir=log_dir)[1])
        self._log_file = self.log.open("w")
        self.process = subprocess.Popen(
            [*FEDCOP, "worker", *args],
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            env=env or clean_env(),
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def output(self) -> str:
        if not self._log_file.closed:
            self._log_file.flush()
        return self.log.read_text()

    def wait_started(self, timeout: float = 60) -> None:
        """Until the worker says its claim loops run (or fails if it exits first)."""
        if not wait_until(
            lambda: "queue workers running" in self.output() or not self.running, timeout
        ):
            raise AssertionError(f"the worker did not start within {timeout}s:\n{self.output()}")
        if not self.running:
            raise AssertionError(f"the worker exited early:\n{self.output()}")

    def stop(self, sig: signal.Signals = signal.SIGTERM, timeout: float = 60) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        code = self.process.wait(timeout=timeout)
        self._log_file.close()
        return code

    def kill(self) -> None:
        """kill -9: no chance to finish anything."""
        self.process.kill()
        self.process.wait(timeout=30)
        self._log_file.close()
