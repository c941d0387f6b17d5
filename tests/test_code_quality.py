"""The code stays `ruff` clean and `mypy --strict` clean: CI fails otherwise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_check() -> None:
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format() -> None:
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict() -> None:
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr


def test_federation_never_imports_fedcop() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "federation").rglob("*.py")
        if any(
            line.strip().startswith(("import fedcop", "from fedcop"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == [], "federation/ must not depend on fedcop/"
