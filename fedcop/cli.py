"""The `fedcop` command: serve | migrate | admin create-user | admin create-community | admin list.

Every command uses the same configuration (FEDCOP_* variables, flags winning over them) and the
same database: FEDCOP_DATABASE_URL, or the embedded cluster in the data directory, which admin
commands share with a running `serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import fedcop
from fedcop.config import Config, ConfigError, environment_of, load_config, replace
from fedcop.db.datadir_lock import DataDirBusy
from fedcop.db.embedded import EmbeddedPostgresError
from fedcop.db.pool import create_pool
from fedcop.node import NodeDatabase
from fedcop.services import accounts
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
  FEDCOP_WORKERS                  server processes (each also runs the queue workers);
                                  default 1, about one per CPU core under load
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


def serve(config: Config) -> None:
    import uvicorn

    # uvicorn shuts down gracefully on these signals and then re-raises them into the handlers
    # it found installed: these, which unwind through NodeDatabase so the database stops too.
    signal.signal(signal.SIGINT, _request_shutdown)
    signal.signal(signal.SIGTERM, _request_shutdown)

    from fedcop.app import create_app

    database = NodeDatabase(config, role="serve")
    with database as dsn:
        config = database.config
        where = "FEDCOP_DATABASE_URL" if config.database_url else f"embedded in {config.data_dir}"
        log.info("fedcop %s at %s (database: %s)", fedcop.__version__, config.base_url, where)
        if config.workers > 1:
            _serve_processes(replace(config, database_url=dsn))
            return
        server = uvicorn.Server(_uvicorn_config(config, create_app(config, dsn)))
        server.run()
        if not server.started:
            raise SystemExit(_cannot_listen(config))


def _uvicorn_config(config: Config, app: Any, **options: Any) -> Any:
    import uvicorn

    return uvicorn.Config(
        app,
        host=config.host,
        port=config.port,
        proxy_headers=True,
        server_header=False,
        access_log=False,
        log_level="info",
        **options,
    )


def _serve_processes(config: Config) -> None:
    """N server processes on one socket, supervised here; this process keeps the database."""
    from uvicorn.supervisors import Multiprocess

    os.environ.update(environment_of(config))  # what each spawned process builds its app from
    options = _uvicorn_config(
        config, "fedcop.app:app_from_environment", factory=True, workers=config.workers
    )
    try:
        sock = options.bind_socket()
    except (OSError, SystemExit):
        raise SystemExit(_cannot_listen(config)) from None
    Multiprocess(options, sockets=[sock]).run()


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

        _with_pool(config, create_user)
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
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        config = _config_from(args)
        if args.command == "serve":
            serve(config)
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
