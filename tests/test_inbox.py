"""The inbox, one refusal at a time, over real sockets with real signatures.

    test ──signs by hand with bo's private key (read from beta's database)──┐
                                                                           v
    beta (live node: bo, cy, newcomers) <──signed GET of the key── alpha (live node: ana, garden)

Every request is built here with `sign_request` and POSTed to alpha over TCP with the Host alpha
answers to, so the signature covers exactly what alpha sees. Each refusal is its own test and
checks three things: the status, a JSON error that says why, and that nothing was queued.

The two nodes are shared by the whole module (starting a pair costs about a second). Tests stay
independent: each uses fresh activity ids, compares queue sizes before and after, and a test that
needs a sender alpha has never heard of creates a new user on beta.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
import pytest_asyncio
import uvicorn
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.inbox.acceptance import MAX_BODY_BYTES
from fedcop.inbox.writer import InboxWriter
from fedcop.queues import InboundState
from fedcop.services import accounts, keys, posts, remote_actors
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import hosts as host_store
from fedcop.store import posts as post_store
from fedcop.store.inbound import NewInbound
from federation.digest import digest_header
from federation.keys import generate_key_pair, load_private_key, public_pem_of
from federation.signatures import sign_request
from federation.vocab import AS_CONTEXT
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.processes import free_port
from tests.signed_requests import (
    ACTIVITY_JSON,
    Sender,
    activity,
    encoded,
    local_sender,
    post,
    stranger,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

LD_JSON_AS = f'application/ld+json; profile="{AS_CONTEXT}"'
_names = itertools.count(1)


@dataclass
class Peers:
    alpha: LiveNode  # receives; has the user ana and the community garden
    beta: LiveNode  # sends; its users sign the requests
    bo: Sender  # alpha has bo's key cached
    cy: Sender  # another user on beta

    @property
    def ana(self) -> str:
        return f"{self.alpha.base}/u/ana"

    async def newcomer(self) -> Sender:
        """A new user on beta, whose key alpha has never seen: a first contact."""
        name = f"newcomer{next(_names)}"
        await accounts.create_user(self.beta.pool, self.beta.config, name, "long enough")
        return await local_sender(self.beta, name)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def peers(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Peers]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        await accounts.create_community(alpha.pool, alpha.config, "garden", title="G", owner="ana")
        for name in ("bo", "cy"):
            await accounts.create_user(beta.pool, beta.config, name, "long enough")
        bo = await local_sender(beta, "bo")
        # alpha reads bo's actor (and key) over TCP, as it would after any earlier contact
        await remote_actors.fetch_actor(alpha.pool, alpha.app.state.network, bo.uri)
        yield Peers(alpha, beta, bo, await local_sender(beta, "cy"))


# --- building and sending requests -------------------------------------------------------------


def assert_refused(response: httpx.Response, status: int, *words: str) -> None:
    """`status`, and a JSON error whose message contains every one of `words`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    message = response.json()["error"]
    assert isinstance(message, str)
    for word in words:
        assert word.lower() in message.lower(), message


async def queue_size(node: LiveNode) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM inbound_activities"))


async def queued(node: LiveNode, activity_id: str) -> dict[str, Any] | None:
    async with node.pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT state, attempts, last_error, signed_request, activity_type,
                   next_attempt_at > now() AS later
            FROM inbound_activities WHERE activity_id = $1
            """,
            activity_id,
        )
    return dict(row) if row is not None else None


async def refused_and_not_queued(
    peers: Peers, status: int, words: tuple[str, ...], body: bytes, signer: Sender | None, **kw: Any
) -> None:
    before = await queue_size(peers.alpha)
    response = await post(peers.alpha, body, signer, **kw)
    assert_refused(response, status, *words)
    assert await queue_size(peers.alpha) == before


# --- peers that are not fedcop nodes -------------------------------------------------------------


@contextlib.asynccontextmanager
async def watched_port() -> AsyncIterator[tuple[int, list[str]]]:
    """A port where no HTTP server answers: every connection is noted, then dropped."""
    connections: list[str] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(str(writer.get_extra_info("peername")))
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1]), connections
    finally:
        server.close()
        await server.wait_closed()


@contextlib.asynccontextmanager
async def actor_server(port: int, sender: Sender) -> AsyncIterator[None]:
    """A minimal ActivityPub server on `port` that serves `sender`'s actor document."""
    public_pem = public_pem_of(sender.private_key)
    document = {
        "@context": [AS_CONTEXT, "https://w3id.org/security/v1"],
        "id": sender.uri,
        "type": "Person",
        "preferredUsername": sender.uri.rsplit("/", 1)[1],
        "inbox": f"{sender.uri}/inbox",
        "publicKey": {"id": sender.key_id, "owner": sender.uri, "publicKeyPem": public_pem},
    }

    async def actor(request: Request) -> Response:
        return Response(encoded(document), media_type=ACTIVITY_JSON)

    app = Starlette(routes=[Route("/u/{name}", actor)])
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield
    finally:
        server.should_exit = True
        await task


# --- size and content type ---------------------------------------------------------------------


def padded(sender: Sender, size: int) -> bytes:
    """An activity of an unknown type (no schema limits its fields) of exactly `size` bytes,
    its padding in five strings (each within the bound on a string's length)."""
    document = activity(sender, "Padded", padding=[""] * 5)
    overhead = len(encoded(document))
    share, extra = divmod(size - overhead, 5)
    document["padding"] = ["x" * (share + (1 if index < extra else 0)) for index in range(5)]
    body = encoded(document)
    assert len(body) == size
    return body


async def test_a_body_over_1_mib_is_413(peers: Peers) -> None:
    # Given a correctly signed activity one byte over the limit, with its Content-Length
    body = padded(peers.bo, MAX_BODY_BYTES + 1)
    # Then it is refused before anything else is looked at
    await refused_and_not_queued(peers, 413, ("larger than",), body, peers.bo)


async def test_a_chunked_body_over_1_mib_is_413(peers: Peers) -> None:
    # Given the same, streamed in chunks with no Content-Length to check up front
    body = padded(peers.bo, MAX_BODY_BYTES + 1)
    before = await queue_size(peers.alpha)
    response = await post(peers.alpha, body, peers.bo, chunked=True)
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    # Then the inbox stops reading at the limit and refuses it
    assert_refused(response, 413, "larger than")
    assert await queue_size(peers.alpha) == before


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_a_body_of_exactly_1_mib_is_accepted(peers: Peers, chunked: bool) -> None:
    # Given a correctly signed activity of exactly the limit
    body = padded(peers.bo, MAX_BODY_BYTES)
    # When it is posted
    response = await post(peers.alpha, body, peers.bo, chunked=chunked)
    # Then it is accepted and queued
    assert response.status_code == 202, response.text
    assert await queued(peers.alpha, orjson.loads(body)["id"]) is not None


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/json", "application/ld+json", ""]
)
async def test_a_content_type_other_than_activitystreams_is_415(
    peers: Peers, content_type: str
) -> None:
    # Given a correctly signed Follow labelled as something other than ActivityStreams
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    # Then it is refused, naming the types that are accepted
    await refused_and_not_queued(
        peers, 415, ("application/activity+json",), body, peers.bo, content_type=content_type
    )


@pytest.mark.parametrize(
    "content_type",
    [LD_JSON_AS, "application/activity+json; charset=utf-8", "Application/Activity+JSON"],
)
async def test_activitystreams_content_types_are_accepted(peers: Peers, content_type: str) -> None:
    # Given a Follow by bo, labelled in any of the ways ActivityStreams JSON may be
    document = activity(peers.bo, "Follow", object=peers.ana)
    response = await post(peers.alpha, encoded(document), peers.bo, content_type=content_type)
    # Then it is accepted and queued
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "pending"  # bo's key is cached: verified now


# --- signatures --------------------------------------------------------------------------------


async def test_an_unsigned_request_is_401(peers: Peers) -> None:
    # Given a well-formed Follow sent without any signature
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    await refused_and_not_queued(peers, 401, ("not signed",), body, None)


@pytest.mark.parametrize(
    "signature",
    [
        "garbage",
        'keyId="http://beta.test/u/bo#main-key"',  # no signature value
        'keyId="http://beta.test/u/bo#main-key",signature="not base64!",headers="date digest"',
        'keyId="x",algorithm="rsa-sha512",headers="(request-target) date digest",signature="AA=="',
    ],
)
async def test_a_garbage_signature_header_is_401(peers: Peers, signature: str) -> None:
    # Given a real signature replaced by one that cannot even be read or used
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    await refused_and_not_queued(
        peers, 401, ("signature",), body, peers.bo, headers={"Signature": signature}
    )


async def test_a_signature_over_another_body_is_401_with_a_cached_key(peers: Peers) -> None:
    # Given a request signed by bo, whose body was then changed and its Digest recomputed, so
    # that only the signature itself is wrong
    signed = encoded(activity(peers.bo, "Follow", object=peers.ana))
    tampered = signed.replace(b"Follow", b"Block ")
    await refused_and_not_queued(
        peers,
        401,
        ("does not verify",),
        tampered,
        peers.bo,
        signed_body=signed,
        headers={"Digest": digest_header(tampered)},
    )


@pytest.mark.parametrize(
    "skew", [timedelta(hours=-2), timedelta(hours=2)], ids=["two-hours-old", "two-hours-ahead"]
)
async def test_a_date_outside_the_window_is_401(peers: Peers, skew: timedelta) -> None:
    # Given a request correctly signed by bo, but at a time far from now (a replay, or a clock
    # gone wrong)
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    await refused_and_not_queued(
        peers, 401, ("Date",), body, peers.bo, signed_at=datetime.now(UTC) + skew
    )


async def test_a_date_outside_the_window_is_401_even_from_a_stranger(peers: Peers) -> None:
    # Given the same from a sender alpha has no key for: a stale request needs no key to be
    # refused, so it is not queued for a key fetch either
    newcomer = await peers.newcomer()
    body = encoded(activity(newcomer, "Follow", object=peers.ana))
    await refused_and_not_queued(
        peers, 401, ("Date",), body, newcomer, signed_at=datetime.now(UTC) - timedelta(hours=2)
    )


async def test_a_digest_that_does_not_match_the_body_is_401(peers: Peers) -> None:
    # Given a request whose body was changed after signing (the signed Digest left as it was)
    signed = encoded(activity(peers.bo, "Follow", object=peers.ana))
    tampered = signed.replace(b"Follow", b"Block ")
    await refused_and_not_queued(peers, 401, ("digest",), tampered, peers.bo, signed_body=signed)


async def test_a_digest_that_does_not_match_the_body_is_401_even_from_a_stranger(
    peers: Peers,
) -> None:
    # Given a changed body from a sender alpha has no key for: no key is needed to see it
    newcomer = await peers.newcomer()
    signed = encoded(activity(newcomer, "Follow", object=peers.ana))
    tampered = signed.replace(b"Follow", b"Block ")
    await refused_and_not_queued(peers, 401, ("digest",), tampered, newcomer, signed_body=signed)


async def test_a_key_whose_owner_is_not_the_actor_is_401(peers: Peers) -> None:
    # Given an activity by cy, signed (validly) with bo's cached key: same host, other person
    body = encoded(activity(peers.cy, "Follow", object=peers.ana))
    await refused_and_not_queued(peers, 401, (peers.bo.uri, peers.cy.uri), body, peers.bo)


async def test_a_blocked_signer_host_is_403(peers: Peers) -> None:
    # Given beta blocked on alpha (and alpha's short-lived cache of blocks cleared)
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    async with peers.alpha.pool.acquire() as conn:
        await host_store.set_blocked(conn, "beta.test", True)
    peers.alpha.app.state.acceptance.forget_blocks()
    try:
        # Then a correctly signed request from it is refused
        await refused_and_not_queued(peers, 403, ("beta.test", "blocked"), body, peers.bo)
    finally:
        async with peers.alpha.pool.acquire() as conn:
            await host_store.set_blocked(conn, "beta.test", False)
        peers.alpha.app.state.acceptance.forget_blocks()
    # And once unblocked, the same sender is heard again
    response = await post(peers.alpha, body, peers.bo)
    assert response.status_code == 202, response.text


# --- the document ------------------------------------------------------------------------------


async def test_invalid_json_is_400(peers: Peers) -> None:
    # Given a correctly signed body that is not JSON
    await refused_and_not_queued(peers, 400, ("JSON",), b'{"type": "Follow",', peers.bo)


async def test_a_json_array_is_400(peers: Peers) -> None:
    # Given a correctly signed JSON array holding an activity
    body = encoded([activity(peers.bo, "Follow", object=peers.ana)])
    await refused_and_not_queued(peers, 400, ("JSON object", "array"), body, peers.bo)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"object": None}, ("object", "required")),
        ({"id": "not a uri"}, ("id", "URI")),
        ({"actor": None}, ("actor",)),
        ({"type": None}, ("type", "required")),
    ],
    ids=["follow-without-object", "id-not-a-uri", "no-actor", "no-type"],
)
async def test_a_schema_violation_is_400(
    peers: Peers, change: dict[str, Any], words: tuple[str, ...]
) -> None:
    # Given a signed Follow that breaks its schema
    document = activity(peers.bo, "Follow", object=peers.ana)
    for name, value in change.items():
        if value is None:
            del document[name]
        else:
            document[name] = value
    await refused_and_not_queued(peers, 400, words, encoded(document), peers.bo)


async def test_an_actor_on_another_host_than_the_signer_is_400(peers: Peers) -> None:
    # Given bo (beta) signing an activity that claims to be by someone on gamma
    document = activity(peers.bo, "Follow", object=peers.ana)
    document["actor"] = "http://gamma.test/u/gil"
    await refused_and_not_queued(
        peers, 400, ("gamma.test", "not on beta.test"), encoded(document), peers.bo
    )


async def test_an_activity_id_on_another_host_is_400(peers: Peers) -> None:
    # Given bo's activity, with an id on gamma
    document = activity(peers.bo, "Follow", object=peers.ana)
    document["id"] = f"http://gamma.test/activities/{uuid.uuid4().hex}"
    await refused_and_not_queued(
        peers, 400, ("activity id", "gamma.test"), encoded(document), peers.bo
    )


@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
async def test_an_embedded_object_on_another_host_is_400(peers: Peers, kind: str) -> None:
    # Given bo carrying a note that lives on gamma
    note_id = f"http://gamma.test/notes/{uuid.uuid4().hex}"
    note = {"id": note_id, "type": "Note", "content": "hi", "attributedTo": peers.bo.uri}
    document = activity(peers.bo, kind, object=note)
    await refused_and_not_queued(peers, 400, (note_id, "beta.test"), encoded(document), peers.bo)


async def test_a_delete_by_id_of_someone_elses_post_is_refused_by_its_handler(
    peers: Peers,
) -> None:
    # Given a post in alpha's community written by ana, and bo (no facilitator) deleting it by id
    thread = await posts.write(
        peers.alpha.pool, peers.alpha.config, peers.alpha.app.state.network,
        author="ana", community_uri=f"{peers.alpha.base}/c/garden", title="Mine",
        content="Not bo's to delete.",
    )  # fmt: skip
    document = activity(peers.bo, "Delete", object=thread.uri)
    # When it arrives: a bare id may name a post elsewhere (facilitators remove posts that way)
    assert (await post(peers.alpha, encoded(document), peers.bo)).status_code == 202
    await peers.alpha.drain()
    # Then the handler refuses it with a reason, and the post is untouched
    row = await queued(peers.alpha, document["id"])
    assert row is not None
    assert row["state"] == "rejected"
    assert "not a facilitator" in row["last_error"]
    async with peers.alpha.pool.acquire() as conn:
        kept = await post_store.find_by_uri(conn, thread.uri)
    assert kept is not None and kept.deleted_at is None and kept.removed_at is None


# --- addressing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/u/nobody/inbox", "/c/nobody/inbox", "/c/ana/inbox", "/u/garden/inbox"],
    ids=["unknown-user", "unknown-community", "user-as-community", "community-as-user"],
)
async def test_the_inbox_of_someone_not_here_is_404(peers: Peers, path: str) -> None:
    # Given a correctly signed Follow posted to a personal inbox no local actor has
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    await refused_and_not_queued(peers, 404, ("no inbox",), body, peers.bo, path=path)


@pytest.mark.parametrize("path", ["/u/ana/inbox", "/c/garden/inbox", "/inbox"])
async def test_the_inboxes_that_exist_accept(peers: Peers, path: str) -> None:
    # Given the same, posted to ana's, garden's and the shared inbox
    document = activity(peers.bo, "Follow", object=peers.ana)
    response = await post(peers.alpha, encoded(document), peers.bo, path=path)
    # Then each accepts it
    assert response.status_code == 202, response.text
    assert await queued(peers.alpha, document["id"]) is not None


# --- what is accepted, and what becomes of it --------------------------------------------------


async def test_an_unknown_activity_type_is_recorded_then_ignored(peers: Peers) -> None:
    # Given a signed activity of a type fedcop has no schema or handler for
    document = activity(peers.bo, "Wave", object=peers.ana)
    response = await post(peers.alpha, encoded(document), peers.bo)
    # Then it is accepted and recorded
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, document["id"])
    assert row is not None and (row["activity_type"], row["state"]) == ("Wave", "pending")
    # And the worker marks it ignored
    await peers.alpha.drain()
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "ignored"


async def test_a_delete_of_an_unknown_actor_by_itself_is_dropped_without_a_fetch(
    peers: Peers,
) -> None:
    # Given an actor alpha never heard of, whose server does not answer (every connection to it
    # is noted)
    async with watched_port() as (port, connections):
        zed = stranger(f"http://gone.test:{port}", "zed")
        document = activity(zed, "Delete", object=zed.uri)
        before = await queue_size(peers.alpha)
        # When it announces its own deletion
        response = await post(peers.alpha, encoded(document), zed)
        # Then alpha answers 202 and keeps nothing, now or after its workers ran
        assert response.status_code == 202, response.text
        assert "nothing to do" in response.json()["status"]
        await peers.alpha.drain()
        assert await queue_size(peers.alpha) == before
        assert connections == []  # no key fetch, not even a connection attempt


async def test_a_delete_of_something_else_by_an_unknown_actor_waits_for_its_key(
    peers: Peers,
) -> None:
    # Given an unknown actor deleting something other than itself
    newcomer = await peers.newcomer()
    document = activity(newcomer, "Delete", object=f"{newcomer.origin}/notes/1")
    response = await post(peers.alpha, encoded(document), newcomer)
    # Then the shortcut does not apply: it is queued, verified with the fetched key, handled
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "unverified"
    await peers.alpha.drain()
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "ignored"


async def test_the_same_activity_twice_is_queued_once(peers: Peers) -> None:
    # Given one signed request, sent twice (a retry after a lost answer)
    document = activity(peers.bo, "Follow", object=peers.ana)
    body = encoded(document)
    headers = sign_request(
        "POST", peers.alpha.base + "/inbox", body, peers.bo.key_id, peers.bo.private_key
    )
    before = await queue_size(peers.alpha)
    for _ in range(2):
        response = await post(peers.alpha, body, None, headers=headers)
        assert response.status_code == 202, response.text
    # Then one row
    assert await queue_size(peers.alpha) == before + 1
    async with peers.alpha.pool.acquire() as conn:
        rows = await conn.fetchval(
            "SELECT count(*) FROM inbound_activities WHERE activity_id = $1", document["id"]
        )
    assert rows == 1


# --- deferred verification ---------------------------------------------------------------------


async def test_a_first_contact_is_verified_by_the_worker(peers: Peers) -> None:
    # Given someone alpha has never heard of, following ana
    newcomer = await peers.newcomer()
    document = activity(newcomer, "Follow", object=peers.ana)
    # When the Follow arrives, alpha answers at once without fetching the key
    response = await post(peers.alpha, encoded(document), newcomer)
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "unverified"
    # Then its worker fetches the key, verifies the request as received, and handles it
    await peers.alpha.drain()
    row = await queued(peers.alpha, document["id"])
    assert row is not None and (row["state"], row["signed_request"]) == ("done", None)
    async with peers.alpha.pool.acquire() as conn:
        follower = await actor_store.find_by_uri(conn, newcomer.uri)
        ana = await actor_store.find_by_uri(conn, peers.ana)
        assert follower is not None and ana is not None
        assert await follow_store.find(conn, follower.id, ana.id) is not None
        assert (await actor_store.find_key(conn, newcomer.key_id)) is not None


async def test_a_first_contact_with_a_bad_signature_is_rejected_by_the_worker(
    peers: Peers,
) -> None:
    # Given a first contact whose body was changed after signing, its Digest recomputed
    newcomer = await peers.newcomer()
    signed_document = activity(newcomer, "Follow", object=peers.ana)
    signed = encoded(signed_document)
    tampered = encoded({**signed_document, "object": f"{peers.alpha.base}/c/garden"})
    response = await post(
        peers.alpha,
        tampered,
        newcomer,
        signed_body=signed,
        headers={"Digest": digest_header(tampered)},
    )
    # Then alpha cannot tell yet (it has no key): 202, to be verified
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, signed_document["id"])
    assert row is not None and row["state"] == "unverified"
    # And its worker, once it has the key, rejects it and never acts on it
    await peers.alpha.drain()
    row = await queued(peers.alpha, signed_document["id"])
    assert row is not None and row["state"] == "rejected"
    assert "signature" in row["last_error"]
    async with peers.alpha.pool.acquire() as conn:
        garden = await actor_store.find_by_uri(conn, f"{peers.alpha.base}/c/garden")
        follower = await actor_store.find_by_uri(conn, newcomer.uri)
        assert garden is not None and follower is not None
        assert await follow_store.find(conn, follower.id, garden.id) is None


async def age_cached_key(peers: Peers, sender: Sender) -> None:
    """alpha has `sender`'s key, read an hour ago (this UPDATE stands for time passing)."""
    await remote_actors.fetch_actor(peers.alpha.pool, peers.alpha.app.state.network, sender.uri)
    async with peers.alpha.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET fetched_at = now() - interval '1 hour' WHERE uri = $1", sender.uri
        )


async def test_a_rotated_key_is_refetched_when_the_cached_one_is_old(peers: Peers) -> None:
    # Given a sender whose key alpha read an hour ago, and who has since rotated it on beta
    old = await peers.newcomer()
    await age_cached_key(peers, old)
    pair = generate_key_pair()
    async with peers.beta.pool.acquire() as conn:
        await conn.execute(
            "UPDATE actors SET public_key_pem = $2, private_key_pem = $3 WHERE uri = $1",
            old.uri,
            pair.public_pem,
            pair.private_pem,
        )
    rotated = Sender(old.uri, old.key_id, load_private_key(pair.private_pem))
    # When it sends an activity signed with the new key
    document = activity(rotated, "Follow", object=peers.ana)
    response = await post(peers.alpha, encoded(document), rotated)
    # Then alpha does not refuse it: it queues it for the worker to refetch the key
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "unverified"
    await peers.alpha.drain()
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "done", row


async def test_a_bad_signature_with_an_old_cached_key_is_rejected_after_a_refetch(
    peers: Peers,
) -> None:
    # Given a sender whose key alpha read an hour ago, and a request changed after signing
    sender = await peers.newcomer()
    await age_cached_key(peers, sender)
    signed_document = activity(sender, "Follow", object=peers.ana)
    signed = encoded(signed_document)
    tampered = encoded({**signed_document, "object": f"{peers.alpha.base}/c/garden"})
    response = await post(
        peers.alpha,
        tampered,
        sender,
        signed_body=signed,
        headers={"Digest": digest_header(tampered)},
    )
    # Then the fresh key does not verify it either: rejected, never acted on
    assert response.status_code == 202, response.text
    await peers.alpha.drain()
    row = await queued(peers.alpha, signed_document["id"])
    assert row is not None and row["state"] == "rejected"
    assert "signature" in row["last_error"]


async def test_a_key_rotated_by_an_update_verifies_at_once_though_memory_holds_the_old_one(
    peers: Peers,
) -> None:
    # Given a sender alpha knows, who rotates its key on beta and announces it with an Update
    # signed with the old key (which alpha verifies with the key it then keeps in memory)
    old = await peers.newcomer()
    name = old.uri.rsplit("/", 1)[1]
    await remote_actors.fetch_actor(peers.alpha.pool, peers.alpha.app.state.network, old.uri)
    await keys.rotate_key(peers.beta.pool, peers.beta.config, name)
    renewed = (await peers.beta.get(f"/u/{name}", headers={"Accept": ACTIVITY_JSON})).json()
    renewed.pop("@context")
    update = activity(old, "Update", object=renewed)
    assert (await post(peers.alpha, encoded(update), old)).status_code == 202
    await peers.alpha.drain()
    assert (await queued(peers.alpha, update["id"]) or {}).get("state") == "done"
    new = await local_sender(peers.beta, name)
    assert new.key_id == old.key_id
    # When its first activity signed with the new key arrives
    follow = activity(new, "Follow", object=peers.ana)
    response = await post(peers.alpha, encoded(follow), new)
    # Then alpha verifies it at once with the key its database holds now: no 401, no refetch
    assert response.status_code == 202, response.text
    row = await queued(peers.alpha, follow["id"])
    assert row is not None and row["state"] == "pending"
    await peers.alpha.drain()
    row = await queued(peers.alpha, follow["id"])
    assert row is not None and row["state"] == "done", row
    # And a request changed after signing is still refused, with the new key as with the old
    signed = encoded(activity(new, "Follow", object=peers.ana))
    tampered = signed.replace(b"Follow", b"Block ")
    for signer in (new, old):
        await refused_and_not_queued(
            peers,
            401,
            ("does not verify",),
            tampered,
            signer,
            signed_body=signed,
            headers={"Digest": digest_header(tampered)},
        )


async def test_a_first_contact_whose_server_is_down_is_retried_not_lost(peers: Peers) -> None:
    # Given a Follow from an actor whose server does not answer at the moment
    port = free_port()
    ghost = stranger(f"http://ghost.test:{port}", "ghost")
    document = activity(ghost, "Follow", object=peers.ana)
    response = await post(peers.alpha, encoded(document), ghost)
    assert response.status_code == 202, response.text
    # When the worker cannot fetch the key
    await peers.alpha.drain()
    # Then the activity stays queued, unverified, with the reason, for a later attempt
    row = await queued(peers.alpha, document["id"])
    assert row is not None
    assert (row["state"], row["attempts"], row["later"]) == ("unverified", 1, True)
    assert row["last_error"] and row["signed_request"] is not None
    # When the server is back and the retry is due (this UPDATE stands for time passing)
    async with actor_server(port, ghost):
        async with peers.alpha.pool.acquire() as conn:
            await conn.execute(
                "UPDATE inbound_activities SET next_attempt_at = now() WHERE activity_id = $1",
                document["id"],
            )
        await peers.alpha.drain()
    # Then the request is verified as it was received, and handled
    row = await queued(peers.alpha, document["id"])
    assert row is not None and row["state"] == "done", row


# --- documents that parse but cannot be stored ---------------------------------------------------


@pytest.mark.parametrize("kind", ["Follow", "Wave"])
async def test_a_nul_character_is_400(peers: Peers, kind: str) -> None:
    # PostgreSQL's jsonb cannot hold U+0000: refuse it rather than fail to store it
    document = activity(peers.bo, kind, object=peers.ana, summary="a\u0000b")
    await refused_and_not_queued(peers, 400, ("NUL",), encoded(document), peers.bo)


async def test_an_activity_id_too_long_to_index_is_400(peers: Peers) -> None:
    # An unknown type has no schema to bound its id; the dedupe index still must hold it
    document = activity(peers.bo, "Wave", object=peers.ana)
    document["id"] += "/" + "".join(uuid.uuid4().hex for _ in range(200))
    await refused_and_not_queued(peers, 400, ("id",), encoded(document), peers.bo)


async def test_a_row_the_database_refuses_fails_only_its_own_request(peers: Peers) -> None:
    # Given two good rows and one PostgreSQL cannot store, committed together by the writer
    # (all three are queued before the writer task next runs, so they form one batch)
    writer: InboxWriter = peers.alpha.app.state.inbox_writer

    def row(document: dict[str, Any]) -> NewInbound:
        return NewInbound(document["id"], "Wave", peers.bo.uri, document, InboundState.PENDING)

    good = [activity(peers.bo, "Wave") for _ in range(2)]
    bad = activity(peers.bo, "Wave", summary="\u0000")
    results = await asyncio.gather(
        writer.write(row(good[0])),
        writer.write(row(bad)),
        writer.write(row(good[1])),
        return_exceptions=True,
    )
    # Then only the bad one fails, and the good ones are queued
    assert results[0] is None and results[2] is None
    assert isinstance(results[1], asyncpg.PostgresError)
    for document in good:
        assert await queued(peers.alpha, document["id"]) is not None
    assert await queued(peers.alpha, bad["id"]) is None


# --- fuzzing: whatever arrives, the answer is never a 500 ---------------------------------------

REFUSALS = {400, 401, 413, 415}
# Header values as they can travel on the wire: visible ASCII and Latin-1, inner spaces.
_header_text = st.text(
    st.characters(
        codec="latin-1", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x7f"
    ),
    max_size=80,
).map(str.strip)


def header_bytes(text: str) -> bytes:
    return text.encode("latin-1")


async def refused_with_one_of(
    peers: Peers, statuses: set[int], body: bytes, signer: Sender | None, **kw: Any
) -> None:
    before = await queue_size(peers.alpha)
    response = await post(peers.alpha, body, signer, **kw)
    assert response.status_code in statuses, response.text
    assert_refused(response, response.status_code)
    assert await queue_size(peers.alpha) == before


@settings(max_examples=40, deadline=None)
@given(body=st.binary(max_size=2048))
async def test_random_bodies_are_refused_never_crash(peers: Peers, body: bytes) -> None:
    # Given any bytes, correctly signed by a sender alpha knows
    await refused_with_one_of(peers, REFUSALS, body, peers.bo)


@settings(max_examples=60, deadline=None)
@given(
    key_id=st.one_of(st.just("bo"), _header_text),
    algorithm=st.one_of(st.sampled_from(["rsa-sha256", "hs2019", "RSA-SHA256"]), _header_text),
    covered=st.lists(
        st.one_of(
            st.sampled_from(["(request-target)", "host", "date", "digest", "(created)"]),
            _header_text,
        ),
        max_size=6,
    ),
    value=st.one_of(
        st.binary(max_size=300).map(lambda raw: base64.b64encode(raw).decode()), _header_text
    ),
    date=st.one_of(st.none(), _header_text),
    digest=st.one_of(st.none(), _header_text),
    content_type=st.one_of(st.none(), _header_text),
)
async def test_random_signature_headers_are_refused_never_crash(
    peers: Peers,
    key_id: str,
    algorithm: str,
    covered: list[str],
    value: str,
    date: str | None,
    digest: str | None,
    content_type: str | None,
) -> None:
    # Given a well-formed Follow by bo, with a Signature header that looks right but is not,
    # and perhaps a Date, Digest or Content-Type that makes no sense
    body = encoded(activity(peers.bo, "Follow", object=peers.ana))
    signature = (
        f'keyId="{peers.bo.key_id if key_id == "bo" else key_id.replace(chr(34), "")}",'
        f'algorithm="{algorithm}",headers="{" ".join(covered)}",signature="{value}",created=1'
    )
    headers: dict[str, str | bytes] = {"Signature": header_bytes(signature)}
    for name, replacement in (("Date", date), ("Digest", digest), ("Content-Type", content_type)):
        if replacement is not None:
            headers[name] = header_bytes(replacement)
    await refused_with_one_of(peers, REFUSALS, body, peers.bo, headers=headers)


@settings(max_examples=40, deadline=None)
@given(
    extra=st.dictionaries(
        st.text(max_size=12),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
            lambda inner: (
                st.lists(inner, max_size=4)
                | st.dictionaries(st.text(max_size=8), inner, max_size=4)
            ),
            max_leaves=12,
        ),
        max_size=4,
    ),
    kind=st.sampled_from(["Follow", "Create", "Like", "Wave"]),
)
async def test_valid_activities_with_random_properties_never_crash(
    peers: Peers, extra: dict[str, Any], kind: str
) -> None:
    # Given a signed activity by bo carrying arbitrary extra properties (or odd core ones)
    document = {**activity(peers.bo, kind, object=peers.ana), **extra}
    # (the standard library's encoder, which also writes integers beyond 64 bits)
    response = await post(peers.alpha, json.dumps(document).encode(), peers.bo)
    # Then it is accepted or refused with a reason, never an error of ours
    assert response.status_code in {202, 400, 401}, response.text
    if response.status_code != 202:
        assert_refused(response, response.status_code)
