"""Resolving name@domain handles to actor URLs over WebFinger, against a real loopback server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from federation.fetch_errors import InvalidURLError, NoActorLinkError, NotFoundError
from federation.webfinger_client import (
    actor_link,
    is_activitypub_media_type,
    resolve_handle,
    webfinger_url,
)
from tests.federation.local_http import serve

USER_AGENT = "fedcop-test/1.0"
AS_PROFILE_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
RESOURCES: list[str] = []


def links_for(user: str, base: str) -> list[dict[str, Any]]:
    profile = {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html"}
    if user == "alice":
        return [
            {**profile, "href": f"{base}/@alice"},
            {"rel": "self", "type": "application/activity+json", "href": f"{base}/u/alice"},
        ]
    if user == "ldjson":
        return [{"rel": "self", "type": AS_PROFILE_TYPE, "href": f"{base}/u/ldjson"}]
    if user == "shared":  # a person and a group under one name, as Lemmy answers
        group_type = {"https://www.w3.org/ns/activitystreams#type": "Group"}
        return [
            {"rel": "self", "type": "application/activity+json", "href": f"{base}/u/shared"},
            {
                "rel": "self",
                "type": "application/activity+json",
                "href": f"{base}/c/shared",
                "properties": group_type,
            },
        ]
    if user == "htmlonly":
        return [{**profile, "href": f"{base}/@htmlonly"}]
    return []


async def webfinger(request: Request) -> Response:
    resource = request.query_params["resource"]
    RESOURCES.append(resource)
    user = resource.removeprefix("acct:").split("@")[0]
    if user == "nobody":
        return Response(status_code=404)
    base = f"http://{request.headers['host']}"
    jrd = {"subject": resource, "links": links_for(user, base)}
    return JSONResponse(jrd, media_type="application/jrd+json")


@pytest.fixture(scope="module")
def host() -> Iterator[str]:
    app = Starlette(routes=[Route("/.well-known/webfinger", webfinger)])
    with serve(app) as port:
        yield f"127.0.0.1:{port}"


async def resolve(handle: str, **options: Any) -> str:
    return await resolve_handle(
        handle, user_agent=USER_AGENT, allow_private_addresses=True, allow_http=True, **options
    )


async def test_a_handle_resolves_to_its_activitypub_actor(host: str) -> None:
    assert await resolve(f"alice@{host}") == f"http://{host}/u/alice"
    assert RESOURCES[-1] == f"acct:alice@{host}"


async def test_a_leading_at_sign_and_acct_scheme_are_accepted(host: str) -> None:
    assert await resolve(f"@alice@{host}") == f"http://{host}/u/alice"
    assert await resolve(f"acct:alice@{host}") == f"http://{host}/u/alice"


async def test_an_ld_json_link_with_the_activitystreams_profile_counts(host: str) -> None:
    assert await resolve(f"ldjson@{host}") == f"http://{host}/u/ldjson"


async def test_a_group_can_be_preferred_in_a_shared_namespace(host: str) -> None:
    assert await resolve(f"shared@{host}") == f"http://{host}/u/shared"
    assert await resolve(f"shared@{host}", prefer_type="Group") == f"http://{host}/c/shared"


async def test_an_account_without_an_activitypub_link_is_reported(host: str) -> None:
    with pytest.raises(NoActorLinkError, match="not an ActivityPub actor"):
        await resolve(f"htmlonly@{host}")


async def test_an_unknown_account_is_not_found(host: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        await resolve(f"nobody@{host}")
    assert caught.value.status == 404


@pytest.mark.parametrize("handle", ["alice", "alice@", "@example.com", "a@b@c", "a b@c.d"])
async def test_malformed_handles_are_refused(handle: str) -> None:
    with pytest.raises(InvalidURLError):
        await resolve(handle)


def test_the_query_goes_to_the_handles_domain_over_https() -> None:
    url = webfinger_url("alice@social.example")
    assert url == "https://social.example/.well-known/webfinger?resource=acct:alice@social.example"
    assert webfinger_url("alice@localhost:8080", allow_http=True).startswith(
        "http://localhost:8080/"
    )


@pytest.mark.parametrize(
    ("media_type", "expected"),
    [
        ("application/activity+json", True),
        ("Application/Activity+JSON", True),
        (AS_PROFILE_TYPE, True),
        ("application/ld+json; profile=https://www.w3.org/ns/activitystreams", True),
        (
            'application/ld+json; profile="https://example.org/x https://www.w3.org/ns/activitystreams"',
            True,
        ),
        ("application/ld+json", False),
        ('application/ld+json; profile="https://example.org/other"', False),
        ("text/html", False),
        (None, False),
    ],
)
def test_activitypub_media_types(media_type: object, expected: bool) -> None:
    assert is_activitypub_media_type(media_type) is expected


def test_a_jrd_without_links_has_no_actor() -> None:
    assert actor_link({"subject": "acct:a@b"}) is None
    assert actor_link({"links": "nonsense"}) is None
    assert actor_link({"links": [{"rel": "self", "type": "application/activity+json"}]}) is None
