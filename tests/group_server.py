"""A small Lemmy-shaped server for tests: one community (a Group), its people and posts served at
their ids, and an outbox the test fills with whatever items it likes.

    with group_server("lemmy") as lemmy:              # http://lemmy.test:PORT, in a thread
        page = lemmy.page("Title", "<p>body</p>", author="nutomic")   # served at its id
        lemmy.outbox.append(lemmy.announce_create(page))             # Lemmy's outbox item
        lemmy.received                                  # every activity POSTed to its inboxes
        lemmy.sender                                    # signs as the community (its Accept)
        lemmy.moderators.append(person_uri)             # listed at <community>/moderators

Nothing it receives is verified: it plays a server that fedcop talks to, not one under test.
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

from federation.keys import KeyPair, generate_key_pair, load_private_key
from federation.vocab import PUBLIC
from tests.federation.local_http import serve
from tests.signed_requests import Sender

AP = "application/activity+json"


@dataclass
class GroupServer:
    name: str
    keys: KeyPair = field(default_factory=generate_key_pair)
    origin: str = ""
    # Documents served at their ids (posts, and anything a test wants to serve at a path).
    documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    outbox: list[Any] = field(default_factory=list)
    # Where the Group says its outbox is (default: its own); a test may point it elsewhere.
    outbox_url: str | None = None
    received: list[dict[str, Any]] = field(default_factory=list)
    # The actor ids its moderators collection lists (the Group's attributedTo).
    moderators: list[str] = field(default_factory=list)
    # Properties added to (or replacing those of) a person's actor document, by name.
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def group(self) -> str:
        return f"{self.origin}/c/{self.name}"

    def person(self, name: str) -> str:
        return f"{self.origin}/u/{name}"

    @property
    def sender(self) -> Sender:
        return Sender(self.group, f"{self.group}#main-key", load_private_key(self.keys.private_pem))

    def page(self, title: str, content: str, *, author: str, **fields: Any) -> dict[str, Any]:
        """A thread in the community, as Lemmy serves it, from now on at its id."""
        page = {
            "id": f"{self.origin}/post/{uuid.uuid4().int % 10**9}",
            "type": "Page",
            "attributedTo": self.person(author),
            "to": [self.group, PUBLIC],
            "audience": self.group,
            "name": title,
            "content": content,
            "mediaType": "text/html",
            "sensitive": False,
            "published": "2026-03-01T10:00:00Z",
            **fields,
        }
        self.documents[page["id"]] = page
        return page

    def announce_create(self, page: dict[str, Any]) -> dict[str, Any]:
        """Lemmy's outbox item: the community's Announce of the author's Create (embedded)."""
        return {
            "actor": self.group,
            "to": [PUBLIC],
            "object": {
                "actor": page["attributedTo"],
                "to": [PUBLIC],
                "cc": [self.group],
                "type": "Create",
                "id": f"{self.origin}/activities/create/{uuid.uuid4()}",
                "object": page,
            },
            "cc": [f"{self.group}/followers"],
            "type": "Announce",
            "id": f"{self.origin}/activities/announce/{uuid.uuid4()}",
        }

    def _actor(self, uri: str, kind: str, name: str) -> dict[str, Any]:
        actor = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": uri,
            "type": kind,
            "preferredUsername": name,
            "name": name.title(),
            "inbox": f"{uri}/inbox",
            "outbox": f"{uri}/outbox",
            "followers": f"{uri}/followers",
            "endpoints": {"sharedInbox": f"{self.origin}/inbox"},
            "publicKey": {
                "id": f"{uri}#main-key",
                "owner": uri,
                "publicKeyPem": self.keys.public_pem,
            },
        }
        if kind == "Person":
            actor.update(self.profiles.get(name, {}))
        if kind == "Group":
            actor["outbox"] = self.outbox_url or f"{uri}/outbox"
            actor["attributedTo"] = f"{uri}/moderators"
        return actor

    def app(self) -> Starlette:
        async def community(request: Request) -> Response:
            if request.path_params["name"] != self.name:
                return Response(status_code=404)
            return _json(self._actor(self.group, "Group", self.name))

        async def person(request: Request) -> Response:
            name = request.path_params["name"]
            return _json(self._actor(self.person(name), "Person", name))

        async def outbox(request: Request) -> Response:
            return _json(
                {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "type": "OrderedCollection",
                    "id": f"{self.group}/outbox",
                    "totalItems": len(self.outbox),
                    "orderedItems": self.outbox,
                }
            )

        async def moderators(request: Request) -> Response:
            return _json(
                {
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "type": "OrderedCollection",
                    "id": f"{self.group}/moderators",
                    "orderedItems": self.moderators,
                }
            )

        async def document(request: Request) -> Response:
            found = self.documents.get(f"{self.origin}{request.url.path}")
            return _json(found) if found else Response(status_code=404)

        async def inbox(request: Request) -> Response:
            self.received.append(orjson.loads(await request.body()))
            return Response(status_code=202)

        return Starlette(
            routes=[
                Route(f"/c/{self.name}/outbox", outbox),
                Route(f"/c/{self.name}/moderators", moderators),
                Route("/c/{name}", community),
                Route("/u/{name}", person),
                Route("/post/{id}", document),
                Route("/inbox", inbox, methods=["POST"]),
                Route("/c/{name}/inbox", inbox, methods=["POST"]),
                Route("/u/{name}/inbox", inbox, methods=["POST"]),
            ]
        )


def _json(document: dict[str, Any]) -> Response:
    return Response(orjson.dumps(document), media_type=AP)


@contextmanager
def group_server(host: str, community: str = "testcom") -> Iterator[GroupServer]:
    """The server at http://HOST.test:PORT (fedcop's test resolver maps *.test to loopback)."""
    server = GroupServer(community)
    with serve(server.app()) as port:
        server.origin = f"http://{host}.test:{port}"
        yield server
