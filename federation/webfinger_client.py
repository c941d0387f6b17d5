"""Find the ActivityPub actor behind a handle such as `alice@social.example`.

```
"alice@social.example"
  -> GET https://social.example/.well-known/webfinger?resource=acct:alice@social.example
       (http:// only when this node itself runs on http; same SSRF guard and limits as fetch)
  -> JRD {"links": [{"rel": "self", "type": "application/activity+json", "href": ACTOR}, ...]}
  -> ACTOR
```

A `self` link counts when its type is `application/activity+json`, or `application/ld+json` with
the ActivityStreams profile: the two forms peers accept. Where one server shares a namespace
between people and groups (Lemmy), the answer has several `self` links told apart by
`properties["https://www.w3.org/ns/activitystreams#type"]`; `prefer_type="Group"` picks the group.

The returned URL still has to be fetched (fetch_json checks the document is served at its id);
checking that the actor's `preferredUsername` WebFingers back to it is the caller's part.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from federation.fetch import DEFAULT_FETCH_LIMITS, FetchLimits, Signer, checked_url, fetch_jrd
from federation.fetch_errors import InvalidURLError, NoActorLinkError
from federation.host_clients import HostClients
from federation.webfinger import parse_acct

ACTIVITYSTREAMS_PROFILE = "https://www.w3.org/ns/activitystreams"
AS_TYPE_PROPERTY = "https://www.w3.org/ns/activitystreams#type"


def webfinger_url(handle: str, *, allow_http: bool = False) -> str:
    """The WebFinger query URL for `name@domain` (a leading `@` or `acct:` is accepted)."""
    try:
        acct = parse_acct(handle)
    except ValueError as exc:
        raise InvalidURLError(str(exc)) from None
    scheme = "http" if allow_http else "https"
    resource = quote(str(acct), safe="@:")
    return f"{scheme}://{acct.host}/.well-known/webfinger?resource={resource}"


async def resolve_handle(
    handle: str,
    *,
    user_agent: str,
    allow_private_addresses: bool = False,
    allow_http: bool = False,
    signer: Signer | None = None,
    prefer_type: str | None = None,
    limits: FetchLimits = DEFAULT_FETCH_LIMITS,
    clients: HostClients | None = None,
) -> str:
    """The actor URL that `handle` names, according to its server's WebFinger answer."""
    url = webfinger_url(handle, allow_http=allow_http)
    jrd = await fetch_jrd(
        url,
        user_agent=user_agent,
        signer=signer,
        allow_private_addresses=allow_private_addresses,
        allow_http=allow_http,
        limits=limits,
        clients=clients,
    )
    actor_url = actor_link(jrd, prefer_type=prefer_type)
    if actor_url is None:
        raise NoActorLinkError(
            f"the WebFinger answer for {handle} has no rel=self link of type "
            "application/activity+json: the account is not an ActivityPub actor",
            url=url,
        )
    checked_url(actor_url, allow_http=allow_http)
    return actor_url


def actor_link(jrd: dict[str, Any], *, prefer_type: str | None = None) -> str | None:
    """The href of the ActivityPub `self` link in a JRD; with `prefer_type`, that type first."""
    links = jrd.get("links")
    if not isinstance(links, list):
        return None
    candidates = [
        link
        for link in links
        if isinstance(link, dict)
        and link.get("rel") == "self"
        and isinstance(link.get("href"), str)
        and is_activitypub_media_type(link.get("type"))
    ]
    if prefer_type is not None:
        for link in candidates:
            properties = link.get("properties")
            if isinstance(properties, dict) and properties.get(AS_TYPE_PROPERTY) == prefer_type:
                return str(link["href"])
    return str(candidates[0]["href"]) if candidates else None


def is_activitypub_media_type(value: object) -> bool:
    """activity+json, or ld+json whose profile names ActivityStreams."""
    if not isinstance(value, str):
        return False
    media_type, *parameters = (part.strip() for part in value.split(";"))
    media_type = media_type.lower()
    if media_type == "application/activity+json":
        return True
    if media_type != "application/ld+json":
        return False
    for parameter in parameters:
        name, _, raw = parameter.partition("=")
        if name.strip().lower() == "profile":
            # The profile is a quoted, space-separated list of URIs.
            return ACTIVITYSTREAMS_PROFILE in raw.strip().strip('"').split()
    return False
