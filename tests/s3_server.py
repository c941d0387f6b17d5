"""A real S3-protocol server for the tests: moto's standalone server, in its own process.

One server per test session (`s3_server`), a new bucket per test (`S3Server.new_bucket`), so
tests never see each other's files. fedcop talks to it exactly as to any S3-compatible storage:
over a socket, with signed requests, path-style addresses.

    s3_server (session fixture, tests/conftest.py) -> S3Server(endpoint)
      -> new_bucket() -> settings(bucket): MediaSettings(storage="s3", ...)
"""

from __future__ import annotations

import contextlib
import itertools
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx
from aiobotocore.session import get_session

from fedcop.media.s3_storage import client_config
from fedcop.media.settings import MediaSettings
from tests.processes import free_port

# The keys fedcop signs its requests with (moto takes any: it checks no credentials by default).
ACCESS_KEY_ID = "fedcop-test-key"
SECRET_ACCESS_KEY = "fedcop-test-secret"
REGION = "us-east-1"
_buckets = itertools.count(1)


@dataclass(frozen=True)
class S3Server:
    endpoint: str

    def settings(self, bucket: str, base: MediaSettings | None = None) -> MediaSettings:
        """Media settings that keep files in `bucket` of this server."""
        return replace(
            base or MediaSettings(),
            storage="s3",
            s3_endpoint=self.endpoint,
            s3_bucket=bucket,
            s3_region=REGION,
            s3_access_key_id=ACCESS_KEY_ID,
            s3_secret_access_key=SECRET_ACCESS_KEY,
        )

    async def new_bucket(self) -> str:
        """A bucket no other test uses."""
        name = f"fedcop-test-{next(_buckets)}"
        async with self.client() as client:
            await client.create_bucket(Bucket=name)
        return name

    async def object_keys(self, bucket: str) -> list[str]:
        """Every key in `bucket`, read from the server itself."""
        async with self.client() as client:
            listed = await client.list_objects_v2(Bucket=bucket)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def client(self) -> Any:
        """An S3 client of this server (`async with server.client() as client:`), to look at
        buckets from outside fedcop."""
        return get_session().create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
            config=client_config(),
        )


def start_s3_server(log: Path) -> tuple[subprocess.Popen[bytes], S3Server]:
    """moto's server on a free loopback port, answering before this returns."""
    port = free_port()
    log_file = log.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=log_file,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log_file.close()
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the S3 server exited early:\n{log.read_text()}")
        try:
            httpx.get(endpoint + "/moto-api/", timeout=2)
            return process, S3Server(endpoint)
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError(f"the S3 server did not answer within 60s:\n{log.read_text()}")


def stop_s3_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextlib.contextmanager
def running_s3_server() -> Iterator[S3Server]:
    """An S3 server for as long as the block runs (tests/conftest.py's `s3_server`: one a
    session)."""
    with tempfile.TemporaryDirectory(prefix="fedcop-s3-") as work:
        process, server = start_s3_server(Path(work) / "moto.log")
        try:
            yield server
        finally:
            stop_s3_server(process)
