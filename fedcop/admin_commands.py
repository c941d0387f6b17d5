"""The operator's `fedcop admin` commands: accounts, domain blocks, the queues, key rotation,
backups. (create-user, create-community, list and token are in fedcop.cli.)

Each command is a thin shell over a service (fedcop.services.admin, .keys, fedcop.db.backup):
it parses, calls, and prints one line a person can read. Whoever runs them already controls
the node (its data directory or its database URL), so no admin account is asked for.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg

from fedcop.config import Config, ConfigError, replace
from fedcop.db import backup as backups
from fedcop.db.migrate import apply_migrations
from fedcop.media import backup_files, moving
from fedcop.media.backends import open_storage
from fedcop.node import NodeDatabase
from fedcop.services import admin as admin_service
from fedcop.services import keys as key_service
from fedcop.services.mail import inbound_report as mail_inbound_report
from fedcop.services.mail import outbox as mail_outbox
from fedcop.services.media import lifecycle as media_lifecycle
from fedcop.store.admin import QueueCounts, StuckItem

WithPool = Callable[[Config, Callable[[Any, Config], Awaitable[None]]], None]
AddCommon = Callable[[argparse.ArgumentParser], None]

COMMANDS = (
    "suspend",
    "unsuspend",
    "reset-password",
    "promote",
    "demote",
    "block-domain",
    "unblock-domain",
    "list-blocks",
    "queue",
    "rotate-key",
    "copy-media-to-s3",
    "backup",
    "restore",
    "storage",
)


def add_commands(commands: Any, add_common: AddCommon) -> None:
    """Add the operator commands to `fedcop admin`'s subparsers."""

    def command(name: str, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = commands.add_parser(name, help=help, description=help)
        return parser

    def user_command(name: str, help: str) -> argparse.ArgumentParser:
        parser = command(name, help)
        parser.add_argument("user", metavar="USER", help="a local user name")
        add_common(parser)
        return parser

    user_command("suspend", "suspend an account: no sign-in, sessions ended, API tokens revoked")
    user_command("unsuspend", "let a suspended account sign in again")
    reset = user_command(
        "reset-password",
        "set a new password (printed when random): sessions end, API tokens are revoked",
    )
    reset.add_argument("--password", help="the new password (default: a random one, printed)")
    user_command("promote", "make a user a node administrator")
    user_command("demote", "make an administrator an ordinary user again")

    for name, help in (
        ("block-domain", "block a domain: its requests get 403 and nothing is sent there"),
        ("unblock-domain", "lift a domain block"),
    ):
        add_common(command(name, help))
        commands.choices[name].add_argument("host", metavar="HOST", help="e.g. spam.example")
    add_common(command("list-blocks", "list blocked domains"))

    queue = command(
        "queue",
        "show the queues (inbound, deliveries, mail): counts, the oldest due item, failed items",
    )
    add_common(queue)
    queue_commands = queue.add_subparsers(dest="queue_command", metavar="ACTION")
    retry = queue_commands.add_parser(
        "retry", help="put failed inbound activities / given-up deliveries back, due now"
    )
    retry.add_argument("--inbound", type=int, action="append", metavar="ID", default=[])
    retry.add_argument("--delivery", type=int, action="append", metavar="ID", default=[])
    retry.add_argument("--all-failed", action="store_true", help="every failed / given-up row")
    add_common(retry)

    rotate = command(
        "rotate-key",
        "give a user, a community or the instance actor a new key pair, announced to the "
        "servers that know it by an Update signed with the old key",
    )
    rotate.add_argument("name", nargs="?", metavar="NAME", help="a local user or community")
    rotate.add_argument(
        "--instance-actor", action="store_true", help="the node's own actor (signs its fetches)"
    )
    add_common(rotate)

    copy_media = command(
        "copy-media-to-s3",
        "copy the uploaded files of the data directory into the configured S3 bucket (same "
        "keys; files already there are skipped), before switching FEDCOP_MEDIA_STORAGE to s3",
    )
    add_common(copy_media)

    made = command(
        "backup",
        "write the database (settings and actors' private keys included) and the uploaded "
        "files kept in the data directory to one file",
    )
    made.add_argument("file", metavar="FILE", type=Path)
    add_common(made)
    restore = command("restore", "restore a backup into an empty database or data directory")
    restore.add_argument("file", metavar="FILE", type=Path)
    restore.add_argument(
        "--force", action="store_true", help="replace everything in a non-empty database"
    )
    restore.add_argument(
        "--ignore-base-url",
        action="store_true",
        help="restore a backup made for another base URL than the configured one",
    )
    add_common(restore)

    storage = command(
        "storage", "show the storage files use: in total, and the accounts that use the most"
    )
    storage.add_argument(
        "--top", type=int, default=media_lifecycle.TOP_ACCOUNTS, metavar="N",
        help=f"how many accounts to list (default {media_lifecycle.TOP_ACCOUNTS})",
    )  # fmt: skip
    add_common(storage)


def run(config: Config, args: argparse.Namespace, with_pool: WithPool) -> None:
    """Run the operator command `args.admin_command` (one of COMMANDS)."""
    try:
        _run(config, args, with_pool)
    except backups.BackupError as error:
        raise SystemExit(f"fedcop: {error}") from None


def _run(config: Config, args: argparse.Namespace, with_pool: WithPool) -> None:
    action = args.admin_command
    if action == "copy-media-to-s3":
        return _copy_media_to_s3(config)
    if action == "backup":
        return _backup(config, args.file)
    if action == "restore":
        return _restore(config, args.file, force=args.force, ignore_base_url=args.ignore_base_url)

    async def work(pool: Any, config: Config) -> None:
        for line in await _act(pool, config, args):
            print(line)

    with_pool(config, work)


async def _act(pool: Any, config: Config, args: argparse.Namespace) -> list[str]:
    action = args.admin_command
    handle = f"@{getattr(args, 'user', '')}@{config.domain}"
    if action == "suspend":
        await admin_service.suspend(pool, args.user)
        return [f"suspended {handle}: signed out everywhere, API tokens revoked"]
    if action == "unsuspend":
        await admin_service.unsuspend(pool, args.user)
        return [f"{handle} is active again"]
    if action == "reset-password":
        password = await admin_service.reset_password(pool, args.user, args.password)
        shown = "" if args.password else f": {password}"
        return [f"new password for {handle}{shown}", "(signed out everywhere, API tokens revoked)"]
    if action in ("promote", "demote"):
        await admin_service.set_admin(pool, args.user, action == "promote")
        return [f"{handle} is {'now' if action == 'promote' else 'no longer'} an administrator"]
    if action in ("block-domain", "unblock-domain"):
        blocked = action == "block-domain"
        host = await admin_service.set_domain_blocked(pool, args.host, blocked)
        if blocked:
            return [f"blocked {host}: its requests are refused and nothing is sent there"]
        return [f"unblocked {host}"]
    if action == "list-blocks":
        hosts = await admin_service.domain_blocks(pool)
        return hosts or ["no blocked domains"]
    if action == "queue":
        if args.queue_command == "retry":
            return await _retry(pool, args)
        mail_report = await mail_outbox.queue_report(pool)
        return (
            _queue_lines(await admin_service.queue_report(pool))
            + mail_outbox.queue_lines(mail_report, config.mail_enabled)
            + await mail_inbound_report.lines(pool)
        )
    if action == "rotate-key":
        return await _rotate(pool, config, args)
    if action == "storage":
        report = await media_lifecycle.storage_report(pool, max(0, min(args.top, 1000)))
        return media_lifecycle.report_lines(report, config.domain)
    raise AssertionError(f"unknown admin command {action}")


async def _retry(pool: Any, args: argparse.Namespace) -> list[str]:
    retried = await admin_service.retry_queue(
        pool,
        inbound_ids=args.inbound,
        delivery_ids=args.delivery,
        all_failed=args.all_failed,
    )
    return [
        f"inbound activities due again: {len(retried.inbound)}"
        + (f" ({', '.join(map(str, retried.inbound))})" if retried.inbound else ""),
        f"deliveries due again: {len(retried.deliveries)}"
        + (f" ({', '.join(map(str, retried.deliveries))})" if retried.deliveries else ""),
    ]


def _queue_lines(report: admin_service.QueueReport) -> list[str]:
    lines = [
        _counts_line("inbound   ", report.inbound),
        _counts_line("deliveries", report.deliveries),
    ]
    for title, items in (
        ("failed inbound activities", report.failed_inbound),
        ("given-up deliveries", report.given_up_deliveries),
    ):
        if items:
            lines.append(f"{title} (newest first; retry with `fedcop admin queue retry`):")
            lines.extend(_item_line(item) for item in items)
    return lines


def _counts_line(title: str, counts: QueueCounts) -> str:
    states = ", ".join(f"{state} {n}" for state, n in sorted(counts.by_state.items())) or "empty"
    if counts.oldest_due_seconds is None:
        due = "nothing due"
    else:
        due = f"oldest due item waiting {counts.oldest_due_seconds:.0f}s"
    return f"{title}  {states}; {due}"


def _item_line(item: StuckItem) -> str:
    when = item.finished_at.isoformat(timespec="seconds") if item.finished_at else "-"
    return f"  {item.id}  {when}  {item.what}  ({item.attempts} attempts): {item.last_error}"


async def _rotate(pool: Any, config: Config, args: argparse.Namespace) -> list[str]:
    if bool(args.name) == bool(args.instance_actor):
        raise ConfigError("name a user or community, or give --instance-actor (one of the two)")
    rotation = await key_service.rotate_key(
        pool, config, None if args.instance_actor else args.name
    )
    lines = [
        f"new key for {rotation.actor.uri}; {rotation.update_uri} announces it to "
        f"{rotation.inboxes} inbox(es), signed with the old key"
    ]
    if args.instance_actor:
        lines.append(
            "restart every fedcop serve and worker process: they sign fetches with the "
            "instance actor's key they read at start"
        )
    return lines


def _copy_media_to_s3(config: Config) -> None:
    if config.media.storage != "s3":
        raise ConfigError(
            "copy-media-to-s3 copies DATA_DIR/media into the bucket the node is to use: give it "
            "FEDCOP_MEDIA_STORAGE=s3 and the FEDCOP_S3_* settings (deploy/README.md, Files)"
        )
    directory = backup_files.disk_directory(config.data_dir)
    if not directory.is_dir():
        raise ConfigError(f"there is no {directory}: give the node's data directory (--data-dir)")

    async def copy() -> moving.CopyReport:
        bucket = await open_storage(config)
        try:
            return await moving.copy_files(directory, bucket, print)
        finally:
            await bucket.close()

    report = asyncio.run(copy())
    print(
        f"copied {report.copied} file(s) ({report.bytes_copied / (1024 * 1024):.1f} MB) from "
        f"{directory} into bucket {config.media.s3_bucket!r}; {report.already_there} were "
        "already there"
    )


def _backup(config: Config, file: Path) -> None:
    files = backup_files.files_place(config.media, config.data_dir)
    database = NodeDatabase(config, role="admin")
    with database as dsn:
        manifest = backups.backup(dsn, file, files)
    print(
        f"backed up {manifest.base_url} (migration {manifest.migration_version}, PostgreSQL "
        f"{manifest.postgres_version}) to {file.absolute()}"
    )
    if files.in_backup:
        print(f"with {backup_files.describe(manifest.media)} from {files.directory}")
    else:
        print(f"WARNING: {files.bucket_note()}")
    print("it holds every local actor's private key: keep it as safe as the server itself")


def _restore(config: Config, file: Path, *, force: bool, ignore_base_url: bool) -> None:
    manifest = backups.read_manifest(file)
    if manifest.base_url != config.base_url:
        if config.base_url_given and not ignore_base_url:
            raise ConfigError(
                f"{file} is a backup of {manifest.base_url}, not of {config.base_url}: a node's "
                f"ids cannot change, so restore it with --base-url {manifest.base_url} (or give "
                "--ignore-base-url to restore it anyway)"
            )
        config = replace(config, base_url=manifest.base_url)
    database = NodeDatabase(config, role="admin", prepare=False)
    with database as dsn:
        if database.embedded is not None and not database.owns_cluster:
            raise ConfigError(
                f"fedcop serve is running on {config.data_dir}: stop it (and every worker) "
                "before restoring"
            )
        backups.restore(dsn, file, force=force)
        asyncio.run(_migrate(dsn))  # a backup of an older fedcop is brought up to date
    directory = backup_files.disk_directory(config.data_dir)
    restored_files = backups.restore_media_files(file, directory)
    created = datetime.fromisoformat(manifest.created_at).strftime("%Y-%m-%d %H:%M UTC")
    print(
        f"restored {manifest.base_url} as backed up at {created} (fedcop "
        f"{manifest.fedcop_version}); start it with: fedcop serve --base-url {manifest.base_url}"
    )
    if restored_files:
        print(f"restored {restored_files} uploaded file(s) into {directory}")
        if config.media.storage == "s3":
            print(
                f"WARNING: this node keeps files in bucket {config.media.s3_bucket!r}: copy "
                f"them from {directory} into it with `fedcop admin copy-media-to-s3`"
            )
    elif manifest.media is not None and not manifest.media.get("included"):
        print(f"WARNING: {manifest.media.get('note')}; restore that bucket separately")


async def _migrate(dsn: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
