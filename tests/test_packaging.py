"""A plain `pip install .` (not only an editable install) ships everything the node reads."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_migrations_schemas_templates_and_static_files(tmp_path: Path) -> None:
    # When the wheel is built the way `pip install .` builds it
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("fedcop-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    # Then every migration and schema is inside, where the code looks for them
    for migration in (ROOT / "migrations").glob("*.sql"):
        assert f"fedcop/migrations/{migration.name}" in names
    for schema in (ROOT / "schemas").rglob("*.json"):
        assert f"federation/schemas/{schema.relative_to(ROOT / 'schemas')}" in names
    for asset in ("fedcop/web/templates/base.html", "fedcop/web/static/fedcop.css"):
        assert asset in names
    # And the console script is declared
    entry_points = next(name for name in names if name.endswith("entry_points.txt"))
    assert "fedcop = fedcop.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
