"""A member uses fedcop from a real Mastodon client library (Mastodon.py), end to end.

home (http://127.0.0.1:PORT, where the client signs in) and beta (another fedcop node) are served
by uvicorn on loopback. Mastodon.py is synchronous: its calls run in a thread while the nodes
serve in the event loop.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest
from mastodon import Mastodon, MastodonUnauthorizedError

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from tests.api.browser_login import authorize, code_from
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.scene import settle

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]
T = TypeVar("T")


async def in_thread(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await asyncio.to_thread(call, *args, **kwargs)


def sign_in_with_mastodon_py(base: str, name: str, password: str) -> Mastodon:
    """What an app does: register, send the person to the authorization page, trade the code
    they bring back for a token."""
    client_id, client_secret = Mastodon.create_app(
        "Mastodon.py at fedcop", scopes=SCOPES, redirect_uris=OOB, api_base_url=base
    )
    client = Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base)
    url = client.auth_request_url(redirect_uris=OOB, scopes=SCOPES, allow_http=True)
    with httpx.Client(timeout=10) as browser:
        code = code_from(authorize(browser, url, name, password))
    client.log_in(code=code, redirect_uri=OOB, scopes=SCOPES, allow_http=True)
    return client


def text_of(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


async def test_a_member_takes_part_from_mastodon_py(pg_cluster: EmbeddedPostgres) -> None:
    async with (
        fresh_database(pg_cluster) as home_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(home_dsn) as home,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(home.pool, home.config, "alice", "correct horse battery")
        await accounts.create_community(
            home.pool, home.config, "librarians", title="City Librarians", owner="alice"
        )
        await accounts.create_user(beta.pool, beta.config, "bea", "correct horse battery")
        await accounts.create_community(
            beta.pool, beta.config, "stewards", title="Data Stewards", owner="bea"
        )

        client = await in_thread(
            sign_in_with_mastodon_py, home.base, "alice", "correct horse battery"
        )
        me = await in_thread(client.account_verify_credentials)
        assert me.username == "alice"
        assert me.acct == "alice"
        assert "source" in me

        # A thread is posted into a community by mentioning it.
        thread = await in_thread(
            client.status_post,
            "@librarians Weeding the reference shelves\nHow often do you review them?",
        )
        assert "Weeding the reference shelves" in text_of(thread.content)
        assert any(m.acct == "librarians" for m in thread.mentions)
        home_timeline = await in_thread(client.timeline_home)
        assert thread.id in [status.id for status in home_timeline]

        reply = await in_thread(
            client.status_post, "Every two years, with circulation data.", in_reply_to_id=thread
        )
        assert reply.in_reply_to_id == thread.id
        context = await in_thread(client.status_context, thread)
        assert [status.id for status in context.descendants] == [reply.id]

        favourited = await in_thread(client.status_favourite, thread)
        assert favourited.favourited is True
        assert favourited.favourites_count == 1

        # A community on another node, found and joined through search.
        handle = f"stewards@{beta.config.domain}"
        found = await in_thread(client.search_v2, f"@{handle}", resolve=True)
        assert [account.acct for account in found.accounts] == [handle]
        community = found.accounts[0]
        assert community.group is True
        await in_thread(client.account_follow, community)
        await settle(home, beta)
        relationship = (await in_thread(client.account_relationships, community))[0]
        assert relationship.following is True

        # A thread posted there from here; a member of beta answers it.
        question = await in_thread(
            client.status_post, f"@{handle} Retention schedules\nWho has one for survey data?"
        )
        await settle(home, beta)
        async with beta.pool.acquire() as conn:
            arrived = await conn.fetchval(
                "SELECT uri FROM posts WHERE title = 'Retention schedules'"
            )
        assert arrived == question.uri
        await posts.write(
            beta.pool,
            beta.config,
            beta.app.state.network,
            author="bea",
            community_uri=f"{beta.base}/c/stewards",
            content="We keep ours on the shared drive: ten years.",
            in_reply_to=question.uri,
        )
        await settle(home, beta)
        notifications = await in_thread(client.notifications)
        mentions = [n for n in notifications if n.type == "mention"]
        assert mentions, notifications
        assert mentions[0].account.acct == f"bea@{beta.config.domain}"
        assert "ten years" in text_of(mentions[0].status.content)
        assert mentions[0].status.in_reply_to_id == question.id


async def test_a_revoked_token_no_longer_works_in_mastodon_py(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        await accounts.create_user(home.pool, home.config, "alice", "correct horse battery")
        client = await in_thread(
            sign_in_with_mastodon_py, home.base, "alice", "correct horse battery"
        )
        assert (await in_thread(client.account_verify_credentials)).username == "alice"
        token = client.access_token
        await in_thread(client.revoke_access_token, allow_http=True)
        stale = Mastodon(access_token=token, api_base_url=home.base)
        with pytest.raises(MastodonUnauthorizedError):
            await in_thread(stale.account_verify_credentials)


async def test_pins_mutes_tags_and_follow_requests_from_mastodon_py(
    pg_cluster: EmbeddedPostgres,
) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as home:
        # Given alice, who facilitates "librarians" (joining needs her approval), and bob, who
        # asked to join
        await accounts.create_user(home.pool, home.config, "alice", "correct horse battery")
        await accounts.create_user(home.pool, home.config, "bob", "correct horse battery")
        librarians = await accounts.create_community(
            home.pool, home.config, "librarians", title="City Librarians", owner="alice"
        )
        await follows.set_manual_approval(home.pool, "librarians", True)
        await follows.join(home.pool, home.config, home.app.state.network, "bob", librarians.uri)
        client = await in_thread(
            sign_in_with_mastodon_py, home.base, "alice", "correct horse battery"
        )
        me = await in_thread(client.account_verify_credentials)

        # Follow requests: authorizing answers that bob now follows her
        waiting = await in_thread(client.follow_requests)
        assert [account.acct for account in waiting] == ["bob"]
        answer = await in_thread(client.follow_request_authorize, waiting[0])
        assert answer.followed_by is True
        assert answer.requested_by is False
        assert await in_thread(client.follow_requests) == []

        # Pins: her thread pinned on her profile, then unpinned
        thread = await in_thread(client.status_post, "@librarians Weeding\nHow often? #collections")
        pinned = await in_thread(client.status_pin, thread)
        assert pinned.pinned is True
        on_profile = await in_thread(client.account_statuses, me, pinned=True)
        assert [status.id for status in on_profile] == [thread.id]
        assert (await in_thread(client.status_unpin, thread)).pinned is False
        assert await in_thread(client.account_statuses, me, pinned=True) == []

        # Muting the conversation
        assert (await in_thread(client.status_mute, thread)).muted is True
        assert (await in_thread(client.status, thread)).muted is True
        assert (await in_thread(client.status_unmute, thread)).muted is False

        # Hashtags: followed, then featured on her profile
        tag = await in_thread(client.tag, "collections")
        assert (tag.name, tag.following) == ("collections", False)
        assert tag.history[0].uses == "1"
        assert (await in_thread(client.tag_follow, "collections")).following is True
        assert [t.name for t in await in_thread(client.followed_tags)] == ["collections"]
        assert (await in_thread(client.tag_unfollow, "collections")).following is False
        featured = await in_thread(client.featured_tag_create, "collections")
        assert (featured.name, featured.statuses_count) == ("collections", "1")
        shown = await in_thread(client.account_featured_tags, me)
        assert [t.name for t in shown] == ["collections"]
