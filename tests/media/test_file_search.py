"""A thread is found by its files: the words of a file's name and of its alt text or
description reach the post search, for files uploaded here and files on posts from elsewhere."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import post_changes, post_search
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.actors import RemoteActorFields
from fedcop.store.posts import NewPost
from tests.media.library_page import library_rows
from tests.media.library_world import make_world, reply, shared, thread


async def _found(pool: Any, query: str) -> list[str | None]:
    return [hit.thread_title for hit in await post_search.search(pool, query, viewer_id=None)]


async def test_a_thread_is_found_by_its_files_names_and_descriptions(
    app: Any, config: Config
) -> None:
    # Given a thread whose text says nothing of what its files are
    world = await make_world(app, config)
    protocol = await thread(world, "ana", "Front desk", text="Attached, as promised.")
    await shared(
        world, "ana", protocol, "intake-form_v2.pdf",
        description="Patient intake questionnaire",
    )  # fmt: skip
    answer = await reply(world, "bo", protocol, text="Thanks!")
    await shared(
        world, "bo", answer, "whiteboard.png", kind="image",
        description="Photo of the whiteboard after the workshop",
    )  # fmt: skip

    # Then the thread is found by a word of the file's description
    assert await _found(world.pool, "questionnaire") == ["Front desk"]
    # by the words of its file name, and by its whole name
    assert await _found(world.pool, "intake form") == ["Front desk"]
    assert await _found(world.pool, "intake-form_v2.pdf") == ["Front desk"]
    # and the reply by its picture's alt text, with the match shown in the snippet
    hits = await post_search.search(world.pool, "whiteboard", viewer_id=None)
    assert [hit.post.id for hit in hits] == [answer.id]
    assert "<mark>whiteboard</mark>" in hits[0].snippet.lower()

    # When the reply is deleted, its file's words no longer find anything
    await post_changes.delete(world.pool, config, author="bo", post_uri=answer.uri)
    assert await _found(world.pool, "whiteboard") == []


async def test_files_on_posts_from_elsewhere_are_searched_and_listed(
    app: Any, client: httpx.AsyncClient, config: Config
) -> None:
    # Given a post from another server in the community, carrying a picture and a link
    world = await make_world(app, config)
    async with world.pool.acquire() as conn:
        community = await actor_store.find_by_uri(conn, world.community_uri)
        assert community is not None
        mina = await actor_store.upsert_remote(
            conn,
            RemoteActorFields(
                uri="https://beta.test/users/mina", actor_type="Person", username="mina",
                domain="beta.test", display_name="Mina", summary="",
                inbox_url="https://beta.test/users/mina/inbox", shared_inbox_url=None,
                outbox_url=None, followers_url=None,
                public_key_id="https://beta.test/users/mina#main-key", public_key_pem="x",
            ),
        )  # fmt: skip
        await post_store.insert(
            conn,
            NewPost(
                uri="https://beta.test/statuses/1", community_id=community.id,
                author_id=mina.id, thread_id=None, parent_id=None, in_reply_to_uri=None,
                object_type="Page", title="Our ward's layout", content="<p>See the plan</p>",
                attachments=[
                    {"type": "Document", "url": "https://files.beta.test/plans/ward-plan.png",
                     "mediaType": "image/png", "name": "Floor plan of ward 4",
                     "sensitive": False},
                    {"type": "Link", "url": "https://beta.test/about", "mediaType": "",
                     "name": "", "sensitive": False},
                ],
                summary="", url=None, sensitive=False, visibility="public", create_uri=None,
                published=None, language="en",
            ),
        )  # fmt: skip

    # Then the search finds it by the picture's description and its file name
    assert await _found(world.pool, "floor plan") == ["Our ward's layout"]
    assert await _found(world.pool, "ward-plan") == ["Our ward's layout"]
    # And the library lists the picture (not the link), shared by mina, with no licence known
    rows = library_rows((await client.get("/c/clinic/resources")).text)[0]
    assert [(row["name"], row["by"], row["licence"]) for row in rows] == [
        ("ward-plan.png", "Mina", "")
    ]
    assert rows[0]["file_href"] == "https://files.beta.test/plans/ward-plan.png"
    assert rows[0]["description"] == "Floor plan of ward 4"
