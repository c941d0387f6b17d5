"""Three fedcop nodes: a community on alpha, members on beta and gamma, posting across nodes.

Every request crosses TCP and is really signed and verified; each test asserts what every node
stored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, post_changes, posts, remote_actors, votes
from fedcop.services.errors import InvalidInput
from tests.live_node import LiveNode
from tests.scene import Nodes, settle, stored, three_nodes

AP = {"Accept": "application/activity+json"}


@pytest.fixture
async def three(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with three_nodes(pg_cluster) as nodes:
        yield nodes


async def test_a_thread_and_a_reply_reach_every_member_node(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    community = f"{alpha.base}/c/stewards"
    # Given both members joined
    followers = (await alpha.get("/c/stewards/followers", headers=AP)).json()
    assert followers["totalItems"] == 3  # the founder, bea and gus
    # When bea on beta starts a thread
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=community, title="Retention schedules?",
        content="Has anyone automated retention schedules?",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # Then alpha (the community) stored it, and gamma got it through the community's Announce
    on_alpha = await stored(alpha, thread.uri)
    on_gamma = await stored(gamma, thread.uri)
    assert on_alpha is not None and on_gamma is not None
    assert on_alpha.title == on_gamma.title == "Retention schedules?"
    assert "automated retention" in on_gamma.content
    # When gus on gamma replies to it
    reply = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gus", community_uri=community, content="We use a nightly job.",
        in_reply_to=thread.uri,
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # Then the reply is in the thread on every node
    for node in (alpha, beta, gamma):
        found = await stored(node, reply.uri)
        assert found is not None, node.base
        assert found.in_reply_to_uri == thread.uri
        root = await stored(node, thread.uri)
        assert found.thread_id == root.id
        assert root.reply_count == 1


async def test_a_local_member_posts_and_remote_members_receive_it(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    thread = await posts.write(
        alpha.pool, alpha.config, alpha.app.state.network,
        author="fa", community_uri=f"{alpha.base}/c/stewards", title="Welcome",
        content="Introduce yourselves!",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    for node in (beta, gamma):
        found = await stored(node, thread.uri)
        assert found is not None and found.title == "Welcome"
        # the body alone: the title paragraph of the fetched form is not kept twice
        assert found.content == "<p>Introduce yourselves!</p>\n"
    # The thread is served at its id, with audience, addressing and a Mention of the community
    document = (await alpha.get(thread.uri.removeprefix(alpha.base), headers=AP)).json()
    # as a Note with its title, which microblog servers show in full: the title as its first
    # paragraph, then the whole text
    assert document["type"] == "Note"
    assert document["name"] == "Welcome"
    assert document["content"].startswith("<p><strong>Welcome</strong></p>")
    assert "Introduce yourselves!" in document["content"]
    assert "preview" not in document and "inReplyTo" not in document
    assert document["audience"] == f"{alpha.base}/c/stewards"
    assert f"{alpha.base}/c/stewards" in document["to"]
    assert document["tag"][0]["type"] == "Mention"
    assert document["published"].endswith("Z")
    assert document["replies"] == f"{thread.uri}/replies"


async def test_a_locked_community_setting_keeps_threads_to_facilitators(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    async with alpha.pool.acquire() as conn:
        await conn.execute("UPDATE communities SET posting_restricted_to_mods = true")
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/stewards", title="Not allowed",
        content="I am not a facilitator.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    assert await stored(alpha, thread.uri) is None
    assert await stored(gamma, thread.uri) is None


async def _thread_by_bea(alpha: LiveNode, beta: LiveNode, gamma: LiveNode) -> Any:
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/stewards", title="Retention",
        content="First draft.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    return thread


async def test_an_author_edits_a_thread_everywhere(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    thread = await _thread_by_bea(alpha, beta, gamma)
    # When bea edits her thread on beta
    await post_changes.edit(
        beta.pool, beta.config, author="bea", post_uri=thread.uri,
        content="Second draft.", title="Retention (edited)",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    # Then every node shows the new text and title
    for node in (alpha, beta, gamma):
        found = await stored(node, thread.uri)
        assert "Second draft." in found.content, node.base
        assert found.title == "Retention (edited)"
        assert found.updated is not None


async def test_an_author_deletes_a_thread_everywhere(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    thread = await _thread_by_bea(alpha, beta, gamma)
    await post_changes.delete(beta.pool, beta.config, author="bea", post_uri=thread.uri)
    await settle(alpha, beta, gamma)
    for node in (alpha, beta, gamma):
        found = await stored(node, thread.uri)
        assert found.deleted_at is not None, node.base
        assert found.content == ""
    # The deleted post is served as a Tombstone
    response = await beta.get(thread.uri.removeprefix(beta.base), headers=AP)
    assert response.status_code == 410
    assert response.json()["type"] == "Tombstone"


async def test_only_the_author_may_edit(three: tuple[LiveNode, LiveNode, LiveNode]) -> None:
    alpha, beta, gamma = three
    thread = await _thread_by_bea(alpha, beta, gamma)
    with pytest.raises(InvalidInput):
        await post_changes.edit(
            alpha.pool, alpha.config, author="fa", post_uri=thread.uri, content="hijacked"
        )


async def test_likes_are_counted_on_every_node_and_can_be_taken_back(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    thread = await _thread_by_bea(alpha, beta, gamma)
    # When gus on gamma likes bea's thread
    await votes.vote(gamma.pool, gamma.config, voter="gus", post_uri=thread.uri)
    await settle(alpha, beta, gamma)
    assert (await stored(alpha, thread.uri)).like_count == 1
    assert (await stored(gamma, thread.uri)).like_count == 1
    # Liking twice counts once
    await votes.vote(gamma.pool, gamma.config, voter="gus", post_uri=thread.uri)
    await settle(alpha, beta, gamma)
    assert (await stored(alpha, thread.uri)).like_count == 1
    # A dislike replaces the like
    await votes.vote(gamma.pool, gamma.config, voter="gus", post_uri=thread.uri, kind="Dislike")
    await settle(alpha, beta, gamma)
    on_alpha = await stored(alpha, thread.uri)
    assert (on_alpha.like_count, on_alpha.dislike_count) == (0, 1)
    # Undo takes it back everywhere
    assert await votes.unvote(gamma.pool, gamma.config, voter="gus", post_uri=thread.uri)
    await settle(alpha, beta, gamma)
    for node in (alpha, gamma):
        found = await stored(node, thread.uri)
        assert (found.like_count, found.dislike_count) == (0, 0), node.base


async def test_a_member_finds_a_remote_community_by_its_handle(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    await accounts.create_user(gamma.pool, gamma.config, "gwen", "long enough")
    # When gwen on gamma looks the community up by handle, as she would type it
    handle = f"@stewards@{alpha.config.domain}"
    found = await remote_actors.look_up(gamma.pool, gamma.app.state.network, handle, "Group")
    # Then she finds it, follows it, and can post into it
    assert found.uri == f"{alpha.base}/c/stewards"
    assert (found.actor_type, found.display_name) == ("Group", "Data Stewards")
    await follows.follow_remote(
        gamma.pool, gamma.config, gamma.app.state.network, "gwen", found.uri
    )
    await settle(alpha, beta, gamma)
    thread = await posts.write(
        gamma.pool, gamma.config, gamma.app.state.network,
        author="gwen", community_uri=found.uri, title="Hello", content="New here.",
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    assert await stored(alpha, thread.uri) is not None
    assert await stored(beta, thread.uri) is not None


async def test_the_community_outbox_pages_its_threads(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    titles = []
    for number in range(3):
        titles.append(f"Thread {number}")
        await posts.write(
            beta.pool, beta.config, beta.app.state.network,
            author="bea", community_uri=f"{alpha.base}/c/stewards", title=titles[-1],
            content="Body.",
        )  # fmt: skip
    await settle(alpha, beta, gamma)
    outbox = (await alpha.get("/c/stewards/outbox", headers=AP)).json()
    assert outbox["totalItems"] == 3
    page = (await alpha.get(outbox["first"].removeprefix(alpha.base), headers=AP)).json()
    assert page["type"] == "OrderedCollectionPage"
    assert [item["object"]["name"] for item in page["orderedItems"]] == titles[::-1]
    assert all(item["type"] == "Create" for item in page["orderedItems"])


async def test_member_list_pages_are_for_servers_with_a_member(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    followers = (await alpha.get("/c/stewards/followers", headers=AP)).json()
    assert followers["totalItems"] == 3
    # An unsigned request for the list is refused
    assert (await alpha.get("/c/stewards/followers?page=true", headers=AP)).status_code == 401
    # beta has a member, so its signed fetch gets the list
    page = await beta.app.state.network.fetch(f"{alpha.base}/c/stewards/followers?page=true")
    members = [f"{alpha.base}/u/fa", f"{beta.base}/u/bea", f"{gamma.base}/u/gus"]
    assert sorted(page["orderedItems"]) == sorted(members)


async def test_a_post_carries_links_to_every_node(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, gamma = three
    thread = await posts.write(
        beta.pool, beta.config, beta.app.state.network,
        author="bea", community_uri=f"{alpha.base}/c/stewards", title="Our schedule",
        content="See https://records.example/schedule.pdf, and <b>ask</b>.",
        links=["https://records.example/guide"],
    )  # fmt: skip
    await settle(alpha, beta, gamma)
    for node in (alpha, gamma):
        found = await stored(node, thread.uri)
        assert found.attachments[0]["url"] == "https://records.example/guide", node.base
        assert 'href="https://records.example/schedule.pdf"' in found.content
        assert "&lt;b&gt;ask&lt;/b&gt;" in found.content  # text stays text
    document = await alpha.app.state.network.fetch(thread.uri)
    link = "https://records.example/guide"
    assert document["attachment"] == [
        {"type": "Link", "href": link, "url": link, "mediaType": "text/html"}
    ]


async def test_a_link_that_is_not_a_web_address_is_refused(
    three: tuple[LiveNode, LiveNode, LiveNode],
) -> None:
    alpha, beta, _ = three
    with pytest.raises(InvalidInput, match="web address"):
        await posts.write(
            beta.pool, beta.config, beta.app.state.network,
            author="bea", community_uri=f"{alpha.base}/c/stewards", title="x", content="y",
            links=["javascript:alert(1)"],
        )  # fmt: skip
