"""fediverse-pasture, installed in a virtual environment of its own.

    python = install()      # ~/.cache/fedcop-test-peers/pasture-<version>/bin/python

Its dependencies pin an older `cryptography` than fedcop runs on; kept apart, the test suite runs
fedcop on the same libraries as production, and the checker on its own. Built once (under a
lock, in a staging directory renamed into place when complete), reused afterwards.
"""

from __future__ import annotations

import fcntl
import functools
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.peers.fedify import cache_root

PASTURE = "fediverse-pasture==0.2.25"


@functools.cache
def install() -> Path:
    """The python of a virtual environment with fediverse-pasture installed."""
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    home = root / PASTURE.replace("==", "-")
    with (root / f"{home.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another test run may be building the same one
        if not (home / ".installed").exists():
            staging = Path(tempfile.mkdtemp(prefix="installing-", dir=root))
            try:
                subprocess.run(
                    [sys.executable, "-m", "venv", str(staging)], check=True, timeout=300
                )
                subprocess.run(
                    [str(staging / "bin" / "python"), "-m", "pip", "install", "-q", PASTURE],
                    check=True,
                    timeout=900,
                )
                (staging / ".installed").write_text(PASTURE + "\n")
                shutil.rmtree(home, ignore_errors=True)
                staging.rename(home)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return home / "bin" / "python"
