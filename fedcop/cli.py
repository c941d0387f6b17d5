"""The `fedcop` command: serve | worker | migrate | admin ACTION (`fedcop admin --help`).

Every command uses the same configuration (FEDCOP_* variables, flags winning over them) and the
same database: FEDCOP_DATABASE_URL, or the embedded cluster in the data directory, which admin
commands share with a running `serve`.

Processes: `serve` runs the web server and the queue workers in one process by default;
`serve --no-workers` runs the web server only and `worker` the queue workers only, so any number
of each (on any number of machines, with FEDCOP_DATABASE_URL) share one database.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any

import fedcop
from fedcop import admin_commands as operator_commands
from fedcop.config import Config, ConfigError, environment_of, load_config, replace
from fedcop.db.datadir_lock import DataDirBusy
from fedcop.db.embedded import EmbeddedPostgresError
from fedcop.db.pool import create_pool
from fedcop.db.supervisor import ClusterSupervisor
from fedcop.node import NodeDatabase
from fedcop.observability.logs import setup_logging
from fedcop.services import accounts, oauth
from fedcop.services import node as node_service
from fedcop.services.errors import ServiceError

log = logging.getLogger("fedcop")

ENVIRONMENT_HELP = """\
environment variables (a flag wins over its variable):
  FEDCOP_BASE_URL                 public base URL; default http://localhost:PORT
  FEDCOP_HOST, FEDCOP_PORT        where to listen; default 127.0.0.1 and 8080
  FEDCOP_DATA_DIR                 data directory; default ./fedcop-data
  FEDCOP_DATABASE_URL             a PostgreSQL URL; when unset, an embedded PostgreSQL runs
                                  in the data directory
  FEDCOP_ALLOW_PRIVATE_ADDRESSES  true to fetch from and deliver to loopback/private addresses
                                  (local multi-node set-ups and tests only); default false
  FEDCOP_AUTHORIZED_FETCH         true to require signed GETs for actor and object documents
                                  (the instance actor stays fetchable unsigned); default false
  FEDCOP_NODE_NAME                the name shown on pages and in NodeInfo; default fedcop
  FEDCOP_WORKERS                  server processes (each also runs the queue workers, unless
                                  --no-workers); default 1, about one per CPU core under load
  FEDCOP_CONTACT_EMAIL            the node's contact address (in the client API's instance
                                  information); default postmaster@HOST of the base URL
  FEDCOP_TRUSTED_PROXIES          addresses or CIDR networks, comma-separated, of the reverse
                                  proxies whose X-Forwarded-For, X-Forwarded-Proto and
                                  X-Request-Id are believed; default none (headers ignored)
  FEDCOP_METRICS_ALLOW            client addresses or networks allowed to read /metrics, or
                                  none; default 127.0.0.1 and ::1
  FEDCOP_LOG_FORMAT               text (one readable line per event) or json (JSON lines);
                                  default text
  FEDCOP_LOG_LEVEL                debug, info (one access line per request), warning or error;
                                  default info
  FEDCOP_SMTP_HOST                the SMTP server outbound mail goes through; unset: mail off
  FEDCOP_SMTP_PORT                its port; default 587 (starttls), 465 (tls), 25 (none)
  FEDCOP_SMTP_SECURITY            starttls, tls (implicit TLS) or none; default starttls
  FEDCOP_SMTP_USER, FEDCOP_SMTP_PASSWORD  the SMTP login, if the server asks for one
  FEDCOP_MAIL_FROM                the From address of every mail; default noreply@HOST
  FEDCOP_DKIM_KEY_FILE, FEDCOP_DKIM_SELECTOR, FEDCOP_DKIM_DOMAIN
                                  sign outgoing mail with DKIM (all three set); default off
"""


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        help="data directory (embedded database, lock file) [FEDCOP_DATA_DIR, ./fedcop-data]",
    )
    parser.add_argument(
        "--base-url",
        metavar="URL",
        help="public base URL, https in production [FEDCOP_BASE_URL, http://localhost:PORT]",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedcop",
        description="fedcop: a federated server for communities of practice.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fedcop {fedcop.__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    serve = commands.add_parser(
        "serve",
        help="run the node (starts the embedded database when no database URL is set)",
        description="Run the node: apply migrations, then serve HTTP until SIGINT or SIGTERM.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(serve)
    serve.add_argument("--host", help="address to listen on [FEDCOP_HOST, 127.0.0.1]")
    serve.add_argument("--port", type=int, help="port to listen on [FEDCOP_PORT, 8080]")
    serve.add_argument(
        "--allow-private-addresses",
        action="store_true",
        default=None,
        help="allow fetching from and delivering to loopback/private addresses "
        "[FEDCOP_ALLOW_PRIVATE_ADDRESSES, off]",
    )
    serve.add_argument(
        "--workers",
        type=int,
        help="server processes sharing the port, about one per CPU core [FEDCOP_WORKERS, 1]",
    )
    serve.add_argument(
        "--authorized-fetch",
        action="store_true",
        default=None,
        help="require signed GETs for actor and object documents [FEDCOP_AUTHORIZED_FETCH, off]",
    )
    serve.add_argument(
        "--no-workers",
        action="store_true",
        help="web only: leave the queues to `fedcop worker` processes",
    )

    worker = commands.add_parser(
        "worker",
        help="run the queue workers only (no HTTP), beside `serve --no-workers` processes",
        description="Run queue workers until SIGTERM or SIGINT (each finishes its current batch "
        "first). With none of --inbox, --delivery, --mail, all kinds run. With the embedded "
        "database a worker joins the running `serve` of its data directory; on other machines set "
        "FEDCOP_DATABASE_URL.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(worker)
    worker.add_argument("--inbox", action="store_true", help="run the inbox worker")
    worker.add_argument("--delivery", action="store_true", help="run the delivery worker")
    worker.add_argument(
        "--mail", action="store_true", help="run the outbound mail worker (needs FEDCOP_SMTP_HOST)"
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        default=1,
        metavar="N",
        help="concurrent claim loops per kind of worker [1]",
    )
    worker.add_argument(
        "--lease-seconds",
        type=float,
        metavar="S",
        help="how long a claimed row stays this worker's before another may take it over "
        "[inbound 300, deliveries 120]",
    )
    worker.add_argument(
        "--allow-private-addresses",
        action="store_true",
        default=None,
        help="allow fetching from and delivering to loopback/private addresses "
        "[FEDCOP_ALLOW_PRIVATE_ADDRESSES, off]",
    )

    mail = commands.add_parser(
        "mail",
        help="receive mail: the SMTP/LMTP listener the node's mail server hands replies to",
        description="Listen for mail to the node's mail domain (FEDCOP_MAIL_DOMAIN): replies "
        "to reply addresses, new threads to community addresses, delivery reports. Each message "
        "is kept in the database first, then read. Optionally polls an IMAP mailbox too "
        "(FEDCOP_IMAP_HOST, FEDCOP_IMAP_USER, FEDCOP_IMAP_PASSWORD, FEDCOP_IMAP_FOLDER). Runs "
        "until SIGTERM or SIGINT.",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(mail)
    mail.add_argument(
        "--listen-host", metavar="ADDR", help="address to listen on [FEDCOP_MAIL_LISTEN_HOST, "
        "127.0.0.1]"
    )  # fmt: skip
    mail.add_argument("--listen-port", metavar="PORT", help="port [FEDCOP_MAIL_LISTEN_PORT, 2525]")
    mail.add_argument(
        "--lmtp",
        action="store_true",
        default=None,
        help="speak LMTP (Postfix lmtp: transport) instead of SMTP [FEDCOP_MAIL_LMTP, off]",
    )
    mail.add_argument(
        "--max-bytes", metavar="N", help="largest message accepted [FEDCOP_MAIL_MAX_BYTES, 10 MiB]"
    )

    migrate = commands.add_parser(
        "migrate",
        help="apply database migrations and exit",
        epilog=ENVIRONMENT_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_common(migrate)

    admin = commands.add_parser("admin", help="manage users and communities")
    admin_commands = admin.add_subparsers(dest="admin_command", metavar="ACTION", required=True)
    create_user = admin_commands.add_parser("create-user", help="create a user account")
    create_user.add_argument("name", help="user name: lowercase letters, digits, underscores")
    create_user.add_argument("--password", required=True, help="at least 8 characters")
    create_user.add_argument("--admin", action="store_true", help="make the user a node admin")
    _add_common(create_user)
    create_community = admin_commands.add_parser("create-community", help="create a community")
    create_community.add_argument(
        "name", help="community name: lowercase letters, digits, underscores"
    )
    create_community.add_argument("--title", required=True, help="the community's display title")
    create_community.add_argument(
        "--owner", required=True, help="an existing user; becomes the first facilitator"
    )
    create_community.add_argument("--summary", default="", help="a short description")
    create_community.add_argument(
        "--private",
        action="store_true",
        help="members only: joining needs a facilitator's approval, posts are not public",
    )
    _add_common(create_community)
    listing = admin_commands.add_parser("list", help="list local users and communities")
    _add_common(listing)
    token = admin_commands.add_parser(
        "token", help="print a bearer token for the client API, acting as a user"
    )
    token.add_argument("name", help="an existing, active user")
    token.add_argument(
        "--scopes",
        default="read write follow push",
        help='space-separated OAuth scopes [default: "read write follow push"]',
    )
    _add_common(token)
    operator_commands.add_commands(admin_commands, _add_common)
    return parser


def _config_from(args: argparse.Namespace) -> Config:
    return load_config(
        {
            "data_dir": getattr(args, "data_dir", None),
            "base_url": getattr(args, "base_url", None),
            "host": getattr(args, "host", None),
            "port": getattr(args, "port", None),
            "allow_private_addresses": getattr(args, "allow_private_addresses", None),
            "authorized_fetch": getattr(args, "authorized_fetch", None),
            "workers": getattr(args, "workers", None),
        }
    )


class ShutdownRequested(Exception):
    """SIGINT or SIGTERM arrived: unwind, stopping the embedded database on the way out."""


def _request_shutdown(signum: int, frame: object) -> None:
    raise ShutdownRequested(signal.Signals(signum).name)


def serve(config: Config, *, run_workers: bool = True) -> None:
    """`run_workers=False` (--no-workers): web only, the queues are left to `fedcop worker`."""
    import uvicorn

    # uvicorn shuts down gracefully on these signals and then re-raises them into the handlers
    # it found installed: these, which unwind through NodeDatabase so the database stops too.
    signal.signal(signal.SIGINT, _request_shutdown)
    signal.signal(signal.SIGTERM, _request_shutdown)

    from fedcop.app import create_app
    from fedcop.media.backends import check_storage

    check_storage(config)  # a bucket that cannot be used is named before anything starts
    database = NodeDatabase(config, role="serve")
    with database as dsn, _supervised(database) as supervisor:
        config = database.config
        where = "FEDCOP_DATABASE_URL" if config.database_url else f"embedded in {config.data_dir}"
        log.info("fedcop %s at %s (database: %s)", fedcop.__version__, config.base_url, where)
        try:
            if config.workers > 1:
                _serve_processes(replace(config, database_url=dsn), run_workers=run_workers)
            else:
                app = create_app(config, dsn, run_workers=run_workers)
                server = uvicorn.Server(_uvicorn_config(config, app))
                server.run()
                if not server.started:
                    raise SystemExit(_cannot_listen(config))
        except ShutdownRequested:
            if supervisor is None or supervisor.failure is None:
                raise
        if supervisor is not None and supervisor.failure is not None:
            raise EmbeddedPostgresError(supervisor.failure)


@contextlib.contextmanager
def _supervised(database: NodeDatabase) -> Iterator[ClusterSupervisor | None]:
    """Restart the embedded cluster whenever it dies, while serve runs; when it cannot, stop
    serve (SIGTERM to itself: the web server shuts down gracefully) and report why."""
    if database.embedded is None or not database.owns_cluster:
        yield None  # FEDCOP_DATABASE_URL: the server is someone else's; the pools reconnect
        return

    def give_up(message: str) -> None:
        os.kill(os.getpid(), signal.SIGTERM)

    with ClusterSupervisor(database.embedded, on_give_up=give_up) as supervisor:
        yield supervisor


def _uvicorn_config(config: Config, app: Any, **options: Any) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        # X-Forwarded-* are read by fedcop.observability.proxies, from FEDCOP_TRUSTED_PROXIES
        # only (uvicorn's own would trust 127.0.0.1, or FORWARDED_ALLOW_IPS, by default).
        proxy_headers=False,
        server_header=False,
        access_log=False,  # fedcop.access writes one line per request, with its id
        log_config=None,  # logging is fedcop's (fedcop.observability.logs): one format
        log_level=config.log_level,
        **options,
    )


def _serve_processes(config: Config, *, run_workers: bool = True) -> None:
    """N server processes on one socket, supervised here; this process keeps the database."""
    from uvicorn.supervisors import Multiprocess

    from fedcop.observability.metrics import multiprocess_directory

    os.environ.update(environment_of(config))  # what each spawned process builds its app from
    factory = "fedcop.app:app_from_environment" if run_workers else "fedcop.cli:web_only_app"
    options = _uvicorn_config(config, factory, factory=True, workers=config.workers)
    try:
        sock = options.bind_socket()
    except (OSError, SystemExit):
        raise SystemExit(_cannot_listen(config)) from None
    # The processes' counters go to files in one directory, so any of them answers /metrics
    # for all (prometheus_client's multiprocess mode); the directory goes when serve stops.
    with multiprocess_directory():
        Multiprocess(options, sockets=[sock]).run()


def web_only_app() -> Any:
    """The app of one server process under `serve --workers N --no-workers`."""
    from fedcop.app import create_app

    config = load_config()
    if not config.database_url:
        raise RuntimeError("web_only_app needs FEDCOP_DATABASE_URL (set by fedcop serve)")
    return create_app(config, config.database_url, run_workers=False)


def worker(config: Config, args: argparse.Namespace) -> None:
    """Queue workers until SIGTERM/SIGINT; each claim loop finishes its batch, then exits."""
    from datetime import timedelta

    from fedcop.workers.process import KINDS, run_queue_workers

    if args.concurrency < 1:
        raise ConfigError(f"--concurrency {args.concurrency}: use 1 or more claim loops")
    if args.lease_seconds is not None and args.lease_seconds <= 0:
        raise ConfigError("--lease-seconds must be a positive number of seconds")
    kinds = [kind for kind in KINDS if getattr(args, kind)] or list(KINDS)
    lease = timedelta(seconds=args.lease_seconds) if args.lease_seconds else None
    database = NodeDatabase(config, role="worker")

    async def run(dsn: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()

        def request_stop(name: str) -> None:
            if stop.is_set():
                return
            log.info("%s: stopping after the current batch", name)
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, request_stop, sig.name)
        watch: asyncio.Task[None] | None = None
        if database.embedded is not None:
            # The cluster is serve's: when serve stops, so does the database, and so do we.
            async def watch_serve() -> None:
                while not stop.is_set():
                    await asyncio.sleep(1)
                    if not database.serve_running():
                        request_stop("fedcop serve stopped")

            watch = asyncio.create_task(watch_serve())
        try:
            await run_queue_workers(
                database.config,
                dsn,
                kinds=kinds,
                concurrency=args.concurrency,
                lease=lease,
                stop=stop,
            )
        finally:
            if watch is not None:
                watch.cancel()

    with database as dsn:
        asyncio.run(run(dsn))


def mail(config: Config, args: argparse.Namespace) -> None:
    """`fedcop mail`: listener, IMAP poller and reader until SIGTERM/SIGINT."""
    from fedcop.mail import inbound_settings
    from fedcop.workers import mail_inbound

    settings = inbound_settings.load(
        {
            "mail_listen_host": args.listen_host,
            "mail_listen_port": args.listen_port,
            "mail_lmtp": "true" if args.lmtp else None,
            "mail_max_bytes": args.max_bytes,
        }
    )
    database = NodeDatabase(config, role="worker")

    async def run(dsn: str) -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await mail_inbound.run(database.config, dsn, settings, stop)

    with database as dsn:
        asyncio.run(run(dsn))


def _cannot_listen(config: Config) -> str:
    return (
        f"fedcop could not listen on {config.host}:{config.port}: is another program using it? "
        "Choose another with --port"
    )


def migrate(config: Config) -> None:
    with NodeDatabase(config, role="admin") as database:
        del database
    print("database is up to date")


def _with_pool(config: Config, work: Callable[[Any, Config], Awaitable[None]]) -> None:
    async def run(dsn: str) -> None:
        pool = await create_pool(dsn, min_size=1, max_size=2)
        try:
            await work(pool, database.config)
        finally:
            await pool.close()

    database = NodeDatabase(config, role="admin")
    with database as dsn:
        asyncio.run(run(dsn))


def admin(config: Config, args: argparse.Namespace) -> None:
    if args.admin_command == "create-user":

        async def create_user(pool: Any, config: Config) -> None:
            actor = await accounts.create_user(
                pool, config, args.name, args.password, is_admin=args.admin
            )
            role = "admin " if args.admin else ""
            print(f"created {role}user @{actor.username}@{config.domain} ({actor.uri})")
            if args.admin:
                # A fresh node's first admin is guided from there (fedcop.web.setup).
                print(f"sign in at {config.base_url}/login, then {config.base_url}/setup")

        _with_pool(config, create_user)
    elif args.admin_command in operator_commands.COMMANDS:
        operator_commands.run(config, args, _with_pool)
    elif args.admin_command == "token":

        async def make_token(pool: Any, config: Config) -> None:
            print(await oauth.admin_token(pool, args.name, args.scopes))

        _with_pool(config, make_token)
    elif args.admin_command == "create-community":

        async def create_community(pool: Any, config: Config) -> None:
            actor = await accounts.create_community(
                pool,
                config,
                args.name,
                title=args.title,
                owner=args.owner,
                summary=args.summary,
                private=args.private,
            )
            print(
                f"created community @{actor.username}@{config.domain} ({actor.uri}), "
                f"facilitated by @{args.owner}"
            )

        _with_pool(config, create_community)
    else:

        async def show(pool: Any, config: Config) -> None:
            entries = await node_service.listing(pool)
            if not entries:
                print("no users or communities yet: add one with `fedcop admin create-user`")
            for entry in entries:
                if entry.actor_type == "Group":
                    facilitators = ", ".join(f"@{name}" for name in entry.facilitators)
                    print(
                        f"community  @{entry.username}@{config.domain}  {entry.display_name!r}  "
                        f"facilitators: {facilitators}"
                    )
                else:
                    suffix = "  (admin)" if entry.is_admin else ""
                    print(f"user       @{entry.username}@{config.domain}{suffix}")

        _with_pool(config, show)


def main(argv: Sequence[str] | None = None) -> None:
    setup_logging()
    args = build_parser().parse_args(argv)
    try:
        config = _config_from(args)
        setup_logging(config.log_level, config.log_format)
        if args.command == "serve":
            serve(config, run_workers=not args.no_workers)
        elif args.command == "worker":
            worker(config, args)
        elif args.command == "mail":
            mail(config, args)
        elif args.command == "migrate":
            migrate(config)
        else:
            admin(config, args)
    except ShutdownRequested as stop:
        log.info("stopped on %s", stop)
    except (ConfigError, EmbeddedPostgresError, DataDirBusy, ServiceError) as error:
        print(f"fedcop: {error}", file=sys.stderr)
        raise SystemExit(1) from None
    except OSError as error:
        if "connect" in str(error).lower() or isinstance(error, ConnectionError):
            print(
                f"fedcop: cannot reach the database ({error}): check FEDCOP_DATABASE_URL",
                file=sys.stderr,
            )
            raise SystemExit(1) from None
        raise


if __name__ == "__main__":
    main()
