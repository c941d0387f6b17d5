"""fedcop and Fedify, an independent ActivityPub implementation, over real sockets.

Behaviour covered (FEDERATION.md: Follow, Accept; HTTP signatures both ways):
- a Fedify Person joins a fedcop community: fedcop verifies Fedify's signed Follow (fetching its
  key), records the membership and sends a signed Accept that Fedify verifies;
- a fedcop user joins a Fedify Group: Fedify verifies fedcop's signed Follow, fedcop verifies the
  Group's signed Accept and records the follow as accepted; the post the Group then announces is
  fetched from the Group's server and kept as a thread of that Group;
- a Fedify member receives a thread through the community's signed Announce, fetches it, and
  replies; the reply is threaded on fedcop.

Signature schemes. Fedify signs with RFC 9421 first and falls back to draft-cavage only if the
receiver answers 4xx ("double-knocking"). Each test runs once with each scheme as Fedify's first
knock, and fedcop takes the first knock both times, so no fallback happens. With Fedify's default
that means fedcop verified RFC 9421: for the Person's Follow in its inbox worker (the key was not
known yet, so the inbox answered 202 and the worker fetched the key), and for the Group's Accept
and Announce at once in the inbox (the key was cached when fedcop fetched the Group to follow
it). fedcop signs draft-cavage first, and Fedify verifies it, so fedcop never knocks twice here
(test_interop_fedify_double_knock.py has a Fedify peer that refuses draft-cavage).

The fedcop node lives at http://127.0.0.1:PORT (unnamed) so that Fedify can reach it, and runs
its inbox and delivery workers by itself; every wait is a poll with a generous deadline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.inbox.acceptance import Decision, InboundRequest
from fedcop.services import accounts, follows, posts, reading
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.peers import PeerProcess, wait_until
from tests.peers.fedify import Scheme, fedify_peer, install

AP = {"Accept": "application/activity+json"}
SCHEMES: list[Scheme] = ["rfc9421", "draft-cavage-http-signatures-12"]
WIRE_NAMES: dict[Scheme, str] = {
    "rfc9421": "rfc9421",
    "draft-cavage-http-signatures-12": "draft-cavage",
}


@pytest.fixture(scope="session")
def fedify_home() -> Path:
    """The peer's node_modules, installed once, before any node starts (it may take a while)."""
    return install()


@dataclass(frozen=True)
class Received:
    """One POST to a fedcop inbox, as fedcop's acceptance step judged it."""

    target: str
    scheme: str  # rfc9421 | draft-cavage | unsigned
    status: int
    message: str


def record_inbox(node: LiveNode) -> list[Received]:
    """Every inbox POST the node judges from now on, with the signature scheme it carried.

    Test-only instrumentation: the node's Acceptance is wrapped, nothing else changes.
    """
    acceptance = node.app.state.acceptance
    decide = acceptance.decide
    received: list[Received] = []

    async def recording(request: InboundRequest) -> Decision:
        decision: Decision = await decide(request)
        scheme = _scheme_of(request.headers)
        received.append(Received(request.target, scheme, decision.status, decision.message))
        return decision

    acceptance.decide = recording
    return received


def _scheme_of(headers: Mapping[str, str]) -> str:
    if "signature-input" in headers:
        return "rfc9421"
    return "draft-cavage" if "signature" in headers else "unsigned"


async def follow_state(node: LiveNode, follower_uri: str, followed_uri: str) -> str | None:
    async with node.pool.acquire() as conn:
        follower = await actor_store.find_by_uri(conn, follower_uri)
        followed = await actor_store.find_by_uri(conn, followed_uri)
        if follower is None or followed is None:
            return None
        found = await follow_store.find(conn, follower.id, followed.id)
    return found.state if found else None


async def inbound_rows(node: LiveNode) -> list[tuple[str, str, str | None]]:
    """(activity type, state, last error) of every activity the node received."""
    async with node.pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT activity_type, state, last_error FROM inbound_activities ORDER BY id"
        )
    return [(row["activity_type"], row["state"], row["last_error"]) for row in rows]


def follows_become(
    node: LiveNode, follower: str, followed: str, state: str
) -> Callable[[], Awaitable[bool]]:
    """A poll for the follow's state that gives up at once if fedcop rejected (or failed on)
    anything it received: the follow would never get there."""

    async def check() -> bool:
        refused = [row for row in await inbound_rows(node) if row[1] in ("rejected", "failed")]
        assert not refused, f"fedcop refused what the peer sent: {refused}"
        return await follow_state(node, follower, followed) == state

    return check


class Evidence:
    """What to print when a wait fails: the peer's log and what the node received."""

    def __init__(self, peer: PeerProcess, received: list[Received]) -> None:
        self.peer, self.received = peer, received

    def __call__(self) -> str:
        posts = "\n".join(f"  {r}" for r in self.received) or "  (none)"
        return f"{self.peer.describe()}\n--- POSTs to fedcop ---\n{posts}"


@pytest.mark.parametrize("first_knock", SCHEMES)
async def test_a_fedify_person_joins_a_fedcop_community(
    pg_cluster: EmbeddedPostgres, fedify_home: Path, tmp_path: Path, first_knock: Scheme
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, run_workers=True) as node:
        # Given a community on a fedcop node that independent servers can reach
        await accounts.create_user(node.pool, node.config, "bo", "long enough")
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="bo"
        )
        community = f"{node.base}/c/stewards"
        received = record_inbox(node)
        # When a Fedify Person looks the community up by URL and sends it a signed Follow
        async with fedify_peer(
            fedify_home, "person", tmp_path, target=community, first_knock=first_knock
        ) as alice:
            evidence = Evidence(alice, received)
            # Then fedcop fetches alice's key, verifies the Follow and records her as a member
            await wait_until(
                follows_become(node, alice.actor_uri, community, "accepted"),
                f"fedcop to record {alice.actor_uri} as a member",
                context=evidence,
            )
            followers = await node.get("/c/stewards/followers", headers=AP)
            assert followers.json()["totalItems"] == 2  # the founder and alice
            # And Fedify verified the signature of the Accept fedcop sent (draft-cavage, to the
            # shared inbox the Person's actor names)
            await alice.wait_for(f"verified Accept from {community}")
            await alice.wait_for("POST /inbox (draft-cavage) -> 202")
        # And fedcop accepted Fedify's Follow signed with the first scheme Fedify tried: it
        # answered 202 at the first knock, so Fedify never fell back to the other scheme
        assert [(r.target, r.scheme, r.status) for r in received] == [
            ("/c/stewards/inbox", WIRE_NAMES[first_knock], 202)
        ], evidence()
        # And the Follow was verified and handled, not rejected and not failed
        assert await inbound_rows(node) == [("Follow", "done", None)], evidence()


@pytest.mark.parametrize("first_knock", SCHEMES)
async def test_a_fedcop_user_joins_a_fedify_group(
    pg_cluster: EmbeddedPostgres, fedify_home: Path, tmp_path: Path, first_knock: Scheme
) -> None:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn, run_workers=True) as node,
        fedify_peer(fedify_home, "group", tmp_path, first_knock=first_knock) as group,
    ):
        # Given a user on a fedcop node and a Group on a Fedify server
        await accounts.create_user(node.pool, node.config, "ana", "long enough")
        ana = f"{node.base}/u/ana"
        received = record_inbox(node)
        evidence = Evidence(group, received)
        # When ana follows the Group (fedcop fetches it with a signed GET and sends a Follow)
        network = node.app.state.network
        pending = await follows.follow_remote(
            node.pool, node.config, network, "ana", group.actor_uri
        )
        assert pending.state == "pending"
        # Then Fedify verifies fedcop's draft-cavage signature and the Follow it carries
        await group.wait_for(f"verified Follow from {ana}")
        await group.wait_for("POST /users/community/inbox (draft-cavage) -> 202")
        # And fedcop verifies the Group's Accept and records the follow as accepted
        await wait_until(
            follows_become(node, ana, group.actor_uri, "accepted"),
            "fedcop to record the Group's Accept",
            context=evidence,
        )

        # And the post the Group announces to its new member (its own Note) is kept here as a
        # thread of that Group, fetched from the Group's server
        async def announce_handled() -> bool:
            return ("Announce", "done", None) in await inbound_rows(node)

        await wait_until(announce_handled, "fedcop to take the Announce", context=evidence)
        assert sorted(await inbound_rows(node)) == [
            ("Accept", "done", None),
            ("Announce", "done", None),
        ], evidence()
        view = await reading.post_by_uri(node.pool, f"{group.origin}/notes/1")
        assert view is not None
        assert view.community.uri == group.actor_uri
        assert "hello community" in view.post.content
        # And both of the Group's POSTs were accepted at the first knock, with the first scheme
        assert sorted((r.target, r.scheme, r.status) for r in received) == [
            ("/u/ana/inbox", WIRE_NAMES[first_knock], 202),
            ("/u/ana/inbox", WIRE_NAMES[first_knock], 202),
        ], evidence()


async def test_a_fedify_member_receives_a_thread_and_replies_into_it(
    pg_cluster: EmbeddedPostgres, fedify_home: Path, tmp_path: Path
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, run_workers=True) as node:
        # Given a Fedify Person who is a member of a fedcop community
        await accounts.create_user(node.pool, node.config, "bo", "long enough")
        await accounts.create_community(
            node.pool, node.config, "stewards", title="Data Stewards", owner="bo"
        )
        community = f"{node.base}/c/stewards"
        received = record_inbox(node)
        async with fedify_peer(fedify_home, "person", tmp_path, target=community) as alice:
            evidence = Evidence(alice, received)
            await wait_until(
                follows_become(node, alice.actor_uri, community, "accepted"),
                "the Fedify member to join",
                context=evidence,
            )
            # When a member here starts a thread
            thread = await posts.write(
                node.pool, node.config, node.app.state.network,
                author="bo", community_uri=community, title="Welcome", content="Say hello!",
            )  # fmt: skip
            # Then Fedify verifies the community's signed Announce and fetches the thread
            await alice.wait_for(f"verified Announce from {community}")
            await alice.wait_for(f"fetched announced {thread.uri}")
            # And its reply, sent to the community, is in the thread here
            await alice.wait_for("sent reply")

            async def reply_threaded() -> bool:
                refused = [r for r in await inbound_rows(node) if r[1] in ("rejected", "failed")]
                assert not refused, f"fedcop refused what the peer sent: {refused}"
                view = await reading.post_by_uri(node.pool, thread.uri)
                assert view is not None
                return view.post.reply_count == 1

            await wait_until(reply_threaded, "the reply to be threaded", context=evidence)
            async with node.pool.acquire() as conn:
                (reply,) = await post_store.replies_of(conn, (await stored_id(node, thread.uri)))
            assert reply.in_reply_to_uri == thread.uri
            assert "independent server" in reply.content
            assert reply.uri.startswith(alice.origin)


async def stored_id(node: LiveNode, uri: str) -> int:
    view = await reading.post_by_uri(node.pool, uri)
    assert view is not None
    return view.post.id
