"""The facilitator's view of a community's health, on a live node seeded with a realistic past.

"stewards" (facilitator fa) has local members ann, bob, cai, dee, eli and members from
beta.example, rem and rio. Their past is written as the node would have stored it: threads,
replies and votes with the dates they happened (SQL through the same tables the services
write), and today's posts through the services.

    fa    writes a thread today (the service)                          -> active
    ann   asks Q1 20 days ago, Q3 10 days ago (no answer yet)          -> active
    rio   (beta) answers Q1 2 hours after it was asked, votes 3 days ago -> active
    bob   asks Q2 45 days ago and replies to himself an hour later     -> quiet
    dee   joined 10 days ago, has not written yet                      -> quiet
    cai   asks Q4 130 days ago, votes 120 days ago                     -> lapsed
    rem   (beta) answers Q4 10 hours after it was asked, replies 100 days ago -> lapsed
    eli   joined 200 days ago, never seen                              -> lapsed

Q1 is solved (rio's answer accepted); ann answers Q2 6 hours after it was asked; so of 4
questions 3 are answered (after 2, 6 and 10 hours: median 6), 1 solved (25%), Q3 open.
"""

from __future__ import annotations

import csv
import io
import re
import statistics
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.services.health import activity
from fedcop.store import actors as actor_store
from fedcop.store import follows as follow_store
from fedcop.store.actors import RemoteActorFields
from fedcop.store.people import profiles as profile_store
from fedcop.store.people.profiles import Profile
from tests.conftest import fresh_database
from tests.live_node import LiveNode, live_node
from tests.web_session import signed_in

PASSWORD = "long enough"
LOCAL = ("ann", "bob", "cai", "dee", "eli")


@dataclass(frozen=True)
class Seeded:
    node: LiveNode
    uris: dict[str, str]  # everyone's actor id (ActivityPub), by name
    ids: dict[str, int]  # and their row in actors, which forms name them by
    questions: dict[str, int]  # Q1..Q4: their post ids


async def _remote(conn: asyncpg.Connection, name: str) -> int:
    uri = f"https://beta.example/users/{name}"
    actor = await actor_store.upsert_remote(
        conn,
        RemoteActorFields(
            uri=uri, actor_type="Person", username=name, domain="beta.example",
            display_name=name.title(), summary="", inbox_url=f"{uri}/inbox",
            shared_inbox_url="https://beta.example/inbox", outbox_url=f"{uri}/outbox",
            followers_url=f"{uri}/followers", public_key_id=f"{uri}#main-key",
            public_key_pem="",
        ),
    )  # fmt: skip
    return actor.id


async def _post(
    conn: asyncpg.Connection,
    community: int,
    author: int,
    when: datetime,
    *,
    thread: int | None = None,
    title: str | None = None,
    question: bool = False,
) -> int:
    post_id: int = await conn.fetchval(
        """
        INSERT INTO posts (uri, community_id, author_id, thread_id, parent_id, object_type,
                           title, content, published, is_question)
        VALUES ('https://seed.example/' || gen_random_uuid(), $1, $2, $3, $3,
                CASE WHEN $3::bigint IS NULL THEN 'Page' ELSE 'Note' END, $4, '<p>…</p>', $5, $6)
        RETURNING id
        """,
        community, author, thread, title, when, question,
    )  # fmt: skip
    return post_id


async def _vote(conn: asyncpg.Connection, post: int, voter: int, when: datetime) -> None:
    await conn.execute(
        "INSERT INTO votes (post_id, actor_id, kind, activity_uri, created_at)"
        " VALUES ($1, $2, 'like', 'https://seed.example/' || gen_random_uuid(), $3)",
        post, voter, when,
    )  # fmt: skip


async def seed(node: LiveNode) -> Seeded:
    pool, config, network = node.pool, node.config, node.app.state.network
    await accounts.create_user(pool, config, "fa", PASSWORD)
    await accounts.create_user(pool, config, "root", PASSWORD, is_admin=True)
    community = await accounts.create_community(
        pool, config, "stewards", title="Data Stewards", owner="fa"
    )
    for name in LOCAL:
        await accounts.create_user(pool, config, name, PASSWORD)
        await follows.join(pool, config, network, name, community.uri)
    # fa writes today, through the service
    await posts.write(
        pool, config, network, author="fa", community_uri=community.uri,
        title="This month's call", content="Agenda inside.",
    )  # fmt: skip
    now = datetime.now(UTC)

    def ago(days: int, hours: int = 0) -> datetime:
        return now - timedelta(days=days) + timedelta(hours=hours)

    async with pool.acquire() as conn:
        cid: int = await conn.fetchval("SELECT id FROM actors WHERE uri = $1", community.uri)
        ids = {
            name: await conn.fetchval(
                "SELECT id FROM actors WHERE username = $1 AND domain IS NULL", name
            )
            for name in ("fa", *LOCAL)
        }
        for name in ("rem", "rio"):
            ids[name] = await _remote(conn, name)
            await follow_store.upsert(
                conn, ids[name], cid, f"https://beta.example/follows/{name}", True
            )
        joined = {name: 400 for name in ids} | {"dee": 10, "eli": 200}
        for name, days in joined.items():
            await conn.execute(
                "UPDATE follows SET accepted_at = $3 WHERE follower_id = $1 AND followed_id = $2",
                ids[name], cid, ago(days),
            )  # fmt: skip
        q1 = await _post(conn, cid, ids["ann"], ago(20), title="Which checksum?", question=True)
        answer = await _post(conn, cid, ids["rio"], ago(20, 2), thread=q1)
        await conn.execute("UPDATE posts SET accepted_answer_id = $2 WHERE id = $1", q1, answer)
        await _vote(conn, q1, ids["rio"], ago(3))
        q2 = await _post(conn, cid, ids["bob"], ago(45), title="Retention rules?", question=True)
        await _post(conn, cid, ids["bob"], ago(45, 1), thread=q2)  # the asker, not an answer
        await _post(conn, cid, ids["ann"], ago(45, 6), thread=q2)
        q3 = await _post(conn, cid, ids["ann"], ago(10), title="Who runs DMPs?", question=True)
        q4 = await _post(conn, cid, ids["cai"], ago(130), title="Old formats?", question=True)
        await _post(conn, cid, ids["rem"], ago(130, 10), thread=q4)
        talk = await _post(conn, cid, ids["fa"], ago(101), title="Introductions")
        await _post(conn, cid, ids["rem"], ago(100), thread=talk)
        await _vote(conn, talk, ids["cai"], ago(120))
        # what they state: two from a city library (spelt two ways), two from a university
        stated = {
            "ann": ("City Library", "Libraries"), "bob": ("city library ", "libraries"),
            "rio": ("Beta University", "Higher education"),
            "rem": ("Beta University", "Higher education"),
        }  # fmt: skip
        for name, (organisation, sector) in stated.items():
            await profile_store.save(conn, ids[name], Profile(organisation, sector))
        uris = {
            name: await conn.fetchval("SELECT uri FROM actors WHERE id = $1", actor_id)
            for name, actor_id in ids.items()
        }
    return Seeded(node, uris, ids, {"Q1": q1, "Q2": q2, "Q3": q3, "Q4": q4})


@pytest.fixture
async def seeded(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Seeded]:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as node:
        yield await seed(node)


def _members_csv(text: str) -> dict[str, str]:
    return {row["account"]: row["status"] for row in csv.DictReader(io.StringIO(text))}


async def test_a_facilitator_sees_who_is_active_quiet_and_lapsed(seeded: Seeded) -> None:
    node = seeded.node
    async with signed_in(node, "fa", PASSWORD) as fa:
        page = await fa.page("/c/stewards/manage/health")
        members = await fa.http.get("/c/stewards/manage/health.csv?metric=members")
    assert members.status_code == 200
    assert members.headers["content-type"].startswith("text/csv")
    domain = node.config.domain
    statuses = _members_csv(members.text)
    assert statuses == {
        f"fa@{domain}": "active", f"ann@{domain}": "active", "rio@beta.example": "active",
        f"bob@{domain}": "quiet", f"dee@{domain}": "quiet",
        f"cai@{domain}": "lapsed", "rem@beta.example": "lapsed", f"eli@{domain}": "lapsed",
    }  # fmt: skip
    # the page says so too, and rem (on another server) was last seen 100 days ago
    assert "8: 3 active, 2 quiet, 3 lapsed" in page
    rem = page.split(f'value="{seeded.ids["rem"]}" id="lapsed-')[1].split("</li>")[0]
    assert "(100 days ago)" in rem
    eli = page.split(f'value="{seeded.ids["eli"]}" id="lapsed-')[1].split("</li>")[0]
    assert "never seen here" in eli


async def test_the_questions_a_facilitator_checks(seeded: Seeded) -> None:
    async with signed_in(seeded.node, "fa", PASSWORD) as fa:
        page = await fa.page("/c/stewards/manage/health")
        questions = await fa.http.get("/c/stewards/manage/health.csv?metric=questions")
        unanswered = await fa.http.get("/c/stewards/manage/health.csv?metric=unanswered")
        waits = await fa.http.get("/c/stewards/manage/health.csv?metric=time-to-answer")
    glance = page.split('id="now-heading"')[1].split("</section>")[0]
    facts = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", glance))
    assert facts["Questions in 12 months"] == "4 asked, 3 answered, 1 solved"
    assert facts["Share of questions solved"] == "25%"
    assert facts["Median time to first answer"] == "6.0 hours"
    assert facts["Questions without an answer"] == "1"
    # the open question is listed, with a link to it
    listed = page.split('id="unanswered-heading"')[1].split("</section>")[0]
    assert re.findall(r'<a href="/t/(\d+)">([^<]+)</a>', listed) == [
        (str(seeded.questions["Q3"]), "Who runs DMPs?")
    ]
    rows = list(csv.DictReader(io.StringIO(unanswered.text)))
    assert [row["title"] for row in rows] == ["Who runs DMPs?"]
    # by month: four asked, three answered, one solved, over the 12 months
    by_month = list(csv.DictReader(io.StringIO(questions.text)))
    assert len(by_month) == 12
    assert sum(int(row["Asked"]) for row in by_month) == 4
    assert sum(int(row["Answered"]) for row in by_month) == 3
    assert sum(int(row["Solved"]) for row in by_month) == 1
    # the median wait of each month's questions, by the month they were asked
    now = datetime.now(UTC)
    waits_by_month: dict[str, list[float]] = {}
    for days, hours in ((20, 2.0), (45, 6.0), (130, 10.0)):
        month = (now - timedelta(days=days)).strftime("%b %Y")
        waits_by_month.setdefault(month, []).append(hours)
    expected = {month: str(statistics.median(w)) for month, w in waits_by_month.items()}
    shown = {
        row["Month"]: row["Median hours to first answer"]
        for row in csv.DictReader(io.StringIO(waits.text))
        if row["Median hours to first answer"]
    }
    assert shown == expected


async def test_threads_people_and_newcomers_over_time(seeded: Seeded) -> None:
    async with signed_in(seeded.node, "fa", PASSWORD) as fa:
        threads = await fa.http.get("/c/stewards/manage/health.csv?metric=threads")
        people = await fa.http.get("/c/stewards/manage/health.csv?metric=taking-part")
        newcomers = await fa.http.get("/c/stewards/manage/health.csv?metric=newcomers")
        page = await fa.page("/c/stewards/manage/health")
    weekly = list(csv.DictReader(io.StringIO(threads.text)))
    assert len(weekly) == 52
    # fa's thread today, Q1..Q4 and "Introductions": 6 threads
    assert sum(int(row["Threads"]) for row in weekly) == 6
    assert weekly[-1]["Threads"] == "1"  # this week: fa's call
    monthly = list(csv.DictReader(io.StringIO(people.text)))
    this_month = datetime.now(UTC).strftime("%b %Y")
    assert monthly[-1]["Month"] == this_month
    # in the 12 months, everyone but dee and eli took part at least once
    assert max(int(row["People taking part"]) for row in monthly) >= 1
    joined = list(csv.DictReader(io.StringIO(newcomers.text)))
    # dee joined 10 days ago, eli 200 days ago; everyone else over a year ago
    assert sum(int(row["Newcomers"]) for row in joined) == 2
    # each figure is a chart with a title and a description, and a table
    assert page.count('role="img"') == 7
    assert page.count("<desc id=") == 7
    assert page.count('<th scope="row">') == 12 * 4 + 52 + 3 + 3


async def test_organisations_and_sectors_taking_part(seeded: Seeded) -> None:
    async with signed_in(seeded.node, "fa", PASSWORD) as fa:
        organisations = await fa.http.get("/c/stewards/manage/health.csv?metric=organisations")
        sectors = await fa.http.get("/c/stewards/manage/health.csv?metric=sectors")

    def table(text: str) -> list[tuple[str, ...]]:
        return [tuple(row) for row in csv.reader(io.StringIO(text))]

    # members stating it, and those of them who wrote or voted in 12 months (dee and eli did
    # not; fa and cai did, and state nothing)
    assert table(organisations.text) == [
        ("Organisation", "Members", "Taking part in 12 months"),
        ("Beta University", "2", "2"),
        ("City Library", "2", "2"),
        ("Not stated", "4", "2"),
    ]
    assert table(sectors.text) == [
        ("Sector", "Members", "Taking part in 12 months"),
        ("Higher education", "2", "2"),
        ("Libraries", "2", "2"),
        ("Not stated", "4", "2"),
    ]


async def test_the_check_in_selection_posts_the_lapsed_members(seeded: Seeded) -> None:
    async with signed_in(seeded.node, "fa", PASSWORD) as fa:
        page = await fa.page("/c/stewards/manage/health")
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    checkins = [body for action, body in forms if action == "/c/stewards/checkins/new"]
    assert len(checkins) == 2
    everyone_lapsed, ticked = checkins
    assert set(re.findall(r'type="hidden" name="member" value="([^"]+)"', everyone_lapsed)) == {
        str(seeded.ids[name]) for name in ("cai", "rem", "eli")
    }
    # the ticked form offers the lapsed and the quiet, none ticked yet, not the active
    offered = set(re.findall(r'type="checkbox" name="member" value="([^"]+)"', ticked))
    assert offered == {str(seeded.ids[name]) for name in ("cai", "rem", "eli", "bob", "dee")}
    assert "checked" not in ticked
    assert 'name="csrf"' in ticked and 'name="csrf"' in everyone_lapsed


async def test_only_facilitators_and_admins_see_it(seeded: Seeded) -> None:
    node = seeded.node
    paths = ["/c/stewards/manage/health", "/c/stewards/manage/health.csv?metric=members"]
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{node.port}", headers={"Host": node.config.domain}
    ) as visitor:
        page = await visitor.get(paths[0])
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        data = await visitor.get(paths[1])
        assert data.status_code == 404 and "rem@beta.example" not in data.text
    async with signed_in(node, "ann", PASSWORD) as ann:  # a member, not a facilitator
        for path in paths:
            response = await ann.http.get(path)
            assert response.status_code == 404, path
            assert "beta.example" not in response.text and "lapsed" not in response.text
        assert "/manage/health" not in await ann.page("/c/stewards")
    async with signed_in(node, "root", PASSWORD) as root:  # this node's admin
        for path in paths:
            assert (await root.http.get(path)).status_code == 200, path
    async with signed_in(node, "fa", PASSWORD) as fa:  # linked from the Facilitate page
        assert 'href="/c/stewards/manage/health"' in await fa.page("/c/stewards/manage")
        unknown = await fa.http.get("/c/stewards/manage/health.csv?metric=passwords")
        assert unknown.status_code == 404
        elsewhere = await fa.http.get("/c/nowhere/manage/health")
        assert elsewhere.status_code == 404


async def test_a_remote_communitys_facilitator_here_sees_what_this_node_stores(
    seeded: Seeded,
) -> None:
    """ "hub" lives on beta.example; this node knows ann as one of its facilitators (from its
    moderators collection) and bob as a member from here, who wrote there 5 days ago."""
    node = seeded.node
    async with node.pool.acquire() as conn:
        hub = await actor_store.upsert_remote(
            conn,
            RemoteActorFields(
                uri="https://beta.example/c/hub", actor_type="Group", username="hub",
                domain="beta.example", display_name="Hub", summary="",
                inbox_url="https://beta.example/c/hub/inbox", shared_inbox_url=None,
                outbox_url=None, followers_url="https://beta.example/c/hub/followers",
                public_key_id="https://beta.example/c/hub#main-key", public_key_pem="",
            ),
        )  # fmt: skip
        ann, bob = seeded.ids["ann"], seeded.ids["bob"]
        await conn.execute(
            "INSERT INTO community_facilitators (community_id, actor_id) VALUES ($1, $2)",
            hub.id, ann,
        )  # fmt: skip
        await follow_store.upsert(conn, bob, hub.id, f"{node.base}/follows/hub", True)
        await _post(conn, hub.id, bob, datetime.now(UTC) - timedelta(days=5), title="Hello hub")
    path = "/c/hub@beta.example/manage/health"
    async with signed_in(node, "ann", PASSWORD) as ann_session:
        page = await ann_session.page(path)
        members = await ann_session.http.get(path + ".csv?metric=members")
    assert "this community lives on beta.example" in page
    assert _members_csv(members.text) == {f"bob@{node.config.domain}": "active"}
    async with signed_in(node, "bob", PASSWORD) as bob_session:  # a member, not a facilitator
        assert (await bob_session.http.get(path)).status_code == 404
    async with signed_in(node, "fa", PASSWORD) as fa:  # facilitates stewards, not hub
        assert (await fa.http.get(path + ".csv?metric=members")).status_code == 404


async def test_long_lists_name_the_most_recent_and_still_select_every_lapsed_member(
    seeded: Seeded,
) -> None:
    """With one member listed per status, the page's reading still counts all of them and
    keeps every lapsed member for "check in with all"."""
    node = seeded.node
    async with node.pool.acquire() as conn:
        community = await conn.fetchval("SELECT id FROM actors WHERE username = 'stewards'")
        statuses = await activity.by_status(conn, community, datetime.now(UTC), listed=1)
    assert statuses.counts == {"active": 3, "quiet": 2, "lapsed": 3}
    assert [m.username for m in statuses.listed["lapsed"]] == ["rem"]  # seen 100 days ago
    assert [m.username for m in statuses.listed["quiet"]] == ["bob"]  # seen 45 days ago
    assert statuses.lapsed_ids == [seeded.ids[name] for name in ("rem", "cai", "eli")]
