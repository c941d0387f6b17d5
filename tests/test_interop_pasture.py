"""fediverse-pasture's verify-actor, an independent checker, probes a fedcop user.

Behaviour covered (FEDERATION.md: inbox signatures, actor documents, WebFinger):
verify-actor (Python, bovine) runs six test actors of its own against one actor URL:

    actor   username  its inbox POST  its own actor served   fedcop must
    alice   yes       unsigned        to anyone              serve the actor; refuse the POST
    bob     yes       signed          to anyone              serve the actor; take the POST
    claire  yes       signed          to signed GETs only    ... and fetch her key signed
    dean    none      unsigned        to anyone              serve the actor; refuse the POST
    emily   none      signed          to anyone              serve the actor; take the POST
    frank   none      signed          to signed GETs only    ... and fetch his key signed

and checks that WebFinger for acct:preferredUsername@host names the same actor.

verify-actor judges by HTTP status only, and fedcop answers a signed POST from a sender whose key
it does not have yet with 202 before fetching the key (fedcop.inbox.acceptance). So after the
table is in, the test runs fedcop's inbox worker and checks what became of each signed `Like`:
- bob's and claire's are verified with keys fedcop fetched itself (claire's with a signed GET,
  which her actor demands) and then ignored: a Like of the pasture actor concerns nobody here;
- emily's and frank's are rejected: fedcop, like Mastodon, keeps a remote actor only if it has a
  preferredUsername (its acct: handle), and these two have none. ActivityPub makes the property
  optional, so this is fedcop's choice, not pasture's mistake; the table cannot show it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.peers import DEADLINE_SECONDS, PeerProcess, pasture, wait_until
from tests.processes import free_port

# The kit's pasture-verify-actor.py: plain http, requests time out after 10 s. Its data.toml
# (the test actors' keys) is written to the working directory, which is the test's tmp_path.
VERIFY_ACTOR = """
import sys
from fediverse_pasture.verify_actor import build_app
port = int(sys.argv[1])
app = build_app(False, f"127.0.0.1:{port}", False, 10)
app.run(host="127.0.0.1", port=port)
"""
# What a correct actor gets: every test actor can read it; only signed POSTs reach its inbox.
EXPECTED: dict[str, Any] = {
    "alice": {"get_actor": True, "post_inbox": False},
    "bob": {"get_actor": True, "post_inbox": True},
    "claire": {"get_actor": True, "post_inbox": True},
    "dean": {"get_actor": True, "post_inbox": False},
    "emily": {"get_actor": True, "post_inbox": True},
    "frank": {"get_actor": True, "post_inbox": True},
    "webfinger": True,
}
# What fedcop's inbox worker makes of each signed Like, by test actor (see the docstring).
AFTER_VERIFICATION = {
    "bob": ("Like", "ignored"),
    "claire": ("Like", "ignored"),
    "emily": ("Like", "rejected"),
    "frank": ("Like", "rejected"),
}
NO_USERNAME = "lacks an inbox or a preferredUsername"


@asynccontextmanager
async def verify_actor(log_dir: Path) -> AsyncIterator[tuple[PeerProcess, str]]:
    """The verify-actor app on a free loopback port, and its URL; stopped by its pid."""
    python = await asyncio.to_thread(pasture.install)  # its own virtualenv, built once
    port = free_port()
    peer = PeerProcess(
        "pasture-verify-actor",
        [str(python), "-c", VERIFY_ACTOR, str(port)],
        cwd=log_dir,
        log_path=log_dir / f"verify-actor-{port}.log",
    )
    base = f"http://127.0.0.1:{port}"
    peer.start()
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:

            async def answers() -> bool:
                if not peer.running():
                    raise AssertionError(f"verify-actor exited\n{peer.describe()}")
                try:
                    return (await http.get("/static/styles.css")).status_code == 200
                except httpx.TransportError:
                    return False

            await wait_until(answers, "verify-actor to answer", context=peer.describe)
        yield peer, base
    finally:
        peer.stop()


async def test_pasture_verify_actor_finds_a_fedcop_user_correct(
    pg_cluster: EmbeddedPostgres, tmp_path: Path
) -> None:
    async with (
        fresh_database(pg_cluster) as dsn,
        live_node(dsn) as node,
        verify_actor(tmp_path) as (pasture, pasture_url),
    ):
        # Given a user on a fedcop node (workers idle until the test runs them)
        await accounts.create_user(node.pool, node.config, "ana", "long enough")
        actor = f"{node.base}/u/ana"
        # When verify-actor probes her actor with its six test actors
        async with httpx.AsyncClient(timeout=DEADLINE_SECONDS * 2) as http:
            response = await http.post(
                pasture_url, data={"actor_uri": actor}, headers={"Accept": "application/json"}
            )
        assert response.status_code == 200, f"{response.text}\n{pasture.describe()}"
        answer = response.json()
        table = answer["result"]
        report = (
            f"verify-actor table:\n{json.dumps(table, indent=2)}\n"
            f"its messages:\n{answer['messages']}\n{pasture.describe()}"
        )
        # Then every check is green: the actor and WebFinger are readable to all, and only the
        # signed POSTs were taken (fedcop answered 202; unsigned ones got 401)
        assert table == EXPECTED, report
        # And once fedcop's inbox worker has run, bob's and claire's Likes were verified with
        # keys fedcop fetched (claire's by a signed GET) and ignored; emily's and frank's were
        # rejected because their actors have no preferredUsername
        await node.drain()
        async with node.pool.acquire() as conn:
            rows = await conn.fetch(
                "SELECT actor_uri, activity_type, state, last_error FROM inbound_activities"
            )
        by_actor = {row["actor_uri"].rsplit("/", 1)[-1]: row for row in rows}
        evidence = f"{[dict(row) for row in rows]}\n{report}"
        outcomes = {name: (row["activity_type"], row["state"]) for name, row in by_actor.items()}
        assert outcomes == AFTER_VERIFICATION, evidence
        assert [by_actor[name]["last_error"] for name in ("bob", "claire")] == [None, None]
        for name in ("emily", "frank"):
            assert NO_USERNAME in by_actor[name]["last_error"], evidence
