"""Members on microblog servers (Mastodon and friends) take part by mentioning the community.

A small Mastodon-shaped server (tests/microblog_server.py) plays the member's server: it serves
its user and statuses, says `mastodon` in its NodeInfo, signs what it sends and verifies what it
receives. Its activities have Mastodon's shape: no `audience`, the community in `cc` with its
followers, an h-card mention in the content.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, post_changes, posts
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.scene import settle, stored
from tests.signed_requests import encoded, post

AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def setting(
    pg_cluster: EmbeddedPostgres,
) -> AsyncIterator[tuple[LiveNode, LiveNode, MicroblogServer]]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        community = await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(gamma.pool, gamma.config, "gus", "long enough")
        await follows.follow_remote(
            gamma.pool, gamma.config, gamma.app.state.network, "gus", community.uri
        )
        await settle(alpha, gamma)
        with microblog_server("masto") as masto:
            masto.known_keys[community.public_key_id] = community.public_key_pem
            yield alpha, gamma, masto


def mention(community: str) -> str:
    return (
        f'<span class="h-card"><a href="{community}" class="u-url mention">'
        "@<span>stewards</span></a></span>"
    )


async def test_a_post_mentioning_the_community_becomes_a_thread(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, masto = setting
    community = f"{alpha.base}/c/stewards"
    note = masto.status(
        f"<p>{mention(community)} Has anyone migrated from DSpace 6?</p>"
        "<p>We are planning it for spring.</p>",
        cc=[f"{masto.user}/followers", community, f"{community}/followers"],
        tag=[{"type": "Mention", "href": community, "name": f"@stewards@{alpha.config.domain}"}],
    )
    # When mona's server delivers her public post to the community
    response = await post(alpha, encoded(masto.create(note)), masto.sender)
    assert response.status_code == 202
    await settle(alpha, gamma)
    # Then it is a thread, titled from its first line without the mention
    thread = await stored(alpha, note["id"])
    assert thread is not None
    assert thread.title == "Has anyone migrated from DSpace 6?"
    assert thread.thread_id is None
    assert "spring" in thread.content
    # And members elsewhere receive it through the community (fetched from mona's server)
    assert (await stored(gamma, note["id"])) is not None


async def test_a_reply_addressed_only_to_the_author_is_threaded(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, masto = setting
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=f"{alpha.base}/c/stewards", title="Welcome",
        content="Introduce yourselves!",
    )  # fmt: skip
    await settle(alpha, gamma)
    # When mona replies from a microblog server, addressing only the thread's author
    fa = f"{alpha.base}/u/fa"
    reply = masto.status(
        f'<p><span class="h-card"><a href="{fa}">@fa</a></span> Hi from Mastodon</p>',
        inReplyTo=thread.uri,
        to=[fa],
        cc=[PUBLIC],
        tag=[{"type": "Mention", "href": fa}],
    )
    assert (await post(alpha, encoded(masto.create(reply)), masto.sender)).status_code == 202
    await settle(alpha, gamma)
    # Then the community threads it, and relays it to its members
    on_alpha = await stored(alpha, reply["id"])
    assert on_alpha is not None
    root = await stored(alpha, thread.uri)
    assert on_alpha.thread_id == root.id
    assert root.reply_count == 1
    assert (await stored(gamma, reply["id"])) is not None


async def test_a_microblog_follower_gets_new_threads_announced_by_id(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, masto = setting
    community = f"{alpha.base}/c/stewards"
    # Given mona follows the community from her microblog server
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{masto.user}#follows/{uuid.uuid4().int}",
        "type": "Follow",
        "actor": masto.user,
        "object": community,
    }
    assert (await post(alpha, encoded(follow), masto.sender)).status_code == 202
    await settle(alpha, gamma)
    assert [a["type"] for a in masto.received] == ["Accept"]
    # When a member starts a thread and someone replies
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=community, title="Welcome", content="Introduce yourselves!",
    )  # fmt: skip
    await settle(alpha, gamma)
    await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community, content="Hello!", in_reply_to=thread.uri,
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then mona's server got the thread as an Announce of the thread's id (a Note with the
    # title, which it shows in full), and no boost of the reply
    announces = [a for a in masto.received if a["type"] == "Announce"]
    assert [a["object"] for a in announces] == [thread.uri]
    assert announces[0]["actor"] == community
    served = (await alpha.get(thread.uri.removeprefix(alpha.base), headers=AP)).json()
    assert served["type"] == "Note"
    assert served["name"] == "Welcome"
    assert served["content"].startswith("<p><strong>Welcome</strong></p>")
    assert "Introduce yourselves!" in served["content"]


async def test_a_post_for_nobody_here_is_ignored(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, masto = setting
    note = masto.status("<p>Just my lunch.</p>")
    assert (await post(alpha, encoded(masto.create(note)), masto.sender)).status_code == 202
    await settle(alpha, gamma)
    assert await stored(alpha, note["id"]) is None
    async with alpha.pool.acquire() as conn:
        state = await conn.fetchval(
            "SELECT state FROM inbound_activities WHERE activity_id = $1", f"{note['id']}/activity"
        )
    assert state == "ignored"


async def test_a_direct_reply_to_an_author_is_not_the_communitys_to_relay(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, masto = setting
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=f"{alpha.base}/c/stewards", title="Welcome",
        content="Introduce yourselves!",
    )  # fmt: skip
    await settle(alpha, gamma)
    # When mona answers the thread's author in a direct message (not public, not to the community)
    fa = f"{alpha.base}/u/fa"
    direct = masto.status("<p>Just between us.</p>", inReplyTo=thread.uri, to=[fa], cc=[])
    assert (await post(alpha, encoded(masto.create(direct)), masto.sender)).status_code == 202
    await settle(alpha, gamma)
    # Then the community keeps nothing of it, and no member's server receives it: it is fa's
    # direct message, kept outside the community for fa alone
    kept = await stored(alpha, direct["id"])
    assert kept is not None and kept.visibility == "direct"
    assert kept.community_id is None and kept.thread_id is None
    assert await stored(gamma, direct["id"]) is None
    assert (await stored(alpha, thread.uri)).reply_count == 0


async def test_a_key_served_at_its_own_url_is_followed_to_its_owner(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, _ = setting
    community = f"{alpha.base}/c/stewards"
    # Given a server whose keys live at …/main-key, naming their owner (GoToSocial's shape)
    with microblog_server("gts", "gwen", key_at_own_url=True) as gts:
        gts.known_keys[f"{community}#main-key"] = (
            await alpha.get("/c/stewards", headers=AP)
        ).json()["publicKey"]["publicKeyPem"]
        follow = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"{gts.user}#follows/{uuid.uuid4().int}",
            "type": "Follow",
            "actor": gts.user,
            "object": community,
        }
        # When gwen follows the community, signed with that key
        assert gts.sender.key_id == f"{gts.user}/main-key"
        assert (await post(alpha, encoded(follow), gts.sender)).status_code == 202
        await settle(alpha, gamma)
        # Then alpha fetched the key, then its owner, found the owner names the key, and
        # verified the Follow: gwen is a member and got her Accept
        async with alpha.pool.acquire() as conn:
            state = await conn.fetchval(
                "SELECT state FROM inbound_activities WHERE activity_id = $1", follow["id"]
            )
        assert state == "done"
        assert [a["type"] for a in gts.received] == ["Accept"]


async def test_hashtags_travel_as_hashtag_tags_and_follow_edits(
    setting: tuple[LiveNode, LiveNode, MicroblogServer],
) -> None:
    alpha, gamma, _ = setting
    community = f"{alpha.base}/c/stewards"
    # When a member starts a thread with hashtags
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=community, title="Retention",
        content="Our #Retention schedule, reviewed by #records staff.",
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then the object others fetch tags them, linking to the tag's page here
    served = (await alpha.get(thread.uri.removeprefix(alpha.base), headers=AP)).json()
    hashtags = [t for t in served["tag"] if t["type"] == "Hashtag"]
    assert hashtags == [
        {"type": "Hashtag", "href": f"{alpha.base}/tags/retention", "name": "#retention"},
        {"type": "Hashtag", "href": f"{alpha.base}/tags/records", "name": "#records"},
    ]
    assert (await alpha.get("/tags/records")).status_code == 200
    # and a member's server keeps them
    assert (await stored(gamma, thread.uri)).tags == ["retention", "records"]
    # When the author edits the hashtags
    await post_changes.edit(
        alpha.pool, alpha.config, author="fa", post_uri=thread.uri,
        title="Retention", content="Now filed under #archives.",
    )  # fmt: skip
    await settle(alpha, gamma)
    # Then the Update carries the new ones, and every server files the post under them
    served = (await alpha.get(thread.uri.removeprefix(alpha.base), headers=AP)).json()
    assert [t["name"] for t in served["tag"] if t["type"] == "Hashtag"] == ["#archives"]
    assert (await stored(alpha, thread.uri)).tags == ["archives"]
    assert (await stored(gamma, thread.uri)).tags == ["archives"]
