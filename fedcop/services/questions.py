"""Questions and accepted answers.

A thread can be a question (chosen when it is written; its author or a facilitator changes it
later). Its author or a facilitator accepts one reply as the answer, changes it or withdraws
it. The state travels in the thread's document (documents.questions) as an Update of it:

    thread written here          -> its author's Update, delivered as an edit is (the
                                    community relays it when it is here too)
    Update of a thread in        -> its author's say (the inbox checks the sender): the state
                                    it carries replaces the one kept here

When an answer is accepted, the asker and the answer's author are told (if they are users
here and did not do it themselves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.questions import read_question
from fedcop.services import post_delivery, relay
from fedcop.services.errors import InvalidInput, NotFound, ServiceError
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store import notifications as notification_store
from fedcop.store import posts as post_store
from fedcop.store import questions as store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.store.users import User

if TYPE_CHECKING:
    from fedcop.services.reading import PostView

FILTERS = ("unanswered", "solved")


class NotAllowed(ServiceError):
    """Only the question's author or the community's facilitators may do that."""


async def asked(conn: asyncpg.Connection, threads: list[Post]) -> list[Post]:
    """New threads written as questions (before their Create is sent, which says so)."""
    marked = []
    for thread in threads:
        await store.set_question(conn, thread.id, True)
        found = await post_store.find(conn, thread.id)
        assert found is not None
        marked.append(found)
    return marked


async def mark(pool: Any, config: Config, *, by: str, thread_id: int, is_question: bool) -> Post:
    """The thread becomes a question (or stops being one, and loses its accepted answer)."""
    async with pool.acquire() as conn, conn.transaction():
        thread, community = await _may_change(conn, by, thread_id)
        if await store.set_question(conn, thread.id, is_question):
            thread = await _announce(conn, config, thread, community)
        return thread


async def accept(
    pool: Any, config: Config, *, by: str, thread_id: int, answer_id: int | None
) -> Post:
    """Accept a reply of the question as its answer; `answer_id` None withdraws it."""
    async with pool.acquire() as conn, conn.transaction():
        thread, community = await _may_change(conn, by, thread_id)
        if not thread.is_question:
            raise InvalidInput("only a question has an accepted answer: mark it a question first")
        answer = None
        if answer_id is not None:
            answer = await post_store.find(conn, answer_id)
            if answer is None or answer.thread_id != thread.id or answer.is_gone:
                raise InvalidInput("the accepted answer must be a reply in this thread")
        if not await store.set_accepted(conn, thread.id, answer_id):
            return thread
        if answer is not None:
            actor = await actor_store.find_local(conn, by)
            assert actor is not None  # _may_change found them
            await _tell(conn, thread, answer, actor.actor.id)
        return await _announce(conn, config, thread, community)


async def may_settle(pool: Any, view: PostView, user: User | None) -> bool:
    """Whether the page offers `user` the question's controls (mark, accept, withdraw)."""
    if user is None or not view.post.is_thread or view.post.is_gone:
        return False
    async with pool.acquire() as conn:
        try:
            await _may_change(conn, user.actor.username, view.post.id)
        except ServiceError:
            return False
    return True


async def apply_received(
    conn: asyncpg.Connection, post: Post, note: dict[str, Any], *, notify: bool = True
) -> None:
    """A thread's Create or Update from its author: the question state it carries, if it says
    any. An accepted answer this node does not keep (or not a reply of this thread) is kept as
    none. `notify` False: a backfilled thread is old news."""
    state = read_question(note)
    if state is None or not post.is_thread:
        return
    is_question, answer_uri = state
    await store.set_question(conn, post.id, is_question)
    answer = await post_store.find_by_uri(conn, answer_uri) if answer_uri else None
    accepted = answer if answer is not None and answer.thread_id == post.id else None
    changed = is_question and await store.set_accepted(
        conn, post.id, accepted.id if accepted else None
    )
    if changed and accepted is not None and notify:
        await _tell(conn, post, accepted, post.author_id)


async def _may_change(conn: asyncpg.Connection, by: str, thread_id: int) -> tuple[Post, Actor]:
    """The thread and its community, when `by` may change its question state here."""
    person = await actor_store.find_local(conn, by)
    thread = await post_store.find(conn, thread_id)
    if person is None or thread is None or thread.is_gone or thread.community_id is None:
        raise NotFound("There is no such thread here.")
    if not thread.is_thread:
        raise InvalidInput("only a thread can be a question, not a reply")
    community = await actor_store.find_by_id(conn, thread.community_id)
    if community is None:
        raise NotFound("There is no such thread here.")
    me = person.actor.id
    facilitator = await mod_store.is_facilitator(conn, community.id, me) or (
        community.is_local and await mod_store.is_node_admin(conn, me)
    )
    if thread.author_id != me and not facilitator:
        raise NotAllowed("only the question's author or a facilitator can do that")
    author = await actor_store.find_by_id(conn, thread.author_id)
    if author is None or not author.is_local:
        # Its Update is its author's to send, from their own node.
        raise InvalidInput("this question was written on another node: change it there")
    return thread, community


async def _announce(
    conn: asyncpg.Connection, config: Config, thread: Post, community: Actor
) -> Post:
    """Send the thread's Update carrying its new state (the community relays it if here)."""
    changed = await post_store.find(conn, thread.id)
    author = await actor_store.find_by_id(conn, thread.author_id)
    assert changed is not None and author is not None
    update = await post_delivery.publish(conn, config, "Update", changed, author, community)
    if community.is_local:
        await relay.relay(conn, config, community, update)
    return changed


async def _tell(conn: asyncpg.Connection, question: Post, answer: Post, by_id: int) -> None:
    """The asker and the answer's author learn that it was accepted (users here only)."""
    for recipient in {question.author_id, answer.author_id}:
        await notification_store.add(conn, recipient, "answer_accepted", by_id, answer.id)
