"""Search that finds practice, on one seeded node (real PostgreSQL): a question's accepted
answer above passing mentions, the question-state, date and author filters and the operators
that ask for them (is:, before:, after:, during:, from:), and a search that ranks only its
newest matches."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from fedcop.config import Config
from fedcop.services import accounts, follows, post_search, posts, questions
from fedcop.store import actors as actor_store
from fedcop.store import post_search as store
from fedcop.store import posts as post_store
from fedcop.store.posts import NewPost, Post


@dataclass
class Seeded:
    pool: Any
    titled: Post
    question: Post
    accepted: Post
    other_answer: Post
    passing: Post
    open_question: Post
    old: Post
    ana_id: int


async def _write(app: Any, config: Config, author: str, community: str, **fields: Any) -> Post:
    return await posts.write(
        app.state.pool, config, app.state.network, author=author, community_uri=community,
        **fields,
    )  # fmt: skip


@pytest.fixture
async def seeded(app: Any, config: Config) -> Seeded:
    pool = app.state.pool
    for name in ("ana", "ben", "cho"):
        await accounts.create_user(pool, config, name, "correct horse battery")
    library = await accounts.create_community(
        pool, config, "libraries", title="Libraries", owner="ana"
    )
    for name in ("ben", "cho"):
        await follows.join(pool, config, app.state.network, name, library.uri)

    def write(author: str, **fields: Any) -> Any:
        return _write(app, config, author, library.uri, **fields)

    titled = await write("ana", title="Overdue notice templates", content="<p>Ours.</p>")
    question = await write(
        "ana", title="Wording reminders", question=True,
        content="<p>How do you word reminders for late returns?</p>",
    )  # fmt: skip
    other_answer = await write(
        "ben", in_reply_to=question.uri, content="<p>We phone people instead.</p>"
    )
    accepted = await write(
        "cho", in_reply_to=question.uri, content="<p>A friendly overdue notice works best.</p>"
    )
    await questions.accept(pool, config, by="ana", thread_id=question.id, answer_id=accepted.id)
    chatter = await write("ben", title="Weekend plans", content="<p>Anyone going?</p>")
    passing = await write(
        "ben", in_reply_to=chatter.uri,
        content="<p>I will be at the branch; by the way our printer ate an overdue notice, "
        "which was funny, and then we went for lunch and talked about the weather.</p>",
    )  # fmt: skip
    open_question = await write(
        "ben", title="Fines for lost items", question=True,
        content="<p>Do you still charge fines? An overdue notice mentions them.</p>",
    )  # fmt: skip
    async with pool.acquire() as conn:
        ana = await actor_store.find_local(conn, "ana")
        assert ana is not None
        # a thread stored from an earlier time (a remote server's, as it arrived)
        old = await post_store.insert(
            conn,
            NewPost(
                uri="https://beta.test/p/old", community_id=library.id,
                author_id=ana.actor.id, thread_id=None, parent_id=None,
                in_reply_to_uri=None, object_type="Page", title="Notice archive",
                content="<p>Our overdue notice from years ago.</p>", summary="", url=None,
                attachments=[], sensitive=False, visibility="public", create_uri=None,
                published=datetime(2020, 5, 4, 12, tzinfo=UTC),
            ),
        )  # fmt: skip
    assert old is not None
    return Seeded(
        pool, titled, question, accepted, other_answer, passing, open_question, old,
        ana.actor.id,
    )  # fmt: skip


async def _ids(seeded: Seeded, query: str, viewer: int | None = None, **filters: Any) -> list[int]:
    hits = await post_search.search(
        seeded.pool, query, viewer_id=viewer, filters=post_search.Filters(**filters)
    )
    return [hit.post.id for hit in hits]


async def test_title_and_accepted_answer_rank_above_passing_mentions(seeded: Seeded) -> None:
    found = await _ids(seeded, "overdue notice")

    assert found[:2] == [seeded.titled.id, seeded.accepted.id]
    # the passing mention in a chatty reply, and the rest, come after both
    assert set(found[2:]) == {seeded.passing.id, seeded.open_question.id, seeded.old.id}


async def test_question_states_filter_threads_and_their_replies(seeded: Seeded) -> None:
    solved = {seeded.question.id, seeded.accepted.id, seeded.other_answer.id}

    assert set(await _ids(seeded, "notice", question="unanswered")) == {seeded.open_question.id}
    assert set(await _ids(seeded, "notice or people", question="solved")) == {
        seeded.accepted.id,
        seeded.other_answer.id,
    }
    assert set(await _ids(seeded, "notice or people or reminders", question="question")) == {
        *solved,
        seeded.open_question.id,
    }
    # the same through the words' operators
    assert await _ids(seeded, "notice is:unanswered") == [seeded.open_question.id]
    assert set(await _ids(seeded, "is:solved notice or reminders")) == solved - {
        seeded.other_answer.id
    }


async def test_dates_filter_and_operators(seeded: Seeded) -> None:
    may_4 = datetime(2020, 5, 4, tzinfo=UTC)
    may_5 = datetime(2020, 5, 5, tzinfo=UTC)

    assert await _ids(seeded, "notice", since=may_4, until=may_5) == [seeded.old.id]
    assert seeded.old.id not in await _ids(seeded, "notice", since=may_5)
    assert await _ids(seeded, "notice during:2020-05-04") == [seeded.old.id]
    assert await _ids(seeded, "notice before:2020-05-05") == [seeded.old.id]
    assert await _ids(seeded, "notice before:2020-05-04") == []
    assert seeded.old.id not in await _ids(seeded, "notice after:2020-05-04")
    assert seeded.old.id in await _ids(seeded, "notice after:2020-05-03")
    # a filter and an operator both apply
    assert await _ids(seeded, "notice during:2020-05-04", since=may_5) == []
    # an operator inside a phrase is words
    assert await _ids(seeded, '"before:2020-05-05"') == []


async def test_from_names_an_author(seeded: Seeded, config: Config) -> None:
    by_ana = await post_search.search(seeded.pool, "notice from:ana", viewer_id=None, config=config)
    by_me = await _ids(seeded, "notice from:me", viewer=seeded.ana_id)
    by_handle = await post_search.search(
        seeded.pool, f"notice from:@ana@{config.domain}", viewer_id=None, config=config
    )

    assert {hit.post.id for hit in by_ana} == {seeded.titled.id, seeded.old.id}
    assert set(by_me) == {seeded.titled.id, seeded.old.id}
    assert {hit.post.id for hit in by_handle} == {seeded.titled.id, seeded.old.id}
    assert await _ids(seeded, "notice from:nobody") == []
    assert await _ids(seeded, "notice from:me") == []  # a visitor is nobody


async def test_only_the_newest_matches_are_ranked(seeded: Seeded) -> None:
    async with seeded.pool.acquire() as conn:
        newest = await store.search(
            conn, "notice", viewer_id=None, filters=store.Filters(), limit=10, candidates=2
        )
        everything = await store.search(
            conn, "notice", viewer_id=None, filters=store.Filters(), limit=10
        )

    # the two matches stored last (the old thread arrived last), best first (its title
    # matches); the others were not considered
    assert newest.considered == 2
    assert [found.post.id for found in newest.found] == [seeded.old.id, seeded.open_question.id]
    assert everything.considered == 5 and len(everything.found) == 5


async def test_posts_stored_long_ago_are_found_when_recent_ones_are_few(
    seeded: Seeded,
) -> None:
    stored_long_ago = int((datetime.now(UTC) - timedelta(days=400)).timestamp() * 1000) << 16
    async with seeded.pool.acquire() as conn:
        ancient = await post_store.insert(
            conn,
            NewPost(
                uri="https://beta.test/p/ancient", community_id=seeded.titled.community_id,
                author_id=seeded.ana_id, thread_id=None, parent_id=None, in_reply_to_uri=None,
                object_type="Page", title="Closure", content="<p>An overdue notice, long ago.</p>",
                summary="", url=None, attachments=[], sensitive=False, visibility="public",
                create_uri=None, published=datetime(2025, 1, 1, tzinfo=UTC),
            ),
            post_id=stored_long_ago,
        )  # fmt: skip
        assert ancient is not None
        newest = await store.search(
            conn, '"overdue notice"', viewer_id=None, filters=store.Filters(), limit=10,
            candidates=2,
        )  # fmt: skip

    # a phrase is looked for among recent posts first; with fewer matches there than a search
    # ranks, among older ones too
    assert ancient.id in await _ids(seeded, '"overdue notice"')
    assert ancient.id in await _ids(seeded, "closure")
    # enough recent ones: the old one is not among the newest
    assert newest.considered == 2 and ancient.id not in [f.post.id for f in newest.found]


async def test_dates_at_the_ends_of_the_calendar_find_nothing_and_break_nothing(
    seeded: Seeded,
) -> None:
    for query in (
        "notice after:9999-12-31",
        "notice during:9999-12-31",
        "notice before:0001-01-01",
        "notice during:0001-01-01",
    ):
        assert await _ids(seeded, query) == [], query
    everything = await _ids(seeded, "notice after:0001-01-01")
    assert seeded.old.id in everything
    far = datetime(9999, 12, 31, tzinfo=UTC)
    assert await _ids(seeded, "notice", since=far) == []
    assert await _ids(seeded, "notice", since=datetime(1, 1, 1, tzinfo=UTC)) != []


async def test_operators_without_words_list_the_newest_posts_they_keep(seeded: Seeded) -> None:
    assert await _ids(seeded, "is:unanswered") == [seeded.open_question.id]
    assert await _ids(seeded, "from:me", viewer=seeded.ana_id) == [
        seeded.old.id,
        seeded.question.id,
        seeded.titled.id,
    ]
    assert await _ids(seeded, "", question="solved") == [
        seeded.accepted.id,
        seeded.other_answer.id,
        seeded.question.id,
    ]
    # nothing asked, nothing found
    assert await _ids(seeded, "") == [] and await _ids(seeded, "   ") == []
