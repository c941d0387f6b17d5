"""Bounds before work: a hostile document is refused on its shape, before anything walks it, and
one within the bounds costs the inbox worker a bounded amount of work.

    beta's bo --signed, over TCP--> alpha's inbox
      a 1 MB Create with 30,000 tags, one with 10,000 mentions, 300 properties in an object,
      a 600 KB string in an activity of a type without a schema     -> 400, the reason, nothing kept
      a Create with 500 tags (250 hashtags, 250 mentions) and 999 addressees shaped like
      communities here                                              -> kept: 30 hashtags

How long a refusal takes is measured by bench/hostile_inbox.py, not asserted here.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.inbox.acceptance import MAX_BODY_BYTES
from fedcop.services import accounts, remote_actors
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.signed_requests import Sender, activity, encoded, local_sender, post

pytestmark = pytest.mark.asyncio(loop_scope="module")


@dataclass
class Nodes:
    alpha: LiveNode
    bo: Sender

    @property
    def garden(self) -> str:
        return f"{self.alpha.base}/c/garden"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Nodes]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        await accounts.create_community(alpha.pool, alpha.config, "garden", title="G", owner="ana")
        await accounts.create_user(beta.pool, beta.config, "bo", "long enough")
        bo = await local_sender(beta, "bo")
        await remote_actors.fetch_actor(alpha.pool, alpha.app.state.network, bo.uri)
        yield Nodes(alpha, bo)


def create(nodes: Nodes, **note_fields: Any) -> dict[str, Any]:
    note = {
        "id": f"{nodes.bo.origin}/notes/{uuid.uuid4().hex}",
        "type": "Note",
        "attributedTo": nodes.bo.uri,
        "content": "<p>a post</p>",
        "to": [PUBLIC],
        "cc": [nodes.garden],
        "audience": nodes.garden,
        **note_fields,
    }
    return activity(nodes.bo, "Create", object=note, to=[PUBLIC], cc=[nodes.garden])


def hashtags(count: int) -> list[dict[str, Any]]:
    return [{"type": "Hashtag", "name": f"#t{index:x}"} for index in range(count)]


def mentions(nodes: Nodes, count: int) -> list[dict[str, Any]]:
    return [
        {"type": "Mention", "href": f"{nodes.alpha.base}/u/person{index}", "name": f"@p{index}"}
        for index in range(count)
    ]


async def queue_size(node: LiveNode) -> int:
    async with node.pool.acquire() as conn:
        return int(await conn.fetchval("SELECT count(*) FROM inbound_activities"))


async def refused(nodes: Nodes, document: dict[str, Any], *words: str) -> None:
    before = await queue_size(nodes.alpha)
    response = await post(nodes.alpha, encoded(document), nodes.bo)
    assert response.status_code == 400, response.text
    message = response.json()["error"]
    for word in words:
        assert word in message, message
    assert await queue_size(nodes.alpha) == before


async def test_a_1_mb_create_with_30000_tags_is_refused_on_its_shape(nodes: Nodes) -> None:
    document = create(nodes, tag=hashtags(30_000))
    assert 1_000_000 < len(encoded(document)) <= MAX_BODY_BYTES
    await refused(nodes, document, "Create.object.tag", "too many items (at most 500)")


async def test_a_create_with_10000_mentions_is_refused_on_its_shape(nodes: Nodes) -> None:
    await refused(
        nodes, create(nodes, tag=mentions(nodes, 10_000)), "Create.object.tag", "at most 500"
    )


async def test_more_tags_than_the_bound_are_refused_though_the_schema_allows_them(
    nodes: Nodes,
) -> None:
    await refused(nodes, create(nodes, tag=hashtags(501)), "Create.object.tag", "at most 500")


async def test_thousands_of_addressees_are_refused(nodes: Nodes) -> None:
    many = [f"{nodes.alpha.base}/c/nothing{index}" for index in range(1001)]
    await refused(nodes, create(nodes, cc=many), "Create.object.cc", "at most 1000")


async def test_an_object_with_hundreds_of_properties_is_refused(nodes: Nodes) -> None:
    extra = {f"x{index}": 1 for index in range(300)}
    await refused(nodes, create(nodes, **extra), "Create.object", "too many properties")


async def test_a_huge_string_is_refused_even_in_a_type_without_a_schema(nodes: Nodes) -> None:
    document = activity(nodes.bo, "Unheard", padding="x" * 600_000)
    await refused(nodes, document, "Unheard.padding", "too long")


async def test_a_create_within_the_bounds_costs_bounded_work(nodes: Nodes) -> None:
    # Given a Create at the bounds: 500 tags, 999 addressees shaped like communities here
    bogus = [f"{nodes.alpha.base}/c/nothing{index}" for index in range(999)]
    document = create(
        nodes,
        tag=hashtags(250) + mentions(nodes, 250),
        cc=[*bogus, nodes.garden],
    )
    response = await post(nodes.alpha, encoded(document), nodes.bo)
    assert response.status_code == 202, response.text
    await nodes.alpha.drain()
    # Then it is kept in the community it names in `audience`, with the first 30 hashtags
    async with nodes.alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT posts.tags, actors.uri AS community FROM posts
            JOIN actors ON actors.id = posts.community_id WHERE posts.uri = $1
            """,
            document["object"]["id"],
        )
    assert row is not None
    assert row["community"] == nodes.garden
    assert row["tags"] == [f"t{index:x}" for index in range(30)]
