"""A small Mastodon-shaped server for tests: one user, statuses served at their ids, NodeInfo
saying `mastodon`, and an inbox that checks signatures and records what it receives.

    with microblog_server("masto") as masto:        # http://masto.test:PORT, in a thread
        masto.status("Hello @stewards", ...)        # a Note served at its id
        masto.received                              # every verified activity delivered to it
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from federation.keys import KeyPair, generate_key_pair, load_private_key, load_public_key
from federation.signatures import parse_signature, verify_signature
from federation.vocab import PUBLIC
from tests.federation.local_http import serve
from tests.signed_requests import Sender

AP = "application/activity+json"


@dataclass
class MicroblogServer:
    name: str
    keys: KeyPair = field(default_factory=generate_key_pair)
    origin: str = ""
    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)
    received: list[dict[str, Any]] = field(default_factory=list)
    # The path each of `received` was posted to (/inbox, the shared inbox, or the user's).
    received_at: list[str] = field(default_factory=list)
    # Keys of the servers that deliver here, by key id (fetched by the test, or set directly).
    known_keys: dict[str, str] = field(default_factory=dict)
    # GoToSocial's shape: the key lives at its own URL (…/main-key), a document naming its owner.
    key_at_own_url: bool = False
    # More properties of the user's actor document (profile fields: attachment, tag...).
    actor_extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key_id(self) -> str:
        return f"{self.user}/main-key" if self.key_at_own_url else f"{self.user}#main-key"

    @property
    def user(self) -> str:
        return f"{self.origin}/users/{self.name}"

    @property
    def sender(self) -> Sender:
        return Sender(self.user, self.key_id, load_private_key(self.keys.private_pem))

    def status(self, content: str, **fields: Any) -> dict[str, Any]:
        """A public Note by the user, served at its id from now on."""
        note = {
            "id": f"{self.user}/statuses/{uuid.uuid4().int}",
            "type": "Note",
            "attributedTo": self.user,
            "content": content,
            "published": "2026-11-21T10:00:00Z",
            "to": [PUBLIC],
            "cc": [f"{self.user}/followers"],
            **fields,
        }
        self.statuses[note["id"]] = note
        return note

    def create(self, note: dict[str, Any]) -> dict[str, Any]:
        return {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{note['id']}/activity",
            "type": "Create",
            "actor": self.user,
            "to": note["to"],
            "cc": note["cc"],
            "object": note,
        }

    def actor(self) -> dict[str, Any]:
        return {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.user,
            "type": "Person",
            "preferredUsername": self.name,
            "inbox": f"{self.user}/inbox",
            "outbox": f"{self.user}/outbox",
            "followers": f"{self.user}/followers",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": self.key_id,
                "owner": self.user,
                "publicKeyPem": self.keys.public_pem,
            },
            **self.actor_extra,
        }

    def app(self) -> Starlette:
        async def actor(request: Request) -> Response:
            return _json(self.actor())

        async def status(request: Request) -> Response:
            found = self.statuses.get(f"{self.origin}{request.url.path}")
            return _json(found) if found else Response(status_code=404)

        async def permalink(request: Request) -> Response:
            """Mastodon's page address (/@name/ID): the same document, under its own id."""
            found = self.statuses.get(f"{self.user}/statuses/{request.path_params['id']}")
            return _json(found) if found else Response(status_code=404)

        async def key(request: Request) -> Response:
            if not self.key_at_own_url:
                return Response(status_code=404)
            return _json(
                {
                    "@context": "https://w3id.org/security/v1",
                    "id": self.key_id,
                    "owner": self.user,
                    "publicKeyPem": self.keys.public_pem,
                }
            )

        async def webfinger(request: Request) -> Response:
            """acct:NAME@HOST[:PORT] -> the user (Mastodon answers JRD)."""
            host = self.origin.split("://", 1)[1]
            if request.query_params.get("resource") != f"acct:{self.name}@{host}":
                return Response(status_code=404)
            link = {"rel": "self", "type": AP, "href": self.user}
            return Response(
                orjson.dumps({"subject": f"acct:{self.name}@{host}", "links": [link]}),
                media_type="application/jrd+json",
            )

        async def nodeinfo_links(request: Request) -> Response:
            rel = "http://nodeinfo.diaspora.software/ns/schema/2.0"
            return _json({"links": [{"rel": rel, "href": f"{self.origin}/nodeinfo/2.0"}]})

        async def nodeinfo(request: Request) -> Response:
            return _json({"version": "2.0", "software": {"name": "mastodon", "version": "4.5.0"}})

        async def inbox(request: Request) -> Response:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            parsed = parse_signature("POST", request.url.path, headers, scheme="http")
            pem = self.known_keys.get(parsed.key_id)
            if pem is None:
                return Response(status_code=401)
            verify_signature(parsed, load_public_key(pem), body)
            self.received.append(orjson.loads(body))
            self.received_at.append(request.url.path)
            return Response(status_code=202)

        return Starlette(
            routes=[
                Route(f"/users/{self.name}", actor),
                Route(f"/users/{self.name}/main-key", key),
                Route(f"/users/{self.name}/statuses/{{id}}", status),
                Route(f"/@{self.name}/{{id}}", permalink),
                Route("/.well-known/webfinger", webfinger),
                Route("/.well-known/nodeinfo", nodeinfo_links),
                Route("/nodeinfo/2.0", nodeinfo),
                Route("/inbox", inbox, methods=["POST"]),
                Route(f"/users/{self.name}/inbox", inbox, methods=["POST"]),
            ]
        )


def _json(document: dict[str, Any]) -> Response:
    return Response(orjson.dumps(document), media_type=AP)


@contextmanager
def microblog_server(
    host: str, user: str = "mona", *, key_at_own_url: bool = False, keys: KeyPair | None = None
) -> Iterator[MicroblogServer]:
    """The server at http://HOST.test:PORT (fedcop's test resolver maps *.test to loopback);
    its user signs with `keys` (default: a new RSA-2048 pair)."""
    server = MicroblogServer(user, key_at_own_url=key_at_own_url)
    if keys is not None:
        server.keys = keys
    with serve(server.app()) as port:
        server.origin = f"http://{host}.test:{port}"
        yield server
