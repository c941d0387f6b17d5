"""An Undo is matched by what it withdraws, not only by the id it names.

Lemmy and PieFed send the Undo of a vote with a fresh id for the inner Like or Dislike (the
captured tests/data/real/lemmy/activities/undo_like_note.json is one); Mastodon's Undo of a
boost or a follow embeds the activity whole. When the inner id is unknown here, the vote, boost
or membership is found by (actor, kind, object); only the actor of the inner activity may
withdraw it.

Each case plays a Lemmy-shaped server (tests/group_server) posting, signed, to a community on a
live node (alpha, over TCP), the real payloads' shapes moved onto its hosts.
"""

from __future__ import annotations

import copy
import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, posts
from fedcop.store import boosts as boost_store
from fedcop.store import follows as follow_store
from fedcop.store.posts import Post
from federation.keys import load_private_key
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.paths import REAL_FIXTURES
from tests.scene import settle, stored
from tests.signed_requests import Sender, encoded, post

Setting = tuple[LiveNode, GroupServer, Post]


@pytest.fixture
async def setting(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Setting]:
    """stewards on alpha, with a thread by fa; a Lemmy-shaped server whose people take part."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        thread = await posts.write(
            alpha.pool,
            alpha.config,
            alpha.app.state.network,
            author="fa",
            community_uri=f"{alpha.base}/c/stewards",
            title="Retention of e-mail",
            content="How long do you keep it?",
        )
        await settle(alpha)
        with group_server("lemmy") as lemmy:
            yield alpha, lemmy, thread


def _person(lemmy: GroupServer, name: str) -> Sender:
    uri = lemmy.person(name)
    return Sender(uri, f"{uri}#main-key", load_private_key(lemmy.keys.private_pem))


def _real(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((REAL_FIXTURES / name).read_text())
    return document


def _fresh_id(sender: Sender, kind: str) -> str:
    return f"{sender.origin}/activities/{kind}/{uuid.uuid4()}"


def _lemmy_vote(sender: Sender, kind: str, post_uri: str, community: str) -> dict[str, Any]:
    """Lemmy's Like (or Dislike), as captured, by `sender` on `post_uri`."""
    name = "like_note.json" if kind == "Like" else "dislike_page.json"
    vote = _real(f"lemmy/activities/{name}")
    assert vote["type"] == kind and isinstance(vote["object"], str)
    vote.update(
        actor=sender.uri, object=post_uri, audience=community, id=_fresh_id(sender, kind.lower())
    )
    return vote


def _lemmy_undo(sender: Sender, vote: dict[str, Any]) -> dict[str, Any]:
    """Lemmy's Undo of a vote, as captured: the vote rebuilt inside it, under a fresh id."""
    undo = _real("lemmy/activities/undo_like_note.json")
    inner = copy.deepcopy(vote)
    inner["id"] = _fresh_id(sender, inner["type"].lower())
    undo.update(actor=sender.uri, object=inner, audience=vote["audience"])
    undo["id"] = _fresh_id(sender, "undo")
    return undo


async def _deliver(alpha: LiveNode, sender: Sender, activity: dict[str, Any]) -> None:
    response = await post(alpha, encoded(activity), sender)
    assert response.status_code == 202, response.text
    await settle(alpha)


async def _counts(alpha: LiveNode, thread: Post) -> tuple[int, int]:
    kept = await stored(alpha, thread.uri)
    assert kept is not None
    return kept.like_count, kept.dislike_count


async def test_a_lemmy_undo_with_a_fresh_inner_id_withdraws_the_vote(setting: Setting) -> None:
    alpha, lemmy, thread = setting
    community = f"{alpha.base}/c/stewards"
    nutomic = _person(lemmy, "nutomic")
    like = _lemmy_vote(nutomic, "Like", thread.uri, community)
    await _deliver(alpha, nutomic, like)
    assert await _counts(alpha, thread) == (1, 0)
    # When Lemmy takes the vote back, naming the Like by an id never seen here
    undo = _lemmy_undo(nutomic, like)
    assert undo["object"]["id"] != like["id"]
    await _deliver(alpha, nutomic, undo)
    # Then the vote is gone
    assert await _counts(alpha, thread) == (0, 0)
    async with alpha.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM votes") == 0


async def test_a_downvote_is_withdrawn_the_same_way(setting: Setting) -> None:
    alpha, lemmy, thread = setting
    community = f"{alpha.base}/c/stewards"
    nutomic = _person(lemmy, "nutomic")
    dislike = _lemmy_vote(nutomic, "Dislike", thread.uri, community)
    await _deliver(alpha, nutomic, dislike)
    assert await _counts(alpha, thread) == (0, 1)
    await _deliver(alpha, nutomic, _lemmy_undo(nutomic, dislike))
    assert await _counts(alpha, thread) == (0, 0)


async def test_an_undo_of_another_kind_leaves_the_vote(setting: Setting) -> None:
    alpha, lemmy, thread = setting
    community = f"{alpha.base}/c/stewards"
    nutomic = _person(lemmy, "nutomic")
    await _deliver(alpha, nutomic, _lemmy_vote(nutomic, "Like", thread.uri, community))
    # When the Undo withdraws a Dislike the person never cast
    dislike = _lemmy_vote(nutomic, "Dislike", thread.uri, community)
    await _deliver(alpha, nutomic, _lemmy_undo(nutomic, dislike))
    # Then the Like stays
    assert await _counts(alpha, thread) == (1, 0)


async def test_only_the_voter_withdraws_a_vote(setting: Setting) -> None:
    alpha, lemmy, thread = setting
    community = f"{alpha.base}/c/stewards"
    nutomic, mallory = _person(lemmy, "nutomic"), _person(lemmy, "mallory")
    like = _lemmy_vote(nutomic, "Like", thread.uri, community)
    await _deliver(alpha, nutomic, like)
    # When someone else sends an Undo of nutomic's vote (the inner actor is nutomic) ...
    forged = _lemmy_undo(nutomic, like)
    forged.update(actor=mallory.uri, id=_fresh_id(mallory, "undo"))
    await _deliver(alpha, mallory, forged)
    # ... or of a vote of their own they never cast
    await _deliver(
        alpha, mallory, _lemmy_undo(mallory, _lemmy_vote(mallory, "Like", thread.uri, community))
    )
    # Then nutomic's vote stays
    assert await _counts(alpha, thread) == (1, 0)


async def test_an_undo_of_a_boost_under_another_id_takes_the_boost_back(
    setting: Setting,
) -> None:
    alpha, lemmy, thread = setting
    nutomic = _person(lemmy, "nutomic")
    # Given nutomic boosted the thread (Mastodon's shape: an Announce by a person)
    undo = _real("mastodon/activities/mastodon-undo-announce.json")
    announce = {
        **{k: v for k, v in undo["object"].items() if k != "atomUri"},
        "id": _fresh_id(nutomic, "announce"),
        "actor": nutomic.uri,
        "object": thread.uri,
    }
    await _deliver(alpha, nutomic, announce)
    async with alpha.pool.acquire() as conn:
        assert await boost_store.find(conn, await _actor_id(alpha, nutomic.uri), thread.id)
    # When the Undo carries the Announce under an id never seen here
    undo.pop("signature")
    undo.update(
        id=_fresh_id(nutomic, "undo"),
        actor=nutomic.uri,
        object={**announce, "id": _fresh_id(nutomic, "announce")},
    )
    await _deliver(alpha, nutomic, undo)
    # Then the boost is gone
    async with alpha.pool.acquire() as conn:
        assert await boost_store.find(conn, await _actor_id(alpha, nutomic.uri), thread.id) is None


async def test_an_undo_of_a_follow_under_another_id_ends_the_membership(
    setting: Setting,
) -> None:
    alpha, lemmy, _ = setting
    community = f"{alpha.base}/c/stewards"
    nutomic = _person(lemmy, "nutomic")
    follow = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": _fresh_id(nutomic, "follow"),
        "type": "Follow",
        "actor": nutomic.uri,
        "object": community,
    }
    await _deliver(alpha, nutomic, follow)
    assert await _is_member(alpha, nutomic.uri) is True
    # When the Undo (Mastodon's captured shape) embeds the Follow under another id
    undo = _real("mastodon/activities/undo_follow.json")
    undo.update(
        id=_fresh_id(nutomic, "undo"),
        actor=nutomic.uri,
        object={**undo["object"], "id": _fresh_id(nutomic, "follow"), "actor": nutomic.uri},
    )
    undo["object"]["object"] = community
    await _deliver(alpha, nutomic, undo)
    # Then nutomic is no longer a member
    assert await _is_member(alpha, nutomic.uri) is False


async def _actor_id(alpha: LiveNode, uri: str) -> int:
    async with alpha.pool.acquire() as conn:
        found = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", uri)
    assert found is not None
    return int(found)


async def _is_member(alpha: LiveNode, uri: str) -> bool:
    async with alpha.pool.acquire() as conn:
        community = await conn.fetchval(
            "SELECT id FROM actors WHERE uri = $1", f"{alpha.base}/c/stewards"
        )
        return await follow_store.is_accepted_follower(conn, await _actor_id(alpha, uri), community)


async def test_an_undo_naming_an_unknown_vote_by_id_alone_changes_nothing(
    setting: Setting, caplog: pytest.LogCaptureFixture
) -> None:
    alpha, lemmy, thread = setting
    community = f"{alpha.base}/c/stewards"
    nutomic = _person(lemmy, "nutomic")
    await _deliver(alpha, nutomic, _lemmy_vote(nutomic, "Like", thread.uri, community))
    # When an Undo names, by id alone, a vote never seen here
    unknown = _fresh_id(nutomic, "like")
    undo = {**_lemmy_undo(nutomic, _lemmy_vote(nutomic, "Like", thread.uri, community))}
    undo["object"] = unknown
    caplog.set_level(logging.INFO, logger="fedcop")
    await _deliver(alpha, nutomic, undo)
    # Then the vote stays, and the Undo is recorded as ignored, the reason logged
    assert await _counts(alpha, thread) == (1, 0)
    async with alpha.pool.acquire() as conn:
        state = await conn.fetchval(
            "SELECT state FROM inbound_activities WHERE activity_id = $1", undo["id"]
        )
    assert state == "ignored"
    assert any(
        f"Undo {undo['id']} ignored: it names {unknown} by id only" in record.getMessage()
        for record in caplog.records
    )
