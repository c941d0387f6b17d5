"""The media proxy: pictures from elsewhere shown from this node (`GET /media/proxy/TOKEN`).

```
picture(token)
  ├─ the token names an entry of a post still shown, and the entry is a picture ── else 404
  ├─ cached and fresh (fedcop.media.proxy_cache)             ──> served from disk
  ├─ a refusal or failure remembered for the token           ──> 502, its reason
  └─ fetch, once per token in this process (later askers wait for the same fetch) and once
     among processes (a lock file), behind the SSRF guard (Network.fetch_file):
       declared size over proxy_max_bytes                    ──> refused, remembered a day
       private or local address, bad scheme, redirect loop   ──> refused, remembered a day
       more bytes than proxy_max_bytes                       ──> refused, remembered a day
       the bytes are no JPEG/PNG/GIF/WebP/AVIF (HTML, SVG...) ──> refused, remembered a day
       its header announces more than 64 million pixels      ──> refused, remembered a day
       the server answers an error status                    ──> remembered an hour
       the host does not answer (timeout, connection)        ──> remembered ten minutes, and
                                                                 the host is not asked again
                                                                 by this process meanwhile
       a picture                                             ──> cached, served
```

Nothing on the inbox's path calls this: pictures are fetched when someone looks at them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, BinaryIO
from urllib.parse import urlsplit

from fedcop.media.proxy_cache import CachedPicture, ProxyCache, valid_token
from fedcop.media.proxy_pictures import HEAD_BYTES, picture_type, too_many_pixels
from fedcop.network import Network
from fedcop.services.media.received import is_picture
from fedcop.store.media import proxied_files
from federation.fetch_errors import (
    FetchError,
    RequestRefusedError,
    ResponseTooLargeError,
    StatusError,
    TransportError,
)

log = logging.getLogger(__name__)

# How long a fetch of one picture may take, connecting, redirects and every byte together.
FETCH_DEADLINE_SECONDS = 20.0
# How long a refusal or a failure is remembered, by kind.
REFUSAL_MEMORY_SECONDS = 24 * 3600.0
STATUS_MEMORY_SECONDS = 3600.0
TRANSPORT_MEMORY_SECONDS = 600.0
# Hosts remembered as not answering, at most (expired ones are forgotten past this).
MAX_QUIET_HOSTS = 1000


class ProxyRefusal(Exception):
    """The proxy cannot answer with a picture; `status` is 404 (no such file) or 502 (its
    server's fault), the message a sentence for the person looking."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class _Failure:
    reason: str
    seconds: float


class MediaProxy:
    def __init__(
        self,
        pool: Any,
        network: Network,
        cache: ProxyCache,
        *,
        max_bytes: int,
        deadline: float = FETCH_DEADLINE_SECONDS,
    ) -> None:
        self._pool = pool
        self._network = network
        self.cache = cache
        self._max_bytes = max_bytes
        self._deadline = deadline
        self._fetching: dict[str, asyncio.Task[None]] = {}
        # host -> (monotonic time until which it is not asked, why)
        self._quiet_hosts: dict[str, tuple[float, str]] = {}
        self.fetches = 0  # how many fetches this proxy started (for tests and metrics)

    async def picture(self, token: str) -> tuple[BinaryIO, CachedPicture]:
        """The picture behind `token`, opened; raises ProxyRefusal."""
        if not valid_token(token):
            raise ProxyRefusal(404, "No such file.")
        async with self._pool.acquire() as conn:
            entry = await proxied_files.find_entry(conn, token)
        if entry is None or not is_picture(entry) or not isinstance(entry.get("url"), str):
            raise ProxyRefusal(404, "No such file: it is not a picture of a post shown here.")
        opened = self.cache.open(token)
        if opened is not None:
            return opened
        remembered = self.cache.failure(token)
        if remembered is None:
            try:
                await self._fetch_once(token, entry)
            except Exception:  # a full disk, say: the visitor gets a sentence, not a 500
                log.exception("media proxy: fetching %s failed", entry["url"])
                raise ProxyRefusal(
                    502, "The picture could not be fetched; try again later."
                ) from None
            opened = self.cache.open(token)
            if opened is not None:
                return opened
            remembered = self.cache.failure(token)
        raise ProxyRefusal(502, remembered or "The picture could not be fetched; try again later.")

    async def _fetch_once(self, token: str, entry: dict[str, Any]) -> None:
        task = self._fetching.get(token)
        if task is None:
            task = asyncio.create_task(self._fetch_locked(token, entry))
            self._fetching[token] = task
            task.add_done_callback(lambda _done: self._fetching.pop(token, None))
        # A visitor who leaves does not cancel the fetch others wait for.
        await asyncio.shield(task)

    async def _fetch_locked(self, token: str, entry: dict[str, Any]) -> None:
        descriptor = await asyncio.to_thread(self.cache.lock_fetch, token)
        try:
            # Another process may have fetched it (or failed to) while this one waited.
            opened = self.cache.open(token)
            if opened is not None:
                opened[0].close()
                return
            if self.cache.failure(token) is not None:
                return
            failure = await self._fetch(token, entry)
            if failure is not None:
                self.cache.remember_failure(token, failure.reason, failure.seconds)
        finally:
            self.cache.unlock_fetch(descriptor)

    async def _fetch(self, token: str, entry: dict[str, Any]) -> _Failure | None:
        url = str(entry["url"])
        host = urlsplit(url).hostname or ""
        quiet = self._quiet_hosts.get(host)
        if quiet is not None and quiet[0] > time.monotonic():
            return _Failure(quiet[1], TRANSPORT_MEMORY_SECONDS)
        declared = entry.get("size")
        if isinstance(declared, int) and declared > self._max_bytes:
            return _Failure(self._too_large(), REFUSAL_MEMORY_SECONDS)
        self.fetches += 1
        with self.cache.writing() as (sink, temporary):
            try:
                await self._network.fetch_file(
                    url, sink, max_bytes=self._max_bytes, deadline=self._deadline
                )
            except FetchError as error:
                log.info("media proxy: %s", error)
                return self._failure_of(error, host)
            sink.flush()
            with temporary.open("rb") as written:
                if picture_type(written.read(HEAD_BYTES)) is None:
                    log.info("media proxy: %s is not a picture", url)
                    return _Failure(
                        "The file is not a picture this node shows (JPEG, PNG, GIF, WebP or AVIF).",
                        REFUSAL_MEMORY_SECONDS,
                    )
                if await asyncio.to_thread(too_many_pixels, temporary):
                    return _Failure(
                        "The picture has more pixels than this node shows.",
                        REFUSAL_MEMORY_SECONDS,
                    )
            await asyncio.to_thread(self.cache.keep, token, temporary)
        return None

    def _too_large(self) -> str:
        megabytes = self._max_bytes / (1024 * 1024)
        return f"The picture is larger than this node shows through its proxy ({megabytes:g} MB)."

    def _failure_of(self, error: FetchError, host: str) -> _Failure:
        if isinstance(error, ResponseTooLargeError):
            return _Failure(self._too_large(), REFUSAL_MEMORY_SECONDS)
        if isinstance(error, RequestRefusedError):
            return _Failure(
                "This node does not fetch from that address (a private or local network, a "
                "scheme other than https, or too many redirects).",
                REFUSAL_MEMORY_SECONDS,
            )
        if isinstance(error, StatusError):
            return _Failure(
                f"The picture's server answered HTTP {error.status}.", STATUS_MEMORY_SECONDS
            )
        if isinstance(error, TransportError):
            reason = "The picture's server could not be reached or did not answer in time."
            now = time.monotonic()
            if len(self._quiet_hosts) > MAX_QUIET_HOSTS:
                self._quiet_hosts = {
                    name: kept for name, kept in self._quiet_hosts.items() if kept[0] > now
                }
            self._quiet_hosts[host] = (now + TRANSPORT_MEMORY_SECONDS, reason)
            return _Failure(reason, TRANSPORT_MEMORY_SECONDS)
        return _Failure("The picture's server did not send a picture.", STATUS_MEMORY_SECONDS)
