"""The origin rule: an object's author lives on the object's own origin (scheme, host and port),
whatever path brought it (federation.vocab.same_origin, applied by
services.post_fields.author_of).

    alpha        ana, a member of the community on lemmy.test
    lemmy.test   an attacking Lemmy-shaped server (tests/group_server.py): it serves posts at
                 their ids that name as author a person on another server
    victim.test  the person it impersonates; also a second server on lemmy.test's own host,
                 another port (a different server to anyone who checks)

Each path is tried: the community's Announce (embedded and by id), its outbox read when ana
joins (backfill), a Create straight to the inbox, a reply whose parent is the spoof, and a
search of the object's URL.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, oauth
from federation.keys import load_private_key
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.scene import settle, stored
from tests.signed_requests import Sender, encoded, post
from tests.test_federation_backfill import accept_join

Scene = tuple[LiveNode, GroupServer, GroupServer, GroupServer]


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Scene]:
    """alpha with ana; the attacker lemmy.test; victim.test; and another port of lemmy.test."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        with (
            group_server("lemmy") as lemmy,
            group_server("victim") as victim,
            group_server("lemmy") as next_door,
        ):
            assert next_door.origin != lemmy.origin  # same host, another port
            await accept_join(alpha, lemmy, "ana")
            yield alpha, lemmy, victim, next_door


def _spoof(lemmy: GroupServer, impersonated: str) -> dict[str, Any]:
    """A thread served by lemmy.test, at its own id, claiming to be by `impersonated`."""
    page = lemmy.page("Password reset", "<p>Send me your password</p>", author="x")
    page["attributedTo"] = impersonated
    return page


async def _announce(alpha: LiveNode, lemmy: GroupServer, item: dict[str, Any]) -> str:
    item = {"@context": "https://www.w3.org/ns/activitystreams", **item}
    response = await post(alpha, encoded(item), lemmy.sender)
    assert response.status_code == 202, response.text
    await settle(alpha)
    return str(item["id"])


async def _inbound(alpha: LiveNode, activity_id: str) -> tuple[str, str]:
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities WHERE activity_id = $1",
            activity_id,
        )
    assert row is not None
    return row["state"], row["last_error"] or ""


async def _posts_by(alpha: LiveNode, author_uri: str) -> int:
    async with alpha.pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM posts p JOIN actors a ON a.id = p.author_id WHERE a.uri = $1",
            author_uri,
        )
    return count


@pytest.mark.parametrize("where", ["another host", "another port"])
@pytest.mark.parametrize("form", ["embedded", "by id"])
async def test_a_community_cannot_relay_a_post_as_someone_elsewhere(
    scene: Scene, where: str, form: str
) -> None:
    alpha, lemmy, victim, next_door = scene
    impersonated = (victim if where == "another host" else next_door).person("vic")
    page = _spoof(lemmy, impersonated)
    item = lemmy.announce_create(page)
    if form == "by id":
        item["object"] = page["id"]
    # When lemmy.test's community announces it to ana's node
    activity_id = await _announce(alpha, lemmy, item)
    # Then nothing is stored, least of all as the impersonated person's post
    assert await stored(alpha, page["id"]) is None
    assert await _posts_by(alpha, impersonated) == 0
    # And the inbound row says why
    state, reason = await _inbound(alpha, activity_id)
    assert state == "rejected"
    assert f"attributed to {impersonated}, who is not on the object's origin" in reason


async def test_an_honest_relay_is_still_kept(scene: Scene) -> None:
    alpha, lemmy, _, _ = scene
    page = lemmy.page("Retention", "<p>Ours</p>", author="nutomic")
    await _announce(alpha, lemmy, lemmy.announce_create(page))
    kept = await stored(alpha, page["id"])
    assert kept is not None
    assert await _posts_by(alpha, lemmy.person("nutomic")) == 1


async def test_a_create_from_another_port_of_the_host_is_not_its_authors(scene: Scene) -> None:
    alpha, lemmy, _, next_door = scene
    # Given a person on lemmy.test's other port, who signs with their own server's key
    neighbour = next_door.person("eve")
    eve = Sender(neighbour, f"{neighbour}#main-key", load_private_key(next_door.keys.private_pem))
    # When they send, straight to the inbox, a Create of an object lemmy.test serves
    page = lemmy.page("Mine now", "<p>Not mine</p>", author="x")
    page["attributedTo"] = neighbour
    create = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{next_door.origin}/activities/create/{uuid.uuid4()}",
        "type": "Create",
        "actor": neighbour,
        "to": page["to"],
        "object": page,
    }
    response = await post(alpha, encoded(create), eve)
    await settle(alpha)
    # Then it is refused at the door or rejected with the reason; never stored as eve's
    assert await stored(alpha, page["id"]) is None
    if response.status_code == 202:
        state, reason = await _inbound(alpha, create["id"])
        assert state == "rejected"
        assert "not on the object's origin" in reason
    else:
        assert 400 <= response.status_code < 500


async def test_a_reply_does_not_bring_a_spoofed_parent(scene: Scene) -> None:
    alpha, lemmy, victim, _ = scene
    impersonated = victim.person("vic")
    parent = _spoof(lemmy, impersonated)
    reply = lemmy.page("Re", "<p>Indeed</p>", author="nutomic", inReplyTo=parent["id"])
    await _announce(alpha, lemmy, lemmy.announce_create(reply))
    assert await stored(alpha, parent["id"]) is None
    assert await _posts_by(alpha, impersonated) == 0


async def test_backfill_keeps_no_spoofed_post(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        with group_server("lemmy") as lemmy, group_server("victim") as victim:
            impersonated = victim.person("vic")
            spoof = _spoof(lemmy, impersonated)
            honest = lemmy.page("Welcome", "<p>Hello</p>", author="nutomic")
            lemmy.outbox.extend(lemmy.announce_create(page) for page in (spoof, honest))
            # When ana joins, and alpha reads the community's outbox
            await accept_join(alpha, lemmy, "ana")
            await settle(alpha)
            # Then the honest thread is kept and the spoof is not
            assert await stored(alpha, honest["id"]) is not None
            assert await stored(alpha, spoof["id"]) is None
            assert await _posts_by(alpha, impersonated) == 0


async def test_searching_a_spoofed_url_keeps_nothing(scene: Scene) -> None:
    alpha, lemmy, victim, _ = scene
    impersonated = victim.person("vic")
    page = _spoof(lemmy, impersonated)
    token = await oauth.admin_token(alpha.pool, "ana", "read write follow")
    headers = {"Host": alpha.config.domain, "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{alpha.port}") as http:
        response = await http.get(
            "/api/v2/search",
            params={"q": page["id"], "resolve": "true", "type": "statuses"},
            headers=headers,
        )
    assert response.status_code == 200, response.text
    assert response.json()["statuses"] == []
    assert await stored(alpha, page["id"]) is None
    assert await _posts_by(alpha, impersonated) == 0
