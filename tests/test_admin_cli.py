"""`fedcop admin ...` operator commands as real processes, on a database of the test cluster
(FEDCOP_DATABASE_URL): accounts, domain blocks and the queues."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from fedcop.config import Config
from fedcop.queues import InboundState
from fedcop.services import accounts, oauth, outbox, signin
from fedcop.services.signin import SignInRefused
from fedcop.store import inbound as inbound_store
from fedcop.store import users as user_store
from fedcop.store.inbound import NewInbound
from fedcop.store.outbound import DeliveryOutcome, record_outcomes
from tests.live_node import live_node
from tests.microblog_server import microblog_server
from tests.processes import clean_env, run_fedcop
from tests.signed_requests import activity, encoded, post


def admin(dsn: str, config: Config, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(FEDCOP_DATABASE_URL=dsn, FEDCOP_BASE_URL=config.base_url)
    return run_fedcop("admin", *args, env=env)


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result: subprocess.CompletedProcess[str], message: str) -> None:
    assert result.returncode == 1, result.stdout
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.fixture
async def node(pool: Any, config: Config) -> Any:
    await accounts.create_user(pool, config, "ana", "long enough")
    async with pool.acquire() as conn:
        await conn.execute("INSERT INTO node (base_url) VALUES ($1)", config.base_url)
    return pool


async def user(pool: Any, name: str) -> user_store.User:
    async with pool.acquire() as conn:
        found = await user_store.find_by_name(conn, name)
    assert found is not None
    return found


async def test_suspend_ends_sessions_and_tokens_and_unsuspend_restores(
    node: Any, dsn: str, config: Config
) -> None:
    # Given ana, signed in, with an API token
    before = await user(node, "ana")
    session = await signin.open_session(node, before)
    assert await signin.signed_in(node, before.actor.id, before.session_version, session)
    token = await oauth.admin_token(node, "ana")
    assert await oauth.access_of(node, token) is not None
    # When the operator suspends her
    out = ok(admin(dsn, config, "suspend", "ana"))
    assert "suspended @ana@alpha.test" in out
    # Then her session, her token and her password no longer get her in
    assert await signin.signed_in(node, before.actor.id, before.session_version, session) is None
    assert await oauth.access_of(node, token) is None
    with pytest.raises(SignInRefused, match="suspended"):
        await signin.sign_in(node, "ana", "long enough", "127.0.0.1")
    # And suspending twice says so
    refused(admin(dsn, config, "suspend", "ana"), "already suspended")
    # When she is unsuspended she can sign in again
    assert "active again" in ok(admin(dsn, config, "unsuspend", "ana"))
    assert (await signin.sign_in(node, "ana", "long enough", "127.0.0.1")).state == "active"
    refused(admin(dsn, config, "unsuspend", "ana"), "not suspended")


async def test_reset_password_prints_a_new_one_and_ends_sessions(
    node: Any, dsn: str, config: Config
) -> None:
    before = await user(node, "ana")
    session = await signin.open_session(node, before)
    token = await oauth.admin_token(node, "ana")
    out = ok(admin(dsn, config, "reset-password", "ana"))
    password = out.splitlines()[0].rsplit(": ", 1)[1]
    assert len(password) >= 16
    assert (await signin.sign_in(node, "ana", password, "127.0.0.1")).actor.username == "ana"
    assert await signin.signed_in(node, before.actor.id, before.session_version, session) is None
    assert await oauth.access_of(node, token) is None
    # A chosen password is taken (and not printed); a short one is refused, changing nothing
    out = ok(admin(dsn, config, "reset-password", "ana", "--password", "chosen secret"))
    assert "chosen secret" not in out
    refused(admin(dsn, config, "reset-password", "ana", "--password", "short"), "too short")
    assert (await signin.sign_in(node, "ana", "chosen secret", "127.0.0.1")).state == "active"


async def test_promote_and_demote(node: Any, dsn: str, config: Config) -> None:
    assert "now an administrator" in ok(admin(dsn, config, "promote", "ana"))
    assert (await user(node, "ana")).is_admin
    assert "(admin)" in ok(admin(dsn, config, "list"))
    refused(admin(dsn, config, "promote", "ana"), "already an administrator")
    assert "no longer an administrator" in ok(admin(dsn, config, "demote", "ana"))
    assert not (await user(node, "ana")).is_admin
    refused(admin(dsn, config, "demote", "nobody"), "there is no user 'nobody'")


async def test_a_blocked_domain_gets_403_and_receives_nothing(
    node: Any, dsn: str, config: Config
) -> None:
    with microblog_server("masto") as masto:
        host = "masto.test"
        # When the operator blocks the domain
        assert f"blocked {host}" in ok(admin(dsn, config, "block-domain", f"https://{host}/"))
        assert ok(admin(dsn, config, "list-blocks")).splitlines() == [host]
        refused(admin(dsn, config, "block-domain", "not a host"), "not a domain name")
        async with live_node(dsn, "alpha") as alpha:
            # Then its signed requests are refused with 403, and nothing is queued
            follow = activity(masto.sender, "Follow", object=f"{alpha.base}/u/ana")
            response = await post(alpha, encoded(follow), masto.sender)
            assert response.status_code == 403
            assert "blocked" in response.json()["error"]
            async with alpha.pool.acquire() as conn:
                assert await inbound_store.counts(conn) == {}
                ana = (await user(alpha.pool, "ana")).actor
                await outbox.publish(
                    conn,
                    alpha.config,
                    ana,
                    {"type": "Note", "content": "hi"},
                    [f"{masto.origin}/inbox"],
                )
            # And what is addressed to it is never sent
            await alpha.drain()
            assert masto.received == []
            async with alpha.pool.acquire() as conn:
                row = await conn.fetchrow("SELECT state, last_error FROM deliveries")
            assert (row["state"], row["last_error"]) == ("given_up", "host blocked")
        assert f"unblocked {host}" in ok(admin(dsn, config, "unblock-domain", host))
        assert ok(admin(dsn, config, "list-blocks")).strip() == "no blocked domains"


async def test_queue_shows_failures_and_retry_puts_them_back(
    node: Any, dsn: str, config: Config
) -> None:
    ana = (await user(node, "ana")).actor
    async with node.acquire() as conn:
        # Given a failed inbound activity and a given-up delivery
        await inbound_store.insert_many(
            conn,
            [
                NewInbound(
                    "https://remote.example/a/1",
                    "Create",
                    "https://remote.example/u/x",
                    {"id": "https://remote.example/a/1", "type": "Create"},
                    InboundState.PENDING,
                )
            ],
        )
        inbound_id = await conn.fetchval("SELECT id FROM inbound_activities")
        await inbound_store.finish(conn, inbound_id, InboundState.FAILED, "KeyError: 'object'")
        await outbox.publish(conn, config, ana, {"type": "Note"}, ["https://gone.example/inbox"])
        delivery_id = await conn.fetchval("SELECT id FROM deliveries")
        await record_outcomes(
            conn, [DeliveryOutcome(delivery_id, "given_up", 410, "HTTP 410 Gone")]
        )
    # When the operator looks at the queues
    out = ok(admin(dsn, config, "queue"))
    assert "inbound     failed 1; nothing due" in out
    assert "deliveries  given_up 1; nothing due" in out
    assert f"{inbound_id}" in out and "KeyError: 'object'" in out
    assert f"{delivery_id}" in out and "https://gone.example/inbox" in out and "410 Gone" in out
    # Then a retry of something that did not fail is refused, and changes nothing
    refused(admin(dsn, config, "queue", "retry", "--inbound", "12345"), "12345")
    refused(
        admin(dsn, config, "queue", "retry", "--inbound", str(inbound_id), "--delivery", "1"),
        "not failed or given up",
    )
    refused(admin(dsn, config, "queue", "retry"), "--all-failed")
    async with node.acquire() as conn:
        assert await inbound_store.counts(conn) == {"failed": 1}
    # And a retry by id puts the row back, due now
    out = ok(admin(dsn, config, "queue", "retry", "--inbound", str(inbound_id)))
    assert f"inbound activities due again: 1 ({inbound_id})" in out
    out = ok(admin(dsn, config, "queue", "retry", "--all-failed"))
    assert f"deliveries due again: 1 ({delivery_id})" in out
    async with node.acquire() as conn:
        rows = await conn.fetch(
            "SELECT state, attempts, next_attempt_at <= now() AS due FROM inbound_activities"
            " UNION ALL SELECT state, attempts, next_attempt_at <= now() FROM deliveries"
        )
    assert [tuple(row) for row in rows] == [("pending", 0, True), ("pending", 0, True)]
    assert "pending 1; oldest due item waiting" in ok(admin(dsn, config, "queue"))
