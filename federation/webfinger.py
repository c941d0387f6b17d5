"""WebFinger (RFC 7033) documents: parse an `acct:` resource, build the JRD that names an actor.

Peers require `subject` and a `self` link of type application/activity+json; a second link points
browsers at the profile page. Where one server hosts both people and groups under one namespace,
the link says which kind the actor is, so group-aware servers can pick the Group.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

ACTIVITY_JSON = "application/activity+json"
JRD_JSON = "application/jrd+json"
PROFILE_PAGE_REL = "http://webfinger.net/rel/profile-page"
AS_TYPE_PROPERTY = "https://www.w3.org/ns/activitystreams#type"

# user@host, where host may carry a port (local set-ups) and user is a plain account name.
_ACCT = re.compile(r"^@?(?P<user>[^@\s/:]{1,255})@(?P<host>[A-Za-z0-9.\-]{1,253}(?::\d{1,5})?)$")


class WebFingerError(ValueError):
    """A resource that is not a well-formed `acct:` handle."""


@dataclass(frozen=True)
class Acct:
    user: str
    host: str

    def __str__(self) -> str:
        return f"acct:{self.user}@{self.host}"


def parse_acct(resource: str) -> Acct:
    """`acct:alice@example.org` (the scheme may be omitted, as some clients do) -> Acct."""
    value = resource.strip()
    if value.lower().startswith("acct:"):
        value = value[5:]
    match = _ACCT.match(value)
    if not match:
        raise WebFingerError(f"{resource!r} is not an account handle like acct:name@domain")
    return Acct(user=match.group("user"), host=match.group("host").lower())


def build_jrd(
    acct: Acct, actor_id: str, profile_url: str, actor_type: str | None = None
) -> dict[str, Any]:
    self_link: dict[str, Any] = {"rel": "self", "type": ACTIVITY_JSON, "href": actor_id}
    if actor_type:
        self_link["properties"] = {AS_TYPE_PROPERTY: actor_type}
    return {
        "subject": str(acct),
        "aliases": list(dict.fromkeys([actor_id, profile_url])),
        "links": [
            self_link,
            {"rel": PROFILE_PAGE_REL, "type": "text/html", "href": profile_url},
        ],
    }


def build_host_meta(base_url: str) -> str:
    """The XRD that tells older peers where WebFinger lives."""
    template = f"{base_url}/.well-known/webfinger?resource={{uri}}"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
        f'  <Link rel="lrdd" template="{_xml_escape(template)}"/>\n'
        "</XRD>\n"
    )


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;")
    )
