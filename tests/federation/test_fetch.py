"""Signed GET of ActivityPub documents against a real HTTP server on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from federation.fetch import (
    ACTIVITY_JSON_ACCEPT,
    FetchLimits,
    checked_url,
    fetch_jrd,
    fetch_json,
)
from federation.fetch_errors import (
    BlockedAddressError,
    ConnectionFailedError,
    ContentTypeError,
    FetchError,
    FetchTimeoutError,
    GoneError,
    IdMismatchError,
    InvalidJSONError,
    InvalidURLError,
    NotFoundError,
    RequestRefusedError,
    ResponseTooLargeError,
    SchemeNotAllowedError,
    StatusError,
    TooManyRedirectsError,
)
from federation.host_clients import HostClients
from tests.federation.local_http import (
    PUBLIC_STAND_IN,
    StandInNetwork,
    resolver_for,
    serve,
    unused_port,
)

USER_AGENT = "fedcop-test/1.0 (+https://fedcop.test/)"
ACTIVITY_JSON = "application/activity+json"
MIB = 1024 * 1024


@dataclass
class Seen:
    """What the test server received, in order."""

    paths: list[str] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    client_ports: list[int] = field(default_factory=list)


SEEN = Seen()


def document(request: Request, **extra: Any) -> Response:
    body = {"id": str(request.url), "type": "Person", **extra}
    return Response(orjson.dumps(body), media_type=ACTIVITY_JSON)


def record(request: Request) -> None:
    SEEN.paths.append(request.url.path)
    SEEN.headers.append(dict(request.headers))
    if request.client is not None:
        SEEN.client_ports.append(request.client.port)


async def actor(request: Request) -> Response:
    record(request)
    return document(request)


async def hops(request: Request) -> Response:
    record(request)
    remaining = int(request.path_params["n"])
    if remaining == 0:
        return document(request)
    return RedirectResponse(f"/hops/{remaining - 1}", status_code=302)


async def redirect(request: Request) -> Response:
    record(request)
    return RedirectResponse(request.query_params["to"], status_code=301)


async def status(request: Request) -> Response:
    record(request)
    return Response(b"", status_code=int(request.path_params["code"]))


async def with_body(request: Request) -> Response:
    record(request)
    bodies: dict[str, tuple[bytes, str]] = {
        "html": (b"<html><body>profile</body></html>", "text/html; charset=utf-8"),
        "list": (b"[1, 2, 3]", ACTIVITY_JSON),
        "broken": (b'{"id": ', ACTIVITY_JSON),
        "wrong-id": (b'{"id": "https://elsewhere.example/users/mallory"}', ACTIVITY_JSON),
        "no-id": (b'{"type": "Note"}', ACTIVITY_JSON),
        "no-content-type": (b"{}", ""),
        "jrd": (b'{"subject": "acct:a@b", "links": []}', "application/jrd+json"),
    }
    body, media_type = bodies[request.path_params["kind"]]
    response = Response(body)
    if media_type:
        response.headers["content-type"] = media_type
    else:
        del response.headers["content-type"]
    return response


async def typed(request: Request) -> Response:
    record(request)
    response = document(request)
    response.headers["content-type"] = request.query_params["type"]
    return response


async def endless(request: Request) -> StreamingResponse:
    record(request)

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"id": "'
        for _ in range(4 * 16):  # 4 MiB in 64 KiB pieces, no Content-Length
            yield b"x" * (64 * 1024)
        yield b'"}'

    return StreamingResponse(chunks(), media_type=ACTIVITY_JSON)


async def declared_large(request: Request) -> Response:
    record(request)
    return Response(b" " * (2 * MIB), media_type=ACTIVITY_JSON)


async def stall(request: Request) -> Response:
    record(request)
    await asyncio.sleep(3)
    return document(request)


async def trickle(request: Request) -> StreamingResponse:
    record(request)

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(30):
            yield b" "
            await asyncio.sleep(0.1)

    return StreamingResponse(chunks(), media_type=ACTIVITY_JSON)


APP = Starlette(
    routes=[
        Route("/users/{name}", actor),
        Route("/hops/{n}", hops),
        Route("/redirect", redirect),
        Route("/status/{code}", status),
        Route("/body/{kind}", with_body),
        Route("/typed", typed),
        Route("/endless", endless),
        Route("/declared-large", declared_large),
        Route("/stall", stall),
        Route("/trickle", trickle),
    ]
)


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serve(APP) as port:
        yield port


@pytest.fixture(autouse=True)
def fresh_record() -> None:
    SEEN.paths.clear()
    SEEN.headers.clear()
    SEEN.client_ports.clear()


class RecordingSigner:
    """Stands in for HTTP signatures: records each call and adds a header naming the URL."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, dict[str, str], bytes | None]] = []

    def __call__(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None
    ) -> dict[str, str]:
        self.calls.append((method, url, dict(headers), body))
        return {"Signature": f'keyId="https://fedcop.test/actor#main-key",signed="{url}"'}


async def fetch(url: str, **options: Any) -> dict[str, Any]:
    """fetch_json as a loopback test node uses it: private addresses and http allowed."""
    options.setdefault("signer", RecordingSigner())
    options.setdefault("user_agent", USER_AGENT)
    options.setdefault("allow_private_addresses", True)
    options.setdefault("allow_http", True)
    return await fetch_json(url, **options)


# --- the happy path ----------------------------------------------------------------------------


async def test_a_document_is_fetched_signed_with_the_right_headers(port: int) -> None:
    signer = RecordingSigner()
    url = f"http://127.0.0.1:{port}/users/alice"

    result = await fetch(url, signer=signer)

    assert result == {"id": url, "type": "Person"}
    [(method, signed_url, headers, body)] = signer.calls
    assert (method, signed_url, body) == ("GET", url, None)
    assert headers["host"] == f"127.0.0.1:{port}"
    assert headers["accept"] == ACTIVITY_JSON_ACCEPT
    [received] = SEEN.headers
    assert received["accept"] == ACTIVITY_JSON_ACCEPT
    assert received["user-agent"] == USER_AGENT
    assert received["signature"].endswith(f'signed="{url}"')


@pytest.mark.parametrize(
    "content_type",
    [
        "application/activity+json",
        "application/activity+json; charset=utf-8",
        'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
        "application/json",
    ],
)
async def test_every_activitypub_content_type_is_accepted(port: int, content_type: str) -> None:
    result = await fetch(f"http://127.0.0.1:{port}/typed?type={quote(content_type)}")
    assert result["type"] == "Person"


async def test_an_unsigned_fetch_sends_no_signature(port: int) -> None:
    await fetch(f"http://127.0.0.1:{port}/users/alice", signer=None)
    assert "signature" not in SEEN.headers[0]


async def test_shared_clients_reuse_the_connection(port: int) -> None:
    async with HostClients(allow_private_addresses=True) as clients:
        await fetch(f"http://127.0.0.1:{port}/users/a", clients=clients)
        await fetch(f"http://127.0.0.1:{port}/users/b", clients=clients)
    first, second = SEEN.client_ports
    assert first == second


async def test_clients_with_another_address_policy_are_refused(port: int) -> None:
    async with HostClients(allow_private_addresses=False) as clients:
        with pytest.raises(ValueError, match="allow_private_addresses"):
            await fetch(f"http://127.0.0.1:{port}/users/a", clients=clients)


# --- redirects ---------------------------------------------------------------------------------


async def test_three_redirects_are_followed_and_every_hop_is_signed(port: int) -> None:
    signer = RecordingSigner()
    base = f"http://127.0.0.1:{port}"

    result = await fetch(f"{base}/hops/3", signer=signer)

    hop_urls = [f"{base}/hops/{n}" for n in (3, 2, 1, 0)]
    assert result["id"] == f"{base}/hops/0"
    assert [url for _, url, _, _ in signer.calls] == hop_urls
    assert [headers["signature"].split('signed="')[1][:-1] for headers in SEEN.headers] == hop_urls


async def test_a_fourth_redirect_is_refused(port: int) -> None:
    with pytest.raises(TooManyRedirectsError, match="more than 3 redirects"):
        await fetch(f"http://127.0.0.1:{port}/hops/4")
    assert SEEN.paths == ["/hops/4", "/hops/3", "/hops/2", "/hops/1"]


async def test_a_redirect_to_a_blocked_address_is_refused(port: int) -> None:
    # Given a host that looks public and redirects to the node's own loopback
    stand_in = StandInNetwork()
    clients = HostClients(
        allow_private_addresses=False,
        resolver=resolver_for({"public.example": [PUBLIC_STAND_IN]}),
        network_backend=stand_in,
    )
    target = f"http://127.0.0.1:{port}/users/admin"
    async with clients:
        # When it is fetched with the guard on
        with pytest.raises(BlockedAddressError) as caught:
            await fetch(
                f"http://public.example:{port}/redirect?to={target}",
                allow_private_addresses=False,
                clients=clients,
            )
    # Then the first hop went out, the second was refused before connecting
    assert SEEN.paths == ["/redirect"]
    assert stand_in.connected_to == [PUBLIC_STAND_IN]
    assert caught.value.reason == "loopback"
    assert caught.value.url == target


async def test_a_redirect_to_another_scheme_is_refused(port: int) -> None:
    with pytest.raises(InvalidURLError, match="only http and https URLs"):
        await fetch(f"http://127.0.0.1:{port}/redirect?to=file:///etc/passwd")


async def test_a_redirect_from_https_to_http_is_refused_when_http_is_not_allowed() -> None:
    with pytest.raises(SchemeNotAllowedError):
        checked_url("http://social.example/users/a", allow_http=False)


async def test_the_id_must_match_the_url_after_redirects(port: int) -> None:
    # /hops/1 redirects to /hops/0, which serves its own id: matches the final URL, not the first
    result = await fetch(f"http://127.0.0.1:{port}/hops/1")
    assert result["id"].endswith("/hops/0")


# --- refusals before sending -------------------------------------------------------------------


async def test_http_is_refused_unless_allowed(port: int) -> None:
    with pytest.raises(SchemeNotAllowedError, match="only used when this node itself runs"):
        await fetch(f"http://127.0.0.1:{port}/users/alice", allow_http=False)
    assert SEEN.paths == []


async def test_loopback_is_refused_when_private_addresses_are_not_allowed(port: int) -> None:
    with pytest.raises(BlockedAddressError) as caught:
        await fetch(f"http://127.0.0.1:{port}/users/alice", allow_private_addresses=False)
    assert caught.value.url == f"http://127.0.0.1:{port}/users/alice"
    assert isinstance(caught.value, RequestRefusedError)
    assert SEEN.paths == []


@pytest.mark.parametrize("url", ["not a url", "ftp://example.com/x", "https:///no-host", ""])
async def test_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidURLError):
        await fetch(url)


# --- answers that are not a usable document ----------------------------------------------------


@pytest.mark.parametrize(
    ("code", "error_type"),
    [(404, NotFoundError), (410, GoneError), (500, StatusError), (401, StatusError)],
)
async def test_non_2xx_statuses_are_kept(
    port: int, code: int, error_type: type[StatusError]
) -> None:
    with pytest.raises(error_type) as caught:
        await fetch(f"http://127.0.0.1:{port}/status/{code}")
    assert caught.value.status == code
    assert type(caught.value) is error_type


async def test_gone_is_distinguishable_from_not_found(port: int) -> None:
    with pytest.raises(GoneError) as caught:
        await fetch(f"http://127.0.0.1:{port}/status/410")
    assert not isinstance(caught.value, NotFoundError)
    assert "deleted" in str(caught.value)


async def test_a_wrong_content_type_is_refused(port: int) -> None:
    with pytest.raises(ContentTypeError, match="text/html"):
        await fetch(f"http://127.0.0.1:{port}/body/html")


async def test_a_missing_content_type_is_refused(port: int) -> None:
    with pytest.raises(ContentTypeError, match="no Content-Type"):
        await fetch(f"http://127.0.0.1:{port}/body/no-content-type")


async def test_json_that_is_not_an_object_is_refused(port: int) -> None:
    with pytest.raises(InvalidJSONError, match="JSON list, not a JSON object"):
        await fetch(f"http://127.0.0.1:{port}/body/list")


async def test_invalid_json_is_refused(port: int) -> None:
    with pytest.raises(InvalidJSONError, match="not return valid JSON"):
        await fetch(f"http://127.0.0.1:{port}/body/broken")


@pytest.mark.parametrize("kind", ["wrong-id", "no-id"])
async def test_a_document_not_served_at_its_id_is_refused(port: int, kind: str) -> None:
    with pytest.raises(IdMismatchError, match="served at its own id"):
        await fetch(f"http://127.0.0.1:{port}/body/{kind}")


async def test_a_body_over_one_mebibyte_is_abandoned_while_streaming(port: int) -> None:
    limits = FetchLimits(deadline=10)
    with pytest.raises(ResponseTooLargeError, match=f"more than {MIB} bytes"):
        await fetch(f"http://127.0.0.1:{port}/endless", limits=limits)


async def test_an_announced_oversized_body_is_refused_before_reading(port: int) -> None:
    with pytest.raises(ResponseTooLargeError, match="announced"):
        await fetch(f"http://127.0.0.1:{port}/declared-large")


# --- network trouble ---------------------------------------------------------------------------


async def test_a_stalled_server_times_out(port: int) -> None:
    limits = FetchLimits(read_timeout=0.2)
    with pytest.raises(FetchTimeoutError, match="stopped sending"):
        await fetch(f"http://127.0.0.1:{port}/stall", limits=limits)


async def test_a_trickling_server_hits_the_overall_deadline(port: int) -> None:
    # Each byte arrives well within the read timeout; only the deadline can stop this.
    limits = FetchLimits(read_timeout=2, deadline=0.5)
    with pytest.raises(FetchTimeoutError, match=r"no complete answer within 0\.5 s"):
        await fetch(f"http://127.0.0.1:{port}/trickle", limits=limits)


async def test_a_refused_connection_is_a_connection_failure() -> None:
    url = f"http://127.0.0.1:{unused_port()}/users/alice"
    with pytest.raises(ConnectionFailedError, match=r"fetching http://127\.0\.0\.1") as caught:
        await fetch(url)
    assert caught.value.url == url


async def test_no_httpx_exception_escapes(port: int) -> None:
    failures = [
        f"http://127.0.0.1:{unused_port()}/",
        f"http://127.0.0.1:{port}/status/503",
        f"http://127.0.0.1:{port}/body/html",
    ]
    for url in failures:
        with pytest.raises(FetchError):
            await fetch(url, limits=FetchLimits(read_timeout=1))


# --- plain JSON (WebFinger, NodeInfo) ----------------------------------------------------------


async def test_plain_json_needs_no_id(port: int) -> None:
    result = await fetch_jrd(
        f"http://127.0.0.1:{port}/body/jrd",
        user_agent=USER_AGENT,
        allow_private_addresses=True,
        allow_http=True,
    )
    assert result["subject"] == "acct:a@b"
    assert SEEN.headers[0]["accept"] == "application/jrd+json, application/json"
    assert "signature" not in SEEN.headers[0]


async def test_plain_json_still_needs_a_json_content_type(port: int) -> None:
    with pytest.raises(ContentTypeError):
        await fetch_jrd(
            f"http://127.0.0.1:{port}/body/html",
            user_agent=USER_AGENT,
            allow_private_addresses=True,
            allow_http=True,
        )
