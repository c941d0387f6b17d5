"""Weak, huge and loose signatures at the real inbox: refused, with the reason, nothing stored.

An attacking server (tests/microblog_server.py, signing for real) posts into a community on a
live node over TCP:

    actor's key RSA-512 or RSA-16384, not known yet -> 202; the worker fetches the actor,
        refuses its key where it is loaded (before any verify): row 'rejected' with the reason,
        actor not kept, no post; the refusal remembered: the next post is answered 401
    the actor moves to an acceptable key, is looked up -> heard again
    the same key kept before fedcop judged keys      -> 401 with the reason, nothing queued
    a signature without (request-target)              -> 401, nothing queued
    a request signed for alpha replayed to gamma      -> 401, nothing queued
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, remote_actors
from fedcop.store import actors as actor_store
from federation.digest import digest_header
from federation.keys import KeyPair, generate_key_pair, public_pem_of
from federation.signature_core import http_date
from federation.signatures import sign_request
from tests.conftest import fresh_database
from tests.federation.signing_helpers import cavage_header
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.paths import WEAK_RSA_512_PRIVATE_KEY
from tests.scene import stored
from tests.signed_requests import ACTIVITY_JSON, encoded, post

INBOX = "/c/stewards/inbox"


def weak_pair() -> KeyPair:
    """The committed RSA-512 pair: signatures made with it verify, mathematically."""
    key = serialization.load_pem_private_key(WEAK_RSA_512_PRIVATE_KEY.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    private_pem = WEAK_RSA_512_PRIVATE_KEY.read_text()
    return KeyPair(private_pem=private_pem, public_pem=public_pem_of(key))


def huge_pair() -> KeyPair:
    """A 16,384-bit public key served as the actor's (any odd number of that size will do for
    an attacker: the verifier pays for the modulus, whoever made it). It signs with another key:
    the refusal must come before anything tries to verify."""
    modulus = (1 << 16383) | (0x5DEECE66D << 40) | 1
    huge = rsa.RSAPublicNumbers(65537, modulus).public_key()
    public_pem = huge.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")
    return KeyPair(private_pem=generate_key_pair().private_pem, public_pem=public_pem)


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, LiveNode]]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        for node in (alpha, gamma):
            await accounts.create_user(node.pool, node.config, "fa", "long enough")
            await accounts.create_community(
                node.pool, node.config, "stewards", title="Data Stewards", owner="fa"
            )
        yield alpha, gamma


def post_to_community(server: MicroblogServer, node: LiveNode) -> dict[str, Any]:
    community = f"{node.base}/c/stewards"
    note = server.status(
        "<p>Cheap pills</p>",
        cc=[f"{server.user}/followers", community],
        audience=community,
        tag=[{"type": "Mention", "href": community}],
    )
    return server.create(note)


async def inbound_row(node: LiveNode, activity_id: str) -> Any:
    async with node.pool.acquire() as conn:
        return await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities WHERE activity_id = $1", activity_id
        )


async def cached_actor(node: LiveNode, uri: str) -> Any:
    async with node.pool.acquire() as conn:
        return await actor_store.find_by_uri(conn, uri)


@pytest.mark.parametrize(
    ("pair", "reason"),
    [(weak_pair, "RSA-512, too weak to trust"), (huge_pair, "RSA-16384, too costly to verify")],
)
async def test_an_actor_whose_key_is_refused_cannot_post(
    nodes: tuple[LiveNode, LiveNode], pair: Any, reason: str
) -> None:
    alpha, _ = nodes
    with microblog_server("mallory", keys=pair()) as mallory:
        create = post_to_community(mallory, alpha)
        # When mallory's server posts into the community, signed with that key
        response = await post(alpha, encoded(create), mallory.sender, path=INBOX)
        # Then the inbox takes it for later (the key is unknown: nothing waits on the network)
        assert response.status_code == 202
        await alpha.drain()
        # And the worker refused the key on loading it, and recorded why
        row = await inbound_row(alpha, create["id"])
        assert row["state"] == "rejected"
        assert reason in row["last_error"]
        # And nothing of mallory was kept: no actor, no post
        assert await cached_actor(alpha, mallory.user) is None
        assert await stored(alpha, create["object"]["id"]) is None
        # When mallory posts again, the inbox refuses at once, with the same reason
        again = post_to_community(mallory, alpha)
        response = await post(alpha, encoded(again), mallory.sender, path=INBOX)
        assert response.status_code == 401
        assert reason in response.json()["error"]
        assert await inbound_row(alpha, again["id"]) is None


async def test_an_actor_that_changes_to_an_acceptable_key_is_heard_again(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, _ = nodes
    with microblog_server("mallory", keys=weak_pair()) as mallory:
        # Given mallory's RSA-512 key refused when her first post came
        first = post_to_community(mallory, alpha)
        assert (await post(alpha, encoded(first), mallory.sender, path=INBOX)).status_code == 202
        await alpha.drain()
        assert (await inbound_row(alpha, first["id"]))["state"] == "rejected"
        # When her server moves to an RSA-2048 key and someone here looks her up
        mallory.keys = generate_key_pair()
        network: Any = alpha.app.state.network
        await remote_actors.look_up(alpha.pool, network, mallory.user)
        # Then her next post is taken and becomes a thread
        second = post_to_community(mallory, alpha)
        response = await post(alpha, encoded(second), mallory.sender, path=INBOX)
        assert response.status_code == 202
        await alpha.drain()
    assert (await inbound_row(alpha, second["id"]))["state"] == "done"
    assert await stored(alpha, second["object"]["id"]) is not None


async def test_a_refused_key_kept_from_before_is_answered_401(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, _ = nodes
    with microblog_server("mallory", keys=weak_pair()) as mallory:
        # Given mallory's actor cached with its RSA-512 key before fedcop judged keys
        async with alpha.pool.acquire() as conn:
            await actor_store.upsert_remote(
                conn,
                actor_store.RemoteActorFields(
                    uri=mallory.user,
                    actor_type="Person",
                    username="mallory",
                    domain=mallory.origin.removeprefix("http://"),
                    display_name="mallory",
                    summary="",
                    inbox_url=f"{mallory.user}/inbox",
                    shared_inbox_url=None,
                    outbox_url=None,
                    followers_url=None,
                    public_key_id=mallory.key_id,
                    public_key_pem=mallory.keys.public_pem,
                ),
            )
        create = post_to_community(mallory, alpha)
        # When mallory posts, signed with that key
        response = await post(alpha, encoded(create), mallory.sender, path=INBOX)
    # Then the inbox answers 401 with the reason, and queues nothing
    assert response.status_code == 401
    assert "RSA-512, too weak to trust" in response.json()["error"]
    assert await inbound_row(alpha, create["id"]) is None


async def test_a_signature_without_request_target_is_refused(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, _ = nodes
    with microblog_server("mona") as mona:
        body = encoded(post_to_community(mona, alpha))
        # Given a POST signed over host, date and digest only (what Mastodon would accept)
        date, digest = http_date(time.time()), digest_header(body)
        key = serialization.load_pem_private_key(mona.keys.private_pem.encode(), None)
        assert isinstance(key, rsa.RSAPrivateKey)
        covered = [("host", alpha.config.domain), ("date", date), ("digest", digest)]
        headers = {
            "Host": alpha.config.domain,
            "Date": date,
            "Digest": digest,
            "Content-Type": ACTIVITY_JSON,
            "Signature": cavage_header(key, covered, key_id=mona.key_id),
        }
        # When it arrives at any of the node's inboxes
        for path in (INBOX, "/inbox"):
            response = await raw_post(alpha, path, body, headers)
            # Then it is refused, saying what the signature must cover
            assert response.status_code == 401
            assert "must cover (request-target)" in response.json()["error"]
    async with alpha.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbound_activities") == 0


async def test_a_request_signed_for_one_node_is_refused_by_another(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, gamma = nodes
    with microblog_server("mona") as mona:
        create = post_to_community(mona, alpha)
        body = encoded(create)
        # Given a POST mona's server signed for alpha's community inbox, captured on the way
        captured = {
            "Content-Type": ACTIVITY_JSON,
            **sign_request("POST", alpha.base + INBOX, body, mona.key_id, mona.sender.private_key),
        }
        assert (await raw_post(alpha, INBOX, body, captured)).status_code == 202
        # When it is replayed to gamma's community inbox, exactly as captured
        replayed = await raw_post(gamma, INBOX, body, captured)
        # Then gamma refuses it: it was signed for another server
        assert replayed.status_code == 401
        assert "not for this server" in replayed.json()["error"]
        # And with gamma's name in its Host header, its signature no longer verifies
        await raw_post(gamma, INBOX, body, {**captured, "Host": gamma.config.domain})
        await gamma.drain()
    assert await stored(gamma, create["object"]["id"]) is None
    row = await inbound_row(gamma, create["id"])
    assert row is None or row["state"] == "rejected"


async def raw_post(
    node: LiveNode, path: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    """POST exactly these headers and body to `node` over TCP."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}", timeout=30) as http:
        return await http.post(path, content=body, headers=headers)


async def test_signed_gets_follow_the_same_rules(pg_cluster: EmbeddedPostgres) -> None:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn, "beta", authorized_fetch=True) as beta,
    ):
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        with (
            microblog_server("mallory", keys=weak_pair()) as mallory,
            microblog_server("mona") as mona,
        ):

            async def signed_get(url: str, signer: MicroblogServer) -> httpx.Response:
                headers = sign_request("GET", url, None, signer.key_id, signer.sender.private_key)
                headers["Accept"] = ACTIVITY_JSON
                async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{beta.port}") as http:
                    return await http.get("/u/bo", headers=headers)

            # A GET signed by mona for beta is served (the rules let real peers through)
            assert (await signed_get(f"{beta.base}/u/bo", mona)).status_code == 200
            # A GET signed with an RSA-512 key is refused, saying why
            for _ in range(2):  # fetched and refused, then refused from memory
                weak = await signed_get(f"{beta.base}/u/bo", mallory)
                assert weak.status_code == 401
                assert "RSA-512, too weak to trust" in weak.json()["error"]
            assert await cached_actor(beta, mallory.user) is None
            # A GET mona signed for another server is refused there
            elsewhere = await signed_get("http://alpha.test/u/bo", mona)
            assert elsewhere.status_code == 401
            assert "not for this server" in elsewhere.json()["error"]
