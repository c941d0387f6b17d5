"""Turning a post into knowledge in one step: a new page, or a new version of a page.

    a solved question (its thread)  -> title: the question's; text: the question, then its
                                       accepted answer and who gave it, then a link to the thread
    any other post (a facilitator's -> title: its thread's; text: the post and who wrote it,
    summary, a useful reply)           then a link to it

Anyone who may edit the knowledge base may turn a solved question into a page; any other post
only a facilitator (it is their judgement that a reply is worth keeping). The page remembers the
post it was made from (kb_pages.from_post_id) and links back to it in its text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import asyncpg

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.services import post_source
from fedcop.services.errors import NotFound
from fedcop.services.knowledge import access
from fedcop.services.knowledge.commits import PageChange
from fedcop.services.knowledge.editing import apply_edit
from fedcop.services.knowledge.pages import create_in, find_page, local_person
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.actors import Actor
from fedcop.store.knowledge import pages as page_store
from fedcop.store.knowledge import versions as version_store
from fedcop.store.posts import Post


async def page_from_post(
    pool: Any,
    config: Config,
    *,
    by: str,
    post_id: int,
    title: str | None = None,
    into: str | None = None,
) -> PageChange:
    """A user here turns the post `post_id` (a thread or a reply of a community's) into a new
    page of its community (titled `title`, or as the thread), or, with `into` (a page's slug),
    adds it to that page as its next version."""
    async with pool.acquire() as conn, conn.transaction():
        person = await local_person(conn, by)
        post = await post_store.find(conn, post_id)
        if post is None or post.is_gone or post.community_id is None:
            raise NotFound(_("there is no such post here"))
        community = await actor_store.find_by_id(conn, post.community_id)
        if community is None:
            raise NotFound(_("there is no such post here"))
        await access.ensure_may_read(conn, community, person.id)
        thread = post if post.is_thread else await post_store.find(conn, post.thread_id or 0)
        if thread is None:
            raise NotFound(_("there is no such post here"))
        answer = await _accepted_answer(conn, post)
        if answer is None and not await access.is_facilitator(conn, community, person.id):
            raise access.NotAllowed(
                _(
                    "only a solved question becomes a page in one step; facilitators may turn "
                    "any post into one"
                )
            )
        heading = title.strip() if title and title.strip() else thread.title or "Untitled"
        text = await _text(conn, config, post, thread, answer)
        # The change's note is the person's (in their language); the text is the thread's.
        note = _("From the thread “%(title)s”", title=thread.title or "")
        if into is None:
            return await create_in(
                conn, config, community, person, title=heading, markdown=text, note=note,
                from_post_id=post.id,
            )  # fmt: skip
        group, page = await find_page(conn, config, access.handle_of(community), into, person.id)
        current = await version_store.find(conn, page.id, page.current_version)
        assert current is not None
        added = f"{current.markdown.rstrip()}\n\n## {heading}\n\n{text}"
        change = await apply_edit(
            conn, config, page, group, person, base_version=page.current_version,
            title=current.title, markdown=added, note=note,
        )  # fmt: skip
        await page_store.set_from_post(conn, page.id, post.id)
        return change


async def _accepted_answer(conn: asyncpg.Connection, post: Post) -> Post | None:
    """The accepted answer of `post` when it is a solved question's thread."""
    if not (post.is_thread and post.is_question and post.accepted_answer_id is not None):
        return None
    answer = await post_store.find(conn, post.accepted_answer_id)
    return answer if answer is not None and not answer.is_gone else None


async def _text(
    conn: asyncpg.Connection, config: Config, post: Post, thread: Post, answer: Post | None
) -> str:
    link = f"{config.base_url}/t/{thread.id}"
    if answer is not None:
        return (
            f"{post_source.editable_text(post).strip()}\n\n"
            f"### Accepted answer\n\n{post_source.editable_text(answer).strip()}\n\n"
            f"— {await _credit(conn, answer)}, in [the thread]({link})"
        )
    if not post.is_thread:
        link = f"{link}#post-{post.id}"
    return (
        f"{post_source.editable_text(post).strip()}\n\n"
        f"— {await _credit(conn, post)}, in [the thread]({link})"
    )


async def _credit(conn: asyncpg.Connection, post: Post) -> str:
    author = await actor_store.find_by_id(conn, post.author_id)
    return _name(author) if author is not None else "someone"


def _name(actor: Actor) -> str:
    handle = f"@{actor.username}" + (f"@{actor.domain}" if actor.domain else "")
    shown = actor.display_name.replace("[", "").replace("]", "").strip() or handle
    return f"[{shown}]({actor.uri})"


@dataclass(frozen=True)
class Offer:
    """What a thread's page offers its viewer: making a page of the solved question
    (`solved`), of any of its posts (`any_post`, facilitators), and the pages it may be added
    to (slug, title), the charter first."""

    solved: bool
    any_post: bool
    pages: list[tuple[str, str]]


async def offer(pool: Any, thread_id: int, viewer_id: int | None) -> Offer | None:
    """None when the viewer may make no page of this thread's posts."""
    if viewer_id is None:
        return None
    async with pool.acquire() as conn:
        thread = await post_store.find(conn, thread_id)
        if thread is None or thread.is_gone or thread.community_id is None:
            return None
        community = await actor_store.find_by_id(conn, thread.community_id)
        if community is None or not community.is_local:
            return None
        if not await access.may_edit(conn, community, viewer_id):
            return None
        solved = await _accepted_answer(conn, thread) is not None
        facilitator = await access.is_facilitator(conn, community, viewer_id)
        if not solved and not facilitator:
            return None
        found = await page_store.of_community(conn, community.id)
        current = await version_store.current_of(conn, [page.id for page in found])
    return Offer(solved, facilitator, [(page.slug, current[page.id].title) for page in found])
