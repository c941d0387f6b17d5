"""A member here who moderates a Lemmy-shaped community (tests/group_server.py): this node reads
its moderators collection on joining, shows the Facilitate controls, sends what Lemmy accepts
from a moderator, and follows the community's announcements (its Add and Remove of moderators).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.scene import settle, stored
from tests.signed_requests import activity, encoded, post
from tests.web_session import signed_in

PASSWORD = "long enough"


@pytest.fixture
async def scene(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, GroupServer]]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "beta") as beta:
        await accounts.create_user(beta.pool, beta.config, "bea", PASSWORD)
        with group_server("lemmy") as lemmy:
            yield beta, lemmy


async def facilitators_known(node: LiveNode, community_uri: str) -> list[str]:
    async with node.pool.acquire() as conn:
        found = await actor_store.find_by_uri(conn, community_uri)
        assert found is not None
        return sorted(a.uri for a in await actor_store.facilitators_of(conn, found.id))


async def announced(beta: LiveNode, lemmy: GroupServer, inner: dict[str, object]) -> None:
    """The community announces `inner` to beta, signed, as Lemmy relays its activities."""
    announce = activity(
        lemmy.sender, "Announce", object=inner, to=[PUBLIC], cc=[f"{lemmy.group}/followers"]
    )
    assert (await post(beta, encoded(announce), lemmy.sender)).status_code == 202
    await settle(beta)


async def test_a_moderator_of_a_lemmy_community_facilitates_it_from_here(
    scene: tuple[LiveNode, GroupServer],
) -> None:
    beta, lemmy = scene
    bea, nutomic = f"{beta.base}/u/bea", lemmy.person("nutomic")
    handle = f"{lemmy.name}@{urlsplit(lemmy.origin).netloc}"
    # Given a Lemmy community whose moderators are nutomic and bea, with one thread
    lemmy.moderators[:] = [nutomic, bea]
    page = lemmy.page("Welcome", "<p>Say hello</p>", author="nutomic")
    lemmy.outbox.append(lemmy.announce_create(page))
    # When bea joins it and it accepts
    await follows.follow_remote(beta.pool, beta.config, beta.app.state.network, "bea", lemmy.group)
    await settle(beta)
    follow = next(item for item in lemmy.received if item["type"] == "Follow")
    accept = activity(lemmy.sender, "Accept", object=follow, to=[bea])
    assert (await post(beta, encoded(accept), lemmy.sender)).status_code == 202
    await settle(beta)
    # Then beta read who moderates it, and bea has its Facilitate page here
    assert await facilitators_known(beta, lemmy.group) == sorted([nutomic, bea])
    local_id = (await stored(beta, page["id"])).id
    async with signed_in(beta, "bea", PASSWORD) as browser:
        assert "Welcome" in await browser.page(f"/c/{handle}/manage")
        # When she pins the thread
        await browser.csrf(f"/c/{handle}/manage")
        await browser.submit(f"/t/{local_id}/moderate", action="pin", **{"from": "manage"})
        await settle(beta)
        # Then the community got Lemmy's CollectionAdd from her, and nothing changed here yet
        [add] = [item for item in lemmy.received if item["type"] == "Add"]
        assert {key: add[key] for key in ("actor", "object", "target", "to", "cc", "audience")} == {
            "actor": bea,
            "object": page["id"],
            "target": f"{lemmy.group}/featured",
            "to": [PUBLIC],
            "cc": [lemmy.group],
            "audience": lemmy.group,
        }
        group_id = (await stored(beta, page["id"])).community_id
        async with beta.pool.acquire() as conn:
            assert await mod_store.pinned_uris(conn, group_id) == []
        # When the community accepts it and announces it back
        await announced(beta, lemmy, add)
        # Then the thread is pinned here
        async with beta.pool.acquire() as conn:
            assert await mod_store.pinned_uris(conn, group_id) == [page["id"]]
        assert ">Unpin<" in await browser.page(f"/c/{handle}/manage")
        # When nutomic removes bea from the moderators, as Lemmy announces it
        remove = activity(
            lemmy.sender, "Remove", object=bea, target=f"{lemmy.group}/moderators",
            to=[PUBLIC], cc=[lemmy.group], audience=lemmy.group,
        )  # fmt: skip
        remove["actor"] = nutomic
        await announced(beta, lemmy, remove)
        # Then her controls are gone
        assert await facilitators_known(beta, lemmy.group) == [nutomic]
        assert (await browser.http.get(f"/c/{handle}/manage")).status_code == 404
        assert "Facilitate" not in await browser.page(f"/t/{local_id}")


async def test_an_announced_add_of_a_moderator_elsewhere_is_not_taken_for_another_community(
    scene: tuple[LiveNode, GroupServer],
) -> None:
    beta, lemmy = scene
    bea = f"{beta.base}/u/bea"
    await follows.follow_remote(beta.pool, beta.config, beta.app.state.network, "bea", lemmy.group)
    await settle(beta)
    follow = next(item for item in lemmy.received if item["type"] == "Follow")
    accept = activity(lemmy.sender, "Accept", object=follow, to=[bea])
    assert (await post(beta, encoded(accept), lemmy.sender)).status_code == 202
    await settle(beta)
    # When the community announces bea made a moderator of some other community's collection
    other = f"{lemmy.origin}/c/elsewhere/moderators"
    add = activity(lemmy.sender, "Add", object=bea, target=other, to=[PUBLIC])
    await announced(beta, lemmy, add)
    # Then nothing is recorded for either
    assert await facilitators_known(beta, lemmy.group) == []
