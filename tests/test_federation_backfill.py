"""Backfill: a member here joins a community elsewhere and finds its recent threads, not an
empty community (services/backfill.py).

    beta: fb and bo, who wrote three threads in "guild"     alpha: ana, who joins guild
    lemmy.test: a Lemmy-shaped community (tests/group_server.py) whose outbox lists its posts
                as Announce(Create(Page)), with embedded copies fedcop must not trust

What is due is a row written with the Accept (the `maintenance` table), so a worker process
that dies before the backfill, or a second worker process, are tested with other apps of alpha
on the same database (`worker_process`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.app import create_app
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, oauth, posts
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store import posts as post_store
from fedcop.workers.inbox import InboxWorker
from federation.vocab import PUBLIC
from tests import live_node as live_nodes
from tests.conftest import fresh_database
from tests.federation.local_http import serve
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.scene import settle, stored
from tests.signed_requests import activity, encoded, post


@pytest.fixture
async def nodes(pg_cluster: EmbeddedPostgres) -> AsyncIterator[tuple[LiveNode, LiveNode]]:
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as beta_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(beta_dsn, "beta") as beta,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        yield alpha, beta


async def call(node: LiveNode, token: str, method: str, path: str, **kwargs: Any) -> Any:
    """A request from ana's app to her node, over TCP with her bearer token."""
    headers = {"Host": node.config.domain, "Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{node.port}") as http:
        response = await http.request(method, path, headers=headers, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


async def author_of(node: LiveNode, uri: str) -> str:
    post_here = await stored(node, uri)
    async with node.pool.acquire() as conn:
        author = await actor_store.find_by_id(conn, post_here.author_id)
    assert author is not None
    return author.uri


async def test_joining_a_community_elsewhere_brings_its_recent_threads(
    nodes: tuple[LiveNode, LiveNode],
) -> None:
    alpha, beta = nodes
    # Given guild on beta has three threads, by two people, one with a reply
    for name in ("fb", "bo"):
        await accounts.create_user(beta.pool, beta.config, name, "long enough")
    await accounts.create_community(beta.pool, beta.config, "guild", title="Guild", owner="fb")
    guild_uri = f"{beta.base}/c/guild"
    threads = []
    for author, title in (("fb", "Welcome"), ("bo", "Retention rules"), ("fb", "Meetup")):
        threads.append(
            await posts.write(
                beta.pool, beta.config, beta.app.state.network, author=author,
                community_uri=guild_uri, title=title, content=f"About {title.lower()}",
            )
        )  # fmt: skip
    await posts.write(
        beta.pool, beta.config, beta.app.state.network, author="bo",
        community_uri=guild_uri, content="Glad to be here", in_reply_to=threads[0].uri,
    )  # fmt: skip
    await settle(alpha, beta)

    # When ana finds guild from her Mastodon app and follows it
    token = await oauth.admin_token(alpha.pool, "ana", "read write follow")
    search = {"q": f"@guild@{beta.config.domain}", "resolve": "true", "type": "accounts"}
    [guild] = (await call(alpha, token, "GET", "/api/v2/search", params=search))["accounts"]
    assert (await call(alpha, token, "POST", f"/api/v1/accounts/{guild['id']}/follow"))[
        "requested"
    ] is True
    await settle(alpha, beta)

    # Then she is a member, and alpha keeps the three threads, fetched from beta
    [relationship] = await call(
        alpha, token, "GET", "/api/v1/accounts/relationships", params={"id[]": guild["id"]}
    )
    assert relationship["following"] is True
    for thread, author in zip(threads, ("fb", "bo", "fb"), strict=True):
        kept = await stored(alpha, thread.uri)
        assert kept is not None
        assert (kept.title, kept.thread_id) == (thread.title, None)
        assert await author_of(alpha, thread.uri) == f"{beta.base}/u/{author}"
    # And her app lists them as the community's statuses, newest first, with their authors
    listed = await call(alpha, token, "GET", f"/api/v1/accounts/{guild['id']}/statuses")
    assert [status["uri"] for status in listed] == [t.uri for t in reversed(threads)]
    domain = beta.config.domain
    assert [s["account"]["acct"] for s in listed] == [
        f"fb@{domain}",
        f"bo@{domain}",
        f"fb@{domain}",
    ]
    assert "About meetup" in listed[0]["content"]
    # And nobody was told about these old posts
    assert await call(alpha, token, "GET", "/api/v1/notifications") == []


@pytest.fixture
async def lemmy_on_database(
    pg_cluster: EmbeddedPostgres,
) -> AsyncIterator[tuple[LiveNode, GroupServer, str]]:
    """alpha (with ana), lemmy.test, and alpha's database (for other processes of alpha)."""
    async with fresh_database(pg_cluster) as alpha_dsn, live_node(alpha_dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "ana", "long enough")
        with group_server("lemmy") as lemmy:
            yield alpha, lemmy, alpha_dsn


@pytest.fixture
def lemmy_scene(
    lemmy_on_database: tuple[LiveNode, GroupServer, str],
) -> tuple[LiveNode, GroupServer]:
    alpha, lemmy, _ = lemmy_on_database
    return alpha, lemmy


@contextlib.asynccontextmanager
async def worker_process(alpha: LiveNode, dsn: str) -> AsyncIterator[InboxWorker]:
    """Another process of alpha on the same database (a restarted one, or a second `fedcop
    worker`): its own app, pool and inbox worker, with nothing of the first one's memory."""
    app = create_app(alpha.config, dsn, run_workers=False, resolver=live_nodes.test_resolver)
    async with app.router.lifespan_context(app):
        yield app.state.inbox_worker


async def backfill_task(alpha: LiveNode, lemmy: GroupServer) -> dict[str, Any] | None:
    """The community's backfill as an operator sees it in the maintenance table."""
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            """
            SELECT m.state, m.attempts, m.last_error, m.due_at > now() AS waits
            FROM maintenance m JOIN actors a ON a.id = m.actor_id
            WHERE m.kind = 'backfill' AND a.uri = $1
            """,
            lemmy.group,
        )
    return None if row is None else dict(row)


async def time_passes(alpha: LiveNode) -> None:
    """Every maintenance row waiting for a retry becomes due (as if its delay had passed)."""
    async with alpha.pool.acquire() as conn:
        await conn.execute("UPDATE maintenance SET due_at = now() WHERE state = 'due'")


async def join_and_accept(alpha: LiveNode, lemmy: GroupServer) -> None:
    """ana joins the community on lemmy.test, which accepts (signed, as Lemmy does)."""
    await accept_join(alpha, lemmy, "ana")


async def accept_join(alpha: LiveNode, lemmy: GroupServer, name: str) -> None:
    await send_accept(alpha, lemmy, name)
    await settle(alpha)


async def send_accept(alpha: LiveNode, lemmy: GroupServer, name: str) -> None:
    """`name` asks to join the community on lemmy.test, whose Accept reaches alpha's inbox
    (answered 202, queued; not handled yet)."""
    network = alpha.app.state.network
    await follows.follow_remote(alpha.pool, alpha.config, network, name, lemmy.group)
    await settle(alpha)  # the Follow is delivered to lemmy.test
    [follow] = [
        item
        for item in lemmy.received
        if item.get("type") == "Follow" and item["actor"] == f"{alpha.base}/u/{name}"
    ]
    follow.pop("@context", None)
    accept = activity(lemmy.sender, "Accept", object=follow, to=[follow["actor"]])
    assert (await post(alpha, encoded(accept), lemmy.sender)).status_code == 202


async def membership(alpha: LiveNode, lemmy: GroupServer) -> str | None:
    async with alpha.pool.acquire() as conn:
        ana = await actor_store.find_by_uri(conn, f"{alpha.base}/u/ana")
        group = await actor_store.find_by_uri(conn, lemmy.group)
        assert ana is not None and group is not None
        found = await follow_store.find(conn, ana.id, group.id)
        return None if found is None else found.state


async def threads_kept(alpha: LiveNode, lemmy: GroupServer) -> int:
    async with alpha.pool.acquire() as conn:
        group = await actor_store.find_by_uri(conn, lemmy.group)
        assert group is not None
        return await post_store.count_threads(conn, group.id)


async def test_a_lemmy_outbox_is_read_and_each_post_fetched_from_its_origin(
    lemmy_scene: tuple[LiveNode, GroupServer],
) -> None:
    alpha, lemmy = lemmy_scene
    # Given the community's outbox lists, as Lemmy does, Announce(Create(Page)) items whose
    # embedded copies say something else than the posts served at their ids
    first = lemmy.page("Outbox test", "<p>The real body</p>", author="nutomic")
    second = lemmy.page("Another outbox test", "<p>Second</p>", author="picard")
    by_id = lemmy.page("Announced by id", "<p>Third</p>", author="nutomic")
    for page in (first, second):
        item = lemmy.announce_create(page)
        item["object"]["object"] = {**page, "name": "Forged title", "content": "<p>forged</p>"}
        lemmy.outbox.append(item)
    lemmy.outbox.append({**lemmy.announce_create(by_id), "object": by_id["id"]})
    # and two it must not take: a post of another community (its embedded copy claims ours),
    # and a URL whose document has another id
    other = f"{lemmy.origin}/c/elsewhere"
    elsewhere = lemmy.page(
        "Not ours", "<p>x</p>", author="picard", to=[other, PUBLIC], audience=other
    )
    item = lemmy.announce_create(elsewhere)
    item["object"]["object"] = {**elsewhere, "to": [lemmy.group, PUBLIC], "audience": lemmy.group}
    lemmy.outbox.append(item)
    impostor = lemmy.page("Impostor", "<p>y</p>", author="picard")
    served_at = f"{lemmy.origin}/post/424242"
    lemmy.documents[served_at] = impostor
    lemmy.outbox.append(lemmy.announce_create({**impostor, "id": served_at}))

    # When ana joins it and it accepts
    await join_and_accept(alpha, lemmy)

    # Then she is a member and alpha keeps the three posts as their origin serves them
    assert await membership(alpha, lemmy) == "accepted"
    for page, author in ((first, "nutomic"), (second, "picard"), (by_id, "nutomic")):
        kept = await stored(alpha, page["id"])
        assert kept is not None, page["name"]
        assert (kept.title, kept.thread_id) == (page["name"], None)
        assert kept.content == page["content"]
        assert await author_of(alpha, page["id"]) == lemmy.person(author)
    # and neither the other community's post nor the one served under another id
    assert await stored(alpha, elsewhere["id"]) is None
    assert await stored(alpha, served_at) is None
    assert await stored(alpha, impostor["id"]) is None
    assert await threads_kept(alpha, lemmy) == 3


async def test_an_unreachable_outbox_leaves_the_join_accepted_and_nothing_stored(
    lemmy_scene: tuple[LiveNode, GroupServer],
) -> None:
    alpha, lemmy = lemmy_scene
    # Given a community whose outbox is on a server that does not answer
    lemmy.outbox_url = "http://lemmy.test:1/c/testcom/outbox"
    lemmy.outbox.append(lemmy.announce_create(lemmy.page("Unseen", "<p>z</p>", author="nutomic")))
    # When ana joins it and it accepts
    await join_and_accept(alpha, lemmy)
    # Then she is a member, no post is kept, and the backfill waits to be tried again
    assert await membership(alpha, lemmy) == "accepted"
    assert await threads_kept(alpha, lemmy) == 0
    task = await backfill_task(alpha, lemmy)
    assert task is not None
    assert (task["state"], task["attempts"], task["waits"]) == ("due", 1, True)
    assert "outbox could not be read" in task["last_error"]
    # When its retries come due and fail the same way
    for _ in range(2):
        await time_passes(alpha)
        await settle(alpha)
    # Then it is given up after three tries, the reason kept, and the join still stands
    task = await backfill_task(alpha, lemmy)
    assert task is not None
    assert (task["state"], task["attempts"]) == ("given_up", 3)
    assert "outbox could not be read" in task["last_error"]
    assert await membership(alpha, lemmy) == "accepted"
    # And it is not tried again
    await time_passes(alpha)
    await settle(alpha)
    assert await backfill_task(alpha, lemmy) == task
    assert await threads_kept(alpha, lemmy) == 0


async def test_a_backfill_recorded_with_the_accept_is_run_by_the_next_worker(
    lemmy_on_database: tuple[LiveNode, GroupServer, str],
) -> None:
    alpha, lemmy, dsn = lemmy_on_database
    # Given a community with two threads
    for title in ("Kept", "Also kept"):
        lemmy.outbox.insert(
            0, lemmy.announce_create(lemmy.page(title, "<p>k</p>", author="nutomic"))
        )
    # When ana joins it, and the worker that handles the Accept dies before the backfill
    await send_accept(alpha, lemmy, "ana")
    assert await alpha.app.state.inbox_worker.handle_batch() == 1
    # Then the join is accepted and the backfill is recorded, not yet run
    assert await membership(alpha, lemmy) == "accepted"
    assert await backfill_task(alpha, lemmy) == {
        "state": "due", "attempts": 0, "last_error": None, "waits": False,
    }  # fmt: skip
    assert await threads_kept(alpha, lemmy) == 0
    # When another worker process starts on the same database
    async with worker_process(alpha, dsn) as worker:
        assert await worker.run_once() == 1
    # Then it ran the backfill: both threads are kept, and nothing is due any more
    assert await threads_kept(alpha, lemmy) == 2
    assert await backfill_task(alpha, lemmy) is None


@contextlib.contextmanager
def slow_outbox(lemmy: GroupServer) -> Any:
    """The community's outbox served elsewhere, slowly, counting how often it is read."""
    reads: list[str] = []

    async def outbox(request: Request) -> Response:
        reads.append(str(request.url))
        await asyncio.sleep(0.5)  # long enough for a second worker to try meanwhile
        document = {"id": str(request.url), "type": "OrderedCollection",
                    "orderedItems": lemmy.outbox}  # fmt: skip
        return Response(encoded(document), media_type="application/activity+json")

    with serve(Starlette(routes=[Route("/outbox", outbox)])) as port:
        lemmy.outbox_url = f"http://outbox.test:{port}/outbox"
        yield reads


async def test_two_worker_processes_never_run_one_backfill_both(
    lemmy_on_database: tuple[LiveNode, GroupServer, str],
) -> None:
    alpha, lemmy, dsn = lemmy_on_database
    lemmy.outbox.append(lemmy.announce_create(lemmy.page("Once", "<p>o</p>", author="nutomic")))
    with slow_outbox(lemmy) as reads:
        # Given a join accepted, and its backfill recorded
        await send_accept(alpha, lemmy, "ana")
        assert await alpha.app.state.inbox_worker.handle_batch() == 1
        # When two worker processes look for work at the same moment
        async with worker_process(alpha, dsn) as one, worker_process(alpha, dsn) as two:
            claimed = await asyncio.gather(one.run_maintenance(), two.run_maintenance())
    # Then one of them claimed the backfill, and the outbox was read once
    assert sorted(claimed) == [0, 1]
    assert len(reads) == 1
    assert await threads_kept(alpha, lemmy) == 1
    assert await backfill_task(alpha, lemmy) is None


async def test_a_community_with_threads_kept_here_is_not_read_again(
    lemmy_scene: tuple[LiveNode, GroupServer],
) -> None:
    alpha, lemmy = lemmy_scene
    # Given alpha already keeps five threads of the community (a first member's backfill)
    for number in range(5):
        lemmy.outbox.append(
            lemmy.announce_create(lemmy.page(f"Thread {number}", "<p>t</p>", author="nutomic"))
        )
    await join_and_accept(alpha, lemmy)
    assert await threads_kept(alpha, lemmy) == 5
    # When another member joins, after the community posted a sixth
    late = lemmy.page("Late", "<p>l</p>", author="nutomic")
    lemmy.outbox.insert(0, lemmy.announce_create(late))
    await accounts.create_user(alpha.pool, alpha.config, "cy", "long enough")
    await accept_join(alpha, lemmy, "cy")
    # Then the outbox was not read again: posts arrive as the community announces them
    assert await stored(alpha, late["id"]) is None
    assert await threads_kept(alpha, lemmy) == 5
