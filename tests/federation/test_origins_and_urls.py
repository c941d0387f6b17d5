"""The two small rules the origin rule and the URL policy rest on: `same_origin` (scheme, host,
port) and `safe_url` (http or https with a host, nothing else)."""

from __future__ import annotations

import pytest

from federation.html import safe_url
from federation.vocab import origin_of, same_origin


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://a.example/post/1", "https://a.example/u/ana"),
        ("https://A.Example/post/1", "https://a.example/u/ana"),
        ("https://a.example:443/post/1", "https://a.example/u/ana"),
        ("http://a.example:80/post/1", "http://a.example/u/ana"),
        ("http://a.test:8001/post/1", "http://a.test:8001/u/ana"),
        ("https://[2001:db8::1]:8443/p", "https://[2001:db8::1]:8443/u/x"),
    ],
)
def test_one_origin(first: str, second: str) -> None:
    assert same_origin(first, second)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("https://a.example/post/1", "https://b.example/u/vic"),
        ("http://a.test:8001/post/1", "http://a.test:8002/u/vic"),
        ("https://a.example/post/1", "https://a.example:8443/u/vic"),
        ("https://a.example/post/1", "http://a.example/u/vic"),
        ("https://a.example/post/1", "https://sub.a.example/u/vic"),
        ("https://a.example/post/1", None),
        (None, None),
        ("javascript:alert(1)", "javascript:alert(1)"),
        ("https://a.example:99999/p", "https://a.example:99999/u"),
        ("https://a.example:x/p", "https://a.example:x/u"),
        ("/post/1", "/u/ana"),
    ],
)
def test_another_origin(first: object, second: object) -> None:
    assert not same_origin(first, second)


def test_an_origin_reads_the_default_port() -> None:
    assert origin_of("https://A.example/x") == ("https", "a.example", 443)
    assert origin_of("http://a.test:8001/x") == ("http", "a.test", 8001)
    assert origin_of("mailto:ana@a.example") is None


@pytest.mark.parametrize(
    "url",
    [
        "https://a.example/post/1",
        "http://a.test:8001/u/ana?x=1#y",
        "HTTPS://a.example/",
        "https://[2001:db8::1]/p",
    ],
)
def test_a_safe_url_is_kept(url: str) -> None:
    assert safe_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        " javascript:alert(1)",
        "java\tscript:alert(1)",
        "javascript://a.example/%0Aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//a.example/p",
        "/p/1",
        "https:///p",
        "https://a.example/\nx",
        "https://[::1/p",
        "ftp://a.example/f",
        "https://a.example/" + "x" * 2048,
        None,
        42,
        "",
    ],
)
def test_anything_else_is_refused(url: object) -> None:
    assert safe_url(url) is None
