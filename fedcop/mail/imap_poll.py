"""Polling an IMAP mailbox for inbound mail: the unseen messages, then marked seen.

For a node whose mail server cannot hand messages to `fedcop mail` (a hosted mailbox): the
standard library's imaplib, run in a thread. Each message is given to `keep` first and marked
\\Seen only once kept, so a crash between the two fetches it again (the queue drops the copy by
its Message-ID). No database here.
"""

from __future__ import annotations

import asyncio
import contextlib
import imaplib
import logging
from collections.abc import Awaitable, Callable

from fedcop.mail.inbound_settings import ImapSettings

log = logging.getLogger(__name__)

MAX_PER_POLL = 200


def _fetch_unseen(settings: ImapSettings, max_bytes: int) -> list[tuple[bytes, bytes]]:
    """(uid, raw message) of unseen messages, at most MAX_PER_POLL; nothing is marked yet."""
    client = _connect(settings)
    try:
        _select(client, settings.folder)
        status, data = client.uid("SEARCH", "UNSEEN")
        if status != "OK" or not data or not data[0]:
            return []
        found = []
        for uid in data[0].split()[:MAX_PER_POLL]:
            status, parts = client.uid("FETCH", uid, "(BODY.PEEK[])")
            for part in parts if status == "OK" else []:
                if isinstance(part, tuple) and len(part[1]) <= max_bytes:
                    found.append((uid, bytes(part[1])))
        return found
    finally:
        _close(client)


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
    settings: ImapSettings, max_bytes: int, keep: Callable[[bytes], Awaitable[bool]]
) -> int:
    """Give every unseen message to `keep`, then mark seen those it took (True); how many.
    What it did not take stays unseen on the server, for whoever else reads the mailbox."""
    messages = await asyncio.to_thread(_fetch_unseen, settings, max_bytes)
    kept: list[bytes] = []
    for uid, raw in messages:
        if await keep(raw):
            kept.append(uid)
    await asyncio.to_thread(_mark_seen, settings, kept)
    return len(kept)
