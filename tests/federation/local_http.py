"""Real HTTP(S) servers on loopback for the federation tests: uvicorn in a background thread.

The server runs its own event loop in its own thread, so a test's client and the server never
share a loop, exactly as with a remote peer.
"""

from __future__ import annotations

import datetime
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpcore
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.types import ASGIApp

from federation.netguard import Resolver, resolve_with_getaddrinfo


@contextmanager
def serve(
    app: ASGIApp, *, certfile: Path | None = None, keyfile: Path | None = None
) -> Iterator[int]:
    """Run `app` on 127.0.0.1 until the block ends; yields the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port: int = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_level="warning",
        access_log=False,
        # Handlers the tests left stalling are cancelled rather than awaited at shutdown.
        timeout_graceful_shutdown=0,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    give_up_at = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > give_up_at:
            raise RuntimeError("the test HTTP server did not start")
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def self_signed_certificate(directory: Path, hostname: str) -> tuple[Path, Path]:
    """A certificate for `hostname` only (no IP address in it); returns (certfile, keyfile)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(hostname)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certfile = directory / "cert.pem"
    keyfile = directory / "key.pem"
    certfile.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    keyfile.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certfile, keyfile


# A public address the tests pretend names resolve to; StandInNetwork connects it to loopback,
# so nothing ever leaves the machine.
PUBLIC_STAND_IN = "93.184.216.34"


def resolver_for(names: dict[str, list[str]]) -> Resolver:
    """A resolver that answers `names` from the table and everything else from the system."""

    async def resolve(host: str, port: int) -> list[str]:
        if host in names:
            return list(names[host])
        return await resolve_with_getaddrinfo(host, port)

    return resolve


class StandInNetwork(httpcore.AsyncNetworkBackend):
    """Opens real loopback connections when asked for PUBLIC_STAND_IN; records what was asked."""

    def __init__(self) -> None:
        self._real = httpcore.AnyIOBackend()
        self.connected_to: list[str] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connected_to.append(host)
        address = "127.0.0.1" if host == PUBLIC_STAND_IN else host
        return await self._real.connect_tcp(
            address, port, timeout=timeout, local_address=local_address
        )

    async def sleep(self, seconds: float) -> None:
        await self._real.sleep(seconds)
