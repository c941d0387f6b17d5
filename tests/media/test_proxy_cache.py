"""The media proxy's disk cache stays within its bound, least recently served first, and
forgets pictures (and refusals) once they are older than their time."""

from __future__ import annotations

from pathlib import Path

from fedcop.media.proxy_cache import ProxyCache
from tests.media.picture_server import png_bytes

DAY = 86400.0


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000_000.0

    def __call__(self) -> float:
        return self.now


def token(letter: str) -> str:
    return letter * 20


def put(cache: ProxyCache, name: str, data: bytes) -> None:
    with cache.writing() as (sink, temporary):
        sink.write(data)
        sink.flush()
        cache.keep(name, temporary)


def served(cache: ProxyCache, name: str) -> bytes | None:
    opened = cache.open(name)
    if opened is None:
        return None
    handle, _ = opened
    with handle:
        return handle.read()


def test_the_cache_keeps_within_its_bound_dropping_the_least_recently_served(
    tmp_path: Path,
) -> None:
    clock = Clock()
    picture = png_bytes(200, 200, "navy")
    # Given room for two pictures
    cache = ProxyCache(
        tmp_path, max_bytes=2 * len(picture) + 10, max_age_seconds=7 * DAY, clock=clock
    )
    put(cache, token("a"), picture)
    clock.now += 60
    put(cache, token("b"), picture)
    clock.now += 60
    # When the older one is looked at again, then a third arrives
    assert served(cache, token("a")) == picture
    clock.now += 60
    put(cache, token("c"), picture)
    # Then the one served longest ago made room, and the cache stays within its bound
    assert served(cache, token("b")) is None
    assert served(cache, token("a")) == picture
    assert served(cache, token("c")) == picture
    assert cache.size() <= cache.max_bytes
    assert not list((tmp_path / "tmp").iterdir())


def test_pictures_and_refusals_expire(tmp_path: Path) -> None:
    clock = Clock()
    picture = png_bytes()
    cache = ProxyCache(tmp_path, max_bytes=10**6, max_age_seconds=7 * DAY, clock=clock)
    put(cache, token("a"), picture)
    cache.remember_failure(token("b"), "The picture's server answered HTTP 404.", 3600)
    assert cache.failure(token("b")) == "The picture's server answered HTTP 404."
    # An hour later the refusal is forgotten (the file may be asked for again)
    clock.now += 3601
    assert cache.failure(token("b")) is None
    assert served(cache, token("a")) == picture
    # A week later the picture is stale: it is fetched again, and trimming deletes it
    clock.now += 7 * DAY
    assert served(cache, token("a")) is None
    cache.trim()
    assert cache.size() == 0
    left = [path for path in tmp_path.rglob("*") if path.is_file() and "locks" not in path.parts]
    assert not left


def test_a_file_that_is_not_a_picture_is_never_served_from_the_cache(tmp_path: Path) -> None:
    cache = ProxyCache(tmp_path, max_bytes=10**6, max_age_seconds=DAY)
    put(cache, token("a"), b"<html><script>alert(1)</script></html>")
    assert cache.open(token("a")) is None
