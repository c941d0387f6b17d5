"""Full-text search over posts on one seeded node (real PostgreSQL): ranking, phrases,
exclusions, filters, what a reader may see, remote posts in their own language, and snippets
that are safe HTML."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from fedcop.config import Config
from fedcop.services import accounts, follows, moderation, post_changes, post_search, posts
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.posts import NewPost, Post


@dataclass
class Seeded:
    pool: Any
    library: str
    clinic: str
    title_thread: Post
    passing_reply: Post
    secret: Post
    remote: Post


async def _write(app: Any, config: Config, author: str, community: str, **fields: Any) -> Post:
    return await posts.write(
        app.state.pool, config, app.state.network, author=author, community_uri=community,
        **fields,
    )  # fmt: skip


@pytest.fixture
async def seeded(app: Any, config: Config) -> Seeded:
    pool = app.state.pool
    for name in ("ana", "ben", "cho", "dee"):
        await accounts.create_user(pool, config, name, "correct horse battery")
    library = await accounts.create_community(
        pool, config, "libraries", title="Libraries", owner="ana"
    )
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinicians", owner="cho", private=True
    )
    # dee is a member of the private clinic; ben is not
    await follows.join(pool, config, app.state.network, "dee", clinic.uri)
    await follows.decide_request(pool, config, "clinic", f"{config.base_url}/u/dee", approve=True)

    title_thread = await _write(
        app, config, "ana", library.uri, title="Interlibrary loan workflows",
        content="<p>How do you track requests between branches?</p>",
    )  # fmt: skip
    other = await _write(
        app, config, "ben", library.uri, title="Catalogue migration",
        content="<p>Moving our catalogue to a new system, with its loan policy intact.</p>",
    )  # fmt: skip
    passing_reply = await _write(
        app, config, "ana", library.uri, in_reply_to=other.uri,
        content="<p>Long story about the migration; in passing, interlibrary requests broke.</p>",
    )  # fmt: skip
    await _write(
        app, config, "ben", library.uri, title="Fees",
        content="<p>Our policy on loan fees and the policy for late returns.</p>",
    )  # fmt: skip
    secret = await _write(
        app, config, "cho", clinic.uri, title="Interlibrary secret triage",
        content="<p>Members-only interlibrary notes.</p>",
    )  # fmt: skip
    gone = await _write(
        app, config, "ben", library.uri, title="Interlibrary draft", content="<p>deleted</p>"
    )
    await post_changes.delete(pool, config, author="ben", post_uri=gone.uri)
    removed = await _write(
        app, config, "ben", library.uri, title="Interlibrary spam", content="<p>removed</p>"
    )
    await moderation.act(
        pool, config, app.state.network, moderator="ana", community_uri=library.uri,
        action=moderation.Action("remove", removed.uri, "spam"),
    )  # fmt: skip
    # a post from another server, in French, stored here as it arrived
    async with pool.acquire() as conn:
        remote_author = await actor_store.upsert_remote(
            conn,
            actor_store.RemoteActorFields(
                uri="https://beta.test/u/zoe", actor_type="Person", username="zoe",
                domain="beta.test", display_name="Zoé", summary="",
                inbox_url="https://beta.test/u/zoe/inbox", shared_inbox_url=None,
                outbox_url=None, followers_url=None, public_key_id="https://beta.test/u/zoe#k",
                public_key_pem="",
            ),
        )  # fmt: skip
        remote = await post_store.insert(
            conn,
            NewPost(
                uri="https://beta.test/p/1", community_id=library.id,
                author_id=remote_author.id, thread_id=None, parent_id=None,
                in_reply_to_uri=None, object_type="Page", title="Prêts entre bibliothèques",
                content="<p>Nos bibliothèques partagent leurs catalogues.</p>", summary="",
                url=None, attachments=[], sensitive=False, visibility="public",
                create_uri=None, published=datetime.now(UTC), language="fr",
            ),
        )  # fmt: skip
    assert remote is not None
    return Seeded(pool, library.uri, clinic.uri, title_thread, passing_reply, secret, remote)


async def _ids(seeded: Seeded, query: str, viewer: int | None = None, **filters: Any) -> list[int]:
    hits = await post_search.search(
        seeded.pool, query, viewer_id=viewer, filters=post_search.Filters(**filters)
    )
    return [hit.post.id for hit in hits]


async def _actor_id(seeded: Seeded, name: str) -> int:
    return await _actor_id_in(seeded.pool, name)


async def _actor_id_in(pool: Any, name: str) -> int:
    async with pool.acquire() as conn:
        found = await actor_store.find_local(conn, name)
    assert found is not None
    return found.actor.id


async def test_a_title_ranks_above_a_passing_mention(seeded: Seeded) -> None:
    found = await _ids(seeded, "interlibrary")
    assert found == [seeded.title_thread.id, seeded.passing_reply.id]


async def test_phrases_and_exclusions(seeded: Seeded) -> None:
    phrase = await post_search.search(seeded.pool, '"loan policy"', viewer_id=None)
    assert [hit.post.title or "" for hit in phrase] == ["Catalogue migration"]
    assert "<mark>loan</mark> <mark>policy</mark>" in phrase[0].snippet
    # "policy" alone finds both; "-fees" drops the one about fees
    assert len(await _ids(seeded, "policy")) == 2
    without = await post_search.search(seeded.pool, "policy -fees", viewer_id=None)
    assert [hit.post.title for hit in without] == ["Catalogue migration"]


async def test_filters_by_community_author_and_kind(seeded: Seeded) -> None:
    ana = await _actor_id(seeded, "ana")
    assert await _ids(seeded, "interlibrary", author_id=ana) == [
        seeded.title_thread.id,
        seeded.passing_reply.id,
    ]
    assert await _ids(seeded, "interlibrary", threads_only=True) == [seeded.title_thread.id]
    assert await _ids(seeded, "interlibrary", community_id=seeded.remote.community_id) == [
        seeded.title_thread.id,
        seeded.passing_reply.id,
    ]


async def test_members_only_threads_stay_among_members(seeded: Seeded) -> None:
    ben, dee, cho = [await _actor_id(seeded, n) for n in ("ben", "dee", "cho")]
    for outsider in (None, ben):
        hits = await post_search.search(seeded.pool, "secret triage", viewer_id=outsider)
        assert hits == []
        everything = await post_search.search(seeded.pool, "interlibrary", viewer_id=outsider)
        assert all("secret" not in (h.thread_title or "") + h.snippet for h in everything)
    for member in (dee, cho):
        assert await _ids(seeded, "secret triage", member) == [seeded.secret.id]


async def test_deleted_and_removed_posts_are_never_found(seeded: Seeded) -> None:
    cho = await _actor_id(seeded, "ana")
    assert await _ids(seeded, "draft") == []
    assert await _ids(seeded, "spam", cho) == []


async def test_a_remote_post_is_found_in_its_own_language(seeded: Seeded) -> None:
    # French stemming: "bibliothèque" finds "bibliothèques"
    hits = await post_search.search(seeded.pool, "bibliothèque", viewer_id=None)
    assert [h.post.id for h in hits] == [seeded.remote.id]
    assert "<mark>bibliothèques</mark> partagent" in hits[0].snippet


async def test_html_in_a_post_is_escaped_in_its_snippet(app: Any, config: Config) -> None:
    pool = app.state.pool
    await accounts.create_user(pool, config, "ana", "correct horse battery")
    library = await accounts.create_community(pool, config, "lib", title="Lib", owner="ana")
    ana = await _actor_id_in(pool, "ana")
    # stored as the sanitiser keeps text that looks like markup: escaped
    async with pool.acquire() as conn:
        await post_store.insert(
            conn,
            NewPost(
                uri=f"{config.base_url}/p/escaping", community_id=library.id, author_id=ana,
                thread_id=None, parent_id=None, in_reply_to_uri=None, object_type="Page",
                title="Escaping", summary="", url=None, attachments=[], sensitive=False,
                content="<p>Type &lt;script&gt;alert(1)&lt;/script&gt; &amp; \x01 the"
                " catalogue</p>",
                visibility="public", create_uri=None, published=datetime.now(UTC),
            ),
        )  # fmt: skip
    hits = await post_search.search(pool, "catalogue", viewer_id=None)
    assert len(hits) == 1
    snippet = hits[0].snippet
    assert "<script>" not in snippet and "\x01" not in snippet
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp;" in snippet
    assert snippet.count("<mark>") == 1 and "<mark>catalogue</mark>" in snippet


async def test_an_edited_post_is_found_by_its_new_words(app: Any, config: Config) -> None:
    pool = app.state.pool
    await accounts.create_user(pool, config, "ana", "correct horse battery")
    library = await accounts.create_community(pool, config, "lib", title="Lib", owner="ana")
    thread = await _write(app, config, "ana", library.uri, title="Draft", content="<p>old</p>")
    await post_changes.edit(
        pool, config, author="ana", post_uri=thread.uri, content="<p>renewed wording</p>"
    )
    assert [h.post.id for h in await post_search.search(pool, "renewed", viewer_id=None)] == [
        thread.id
    ]
    assert await post_search.search(pool, "old", viewer_id=None) == []
