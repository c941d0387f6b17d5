"""Polling an IMAP mailbox for inbound mail: the unseen messages, then marked seen.

For a node whose mail server cannot hand messages to `fedcop mail` (a hosted mailbox): the
standard library's imaplib, run in a thread. Each message is given to `keep` first and marked
\\Seen only once kept, so a crash between the two fetches it again (the queue drops the copy by
its Message-ID). What `keep` does not take, and what is too large, stays unseen for whoever else
reads the mailbox. No database here.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fedcop.mail.inbound_settings import ImapSettings

log = logging.getLogger(__name__)

MAX_PER_POLL = 200


@dataclass
class PassedOver:
    """Unseen messages a poll left alone (too large, or for no address of ours), by UID: later
    polls do not fetch them again, so they cannot fill every poll's MAX_PER_POLL. UIDs hold
    while the folder's UIDVALIDITY does."""

    uidvalidity: bytes = b""
    uids: set[bytes] = field(default_factory=set)


def _fetch_unseen(
    settings: ImapSettings, max_bytes: int, passed: PassedOver
) -> list[tuple[bytes, bytes]]:
    """(uid, raw message) of unseen messages, at most MAX_PER_POLL; nothing is marked yet."""
    client = _connect(settings)
    try:
        _select(client, settings.folder)
        validity = (client.response("UIDVALIDITY")[1] or [b""])[0] or b""
        if validity != passed.uidvalidity:
            passed.uidvalidity, passed.uids = validity, set()
        status, data = client.uid("SEARCH", "UNSEEN")
        unseen = data[0].split() if status == "OK" and data and data[0] else []
        passed.uids &= set(unseen)  # read or deleted by someone else: forgotten
        found = []
        for uid in [uid for uid in unseen if uid not in passed.uids][:MAX_PER_POLL]:
            size = _size(client, uid)
            if size is None or size > max_bytes:
                log.warning("IMAP message %s of %s bytes: too large, left alone", uid, size)
                passed.uids.add(uid)
                continue
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            for part in parts if status == "OK" else []:
                if isinstance(part, tuple):
                    found.append((uid, bytes(part[1])))
        return found
    finally:
        _close(client)


def _size(client: imaplib.IMAP4, uid: bytes) -> int | None:
    status, parts = client.uid("FETCH", uid.decode(), "(RFC822.SIZE)")
    for part in parts if status == "OK" else []:
        if isinstance(part, bytes) and b"RFC822.SIZE " in part:
            digits = part.split(b"RFC822.SIZE ", 1)[1].split(b")")[0].split()[0]
            return int(digits) if digits.isdigit() else None
    return None


def _mark_seen(settings: ImapSettings, uids: list[bytes]) -> None:
    if not uids:
        return
    client = _connect(settings)
    try:
        _select(client, settings.folder)
        status, data = client.uid("STORE", b",".join(uids).decode(), "+FLAGS", "(\\Seen)")
        if status != "OK":
            raise imaplib.IMAP4.error(f"marking mail seen in {settings.folder!r}: {data!r}")
    finally:
        _close(client)


def _select(client: imaplib.IMAP4, folder: str) -> None:
    # imaplib sends a mailbox name as given: quoted, a name may hold spaces ("Reply mail").
    quoted = '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
    status, data = client.select(quoted)
    if status != "OK":
        raise imaplib.IMAP4.error(f"no IMAP folder {folder!r}: {data!r}")


def _connect(settings: ImapSettings) -> imaplib.IMAP4:
    client: imaplib.IMAP4 = (
        imaplib.IMAP4_SSL(settings.host, settings.port, timeout=30)
        if settings.tls
        else imaplib.IMAP4(settings.host, settings.port, timeout=30)
    )
    client.login(settings.user, settings.password)
    return client


def _close(client: imaplib.IMAP4) -> None:
    with contextlib.suppress(imaplib.IMAP4.error, OSError):
        client.logout()


async def poll_once(
    settings: ImapSettings,
    max_bytes: int,
    keep: Callable[[bytes], Awaitable[bool]],
    passed: PassedOver | None = None,
) -> int:
    """Give every unseen message to `keep`, then mark seen those it took (True); how many.
    What it did not take stays unseen on the server, for whoever else reads the mailbox, and
    goes into `passed` (kept from one poll to the next) so that it is not fetched again."""
    passed = PassedOver() if passed is None else passed
    messages = await asyncio.to_thread(_fetch_unseen, settings, max_bytes, passed)
    kept: list[bytes] = []
    for uid, raw in messages:
        if await keep(raw):
            kept.append(uid)
        else:
            passed.uids.add(uid)
    await asyncio.to_thread(_mark_seen, settings, kept)
    return len(kept)
