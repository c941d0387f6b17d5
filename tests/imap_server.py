"""A private Dovecot IMAP server for one test user, on 127.0.0.1 and a free port, without TLS.

with imap_server() as server:                      # dovecot -F -c <its own config>
    server.append(raw)                             # what a mail server would have delivered
    server.flags()                                 # {uid: flags} of the INBOX, read by imaplib

Everything (config, sockets, state, log, the Maildir) lives in a temporary directory. Run as root,
Dovecot's own unprivileged users (the package's `dovecot` and `dovenull`) run its processes and
own the Maildir (its login processes refuse to run as root); run as anyone else, every process
runs as that user. When Dovecot cannot start, the error names Dovecot's own log.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fedcop.mail.inbound_settings import ImapSettings

USER = "fedcop-mail"
PASSWORD = "imap-test-password"
START_SECONDS = 30.0


@dataclass(frozen=True)
class ImapServer:
    port: int
    log: Path

    def settings(self, folder: str = "INBOX") -> ImapSettings:
        return ImapSettings(
            host="127.0.0.1", port=self.port, tls=False, user=USER, password=PASSWORD,
            folder=folder,
        )  # fmt: skip

    @contextlib.contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        client = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            client.login(USER, PASSWORD)
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def create_folder(self, folder: str) -> None:
        with self.client() as client:
            status, data = client.create(_quoted(folder))
            assert status == "OK", data

    def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Deliver a message, unseen, as the node's mail server would."""
        with self.client() as client:
            # imaplib ends the lines in CRLF, as IMAP wants
            status, data = client.append(_quoted(folder), None, None, raw)
            assert status == "OK", data

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        """Each message's flags, by UID, without changing them (\\Recent, which depends on who
        looked first, left out)."""
        with self.client() as client:
            status, data = client.select(_quoted(folder), readonly=True)
            assert status == "OK", data
            status, data = client.uid("FETCH", "1:*", "(FLAGS)")
            assert status == "OK", data
        found = {}
        for line in data:
            if isinstance(line, bytes) and b"UID " in line:
                # b'1 (UID 1 FLAGS (\\Seen))'
                uid = int(line.split(b"UID ", 1)[1].split()[0].rstrip(b")"))
                flags = line.split(b"FLAGS (", 1)[1].split(b")", 1)[0].decode().split()
                found[uid] = set(flags) - {"\\Recent"}
        return found


def _quoted(folder: str) -> str:
    """imaplib sends mailbox names as given: a quoted string may hold spaces."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _users(mail: Path) -> tuple[str, str, str]:
    """(internal user, login user, mail user)."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid()).pw_name
        return me, me, me
    for name in ("dovecot", "dovenull"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            raise RuntimeError(
                f"no user {name!r}: install Dovecot (tests/install-system-packages.sh)"
            ) from None
    shutil.chown(mail, "dovecot", "dovecot")
    return "dovecot", "dovenull", "dovecot"


def _config(root: Path, port: int) -> str:
    mail = root / "mail"
    mail.mkdir()
    internal, login, mail_user = _users(mail)
    group = pwd.getpwnam(mail_user).pw_gid
    return f"""\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_internal_user = {internal}
default_internal_group = {grp.getgrgid(group).gr_name}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:{mail}/%u
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={group} home={mail}/%u allow_all_users=yes
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


def _greets(port: int) -> bool:
    """Whether an IMAP login process answers (the port alone opens before one can)."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as probe:
            return probe.recv(64).startswith(b"* OK")
    except OSError:
        return False


def _log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else "(no log written)"


@contextlib.contextmanager
def imap_server() -> Iterator[ImapServer]:
    dovecot = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if dovecot is None:
        raise RuntimeError("dovecot is not installed: run tests/install-system-packages.sh")
    root = Path(tempfile.mkdtemp(prefix="fedcop-imap-"))
    root.chmod(0o755)  # Dovecot's unprivileged processes reach the Maildir through it
    port = _free_port()
    config = root / "dovecot.conf"
    config.write_text(_config(root, port))
    log = root / "dovecot.log"
    process = subprocess.Popen(
        [dovecot, "-F", "-c", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not _greets(port):
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                raise RuntimeError(f"dovecot exited ({process.returncode}): {output}\n{_log(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"dovecot did not answer on port {port}:\n{_log(log)}")
            time.sleep(0.05)  # polling the socket, bounded by the deadline
        yield ImapServer(port, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)
