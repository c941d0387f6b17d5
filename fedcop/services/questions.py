"""Questions and accepted answers.

A thread can be a question (chosen when it is written; its author or a facilitator changes it
later). Its author or a facilitator accepts one reply as the answer, changes it or withdraws
it. The state travels in the thread's document (documents.questions) as an Update of it:

    thread written here          -> its author's Update, delivered as an edit is (the
                                    community relays it when it is here too)
    thread written elsewhere,    -> a facilitator on the community's node: their Update of
      set by a facilitator          the thread (the thread's document as kept there, with
                                    the new state), which the community announces to every
                                    member's server, the asker's among them
                                 -> a facilitator on another node: their Update goes to the
                                    community, which applies it if they facilitate it, and
                                    announces it
    Update of a thread in        -> its author's say (the inbox checks the sender): the state
                                    it carries replaces the one kept here
                                 -> anyone else's: only its question state is read, and only
                                    if a community here is told it by one of its facilitators,
                                    or a remote community announces it (its decision)

When an answer is accepted, the asker and the answer's author are told (if they are users
here and did not do it themselves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import asyncpg

from fedcop.config import Config
from fedcop.documents.posts import THREADIVERSE, post_object
from fedcop.documents.questions import read_question
from fedcop.i18n.current import _
from fedcop.services import lifecycle, outbox, post_delivery, relay
from fedcop.services.errors import InvalidInput, NotFound, Refused, ServiceError
from fedcop.services.mail import notification_mail
from fedcop.store import actors as actor_store
from fedcop.store import moderation as mod_store
from fedcop.store import notifications as notification_store
from fedcop.store import posts as post_store
from fedcop.store import questions as store
from fedcop.store.actors import Actor
from fedcop.store.posts import Post
from fedcop.store.users import User
from federation.vocab import id_of

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
        thread, community, person = await _may_change(conn, by, thread_id)
        if await store.set_question(conn, thread.id, is_question):
            thread = await _announce(conn, config, thread, community, person)
        return thread


async def accept(
    pool: Any, config: Config, *, by: str, thread_id: int, answer_id: int | None
) -> Post:
    """Accept a reply of the question as its answer; `answer_id` None withdraws it."""
    async with pool.acquire() as conn, conn.transaction():
        thread, community, person = await _may_change(conn, by, thread_id)
        if not thread.is_question:
            raise InvalidInput(
                _("only a question has an accepted answer: mark it a question first")
            )
        answer = None
        if answer_id is not None:
            answer = await post_store.find(conn, answer_id)
            if answer is None or answer.thread_id != thread.id or answer.is_gone:
                raise InvalidInput(_("the accepted answer must be a reply in this thread"))
        if not await store.set_accepted(conn, thread.id, answer_id):
            return thread
        if answer is not None:
            await _tell(conn, thread, answer, person.id)
            await notification_mail.answer_accepted(conn, config, thread, answer, person.id)
        return await _announce(conn, config, thread, community, person)


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
    conn: asyncpg.Connection,
    post: Post,
    note: dict[str, Any],
    *,
    notify: bool = True,
    config: Config | None = None,
) -> None:
    """A thread's Create or Update from its author: the question state it carries, if it says
    any. An accepted answer this node does not keep (or not a reply of this thread) is kept as
    none. `notify` False: a backfilled thread is old news. With `config`, the people told are
    mailed too, as for an answer accepted here."""
    state = read_question(note)
    if state is None or not post.is_thread:
        return
    await _apply_state(conn, post, state, by_id=post.author_id if notify else None, config=config)


async def _apply_state(
    conn: asyncpg.Connection,
    post: Post,
    state: tuple[bool, str | None],
    *,
    by_id: int | None,
    config: Config | None = None,
) -> bool:
    """Keep the question state a thread's Update carries; whether anything changed. `by_id`:
    who accepted the answer (they are not told), or None to tell nobody."""
    is_question, answer_uri = state
    marked = await store.set_question(conn, post.id, is_question)
    answer = await post_store.find_by_uri(conn, answer_uri) if answer_uri else None
    accepted = answer if answer is not None and answer.thread_id == post.id else None
    if accepted is not None and accepted.is_gone:
        accepted = None  # a deleted or removed reply answers nothing
    changed = is_question and await store.set_accepted(
        conn, post.id, accepted.id if accepted else None
    )
    if changed and accepted is not None and by_id is not None:
        await _tell(conn, post, accepted, by_id)
        if config is not None:
            await notification_mail.answer_accepted(conn, config, post, accepted, by_id)
    return marked or changed


async def receive_from_facilitator(
    pool: Any, config: Config, update: dict[str, Any], *, via: Actor | None
) -> bool | None:
    """An Update of a thread by someone who is not its author: a facilitator setting its
    question state. `via`: the remote community that announced it (its facilitators are its
    to check: this is its decision); None when it came to a community here, which takes it only
    from one of its facilitators, then announces it. None: not such an Update (the author's
    own, or one that says nothing of a question), for the usual paths to handle; True when
    taken (even if it changed nothing: the same state again)."""
    note = update.get("object")
    actor_uri = id_of(update.get("actor"))
    if not isinstance(note, dict) or actor_uri is None:
        return None
    state = read_question(note)
    if state is None:
        return None
    async with pool.acquire() as conn, conn.transaction():
        post = await post_store.find_by_uri(conn, str(note.get("id")))
        if post is None or not post.is_thread or post.is_gone or post.community_id is None:
            return None
        author = await actor_store.find_by_id(conn, post.author_id)
        if author is None or author.uri == actor_uri:
            return None
        community = await actor_store.find_by_id(conn, post.community_id)
        sender = await actor_store.find_by_uri(conn, actor_uri)
        assert community is not None
        if via is not None and via.id != community.id:
            raise Refused(
                _("%(via)s announced a change of a thread of another community", via=via.uri)
            )
        if via is None and not (
            community.is_local
            and sender is not None
            and await mod_store.is_facilitator(conn, community.id, sender.id)
        ):
            raise Refused(
                _(
                    "only the author of %(post)s or a facilitator of its community may",
                    post=post.uri,
                )
            )
        if community.is_closed:
            raise Refused(lifecycle.closed_sentence(community))
        await _apply_state(
            conn,
            post,
            state,
            by_id=sender.id if sender is not None else community.id,
            config=config,
        )
        if via is None:
            await relay.relay(conn, config, community, update)
        return True


async def _may_change(
    conn: asyncpg.Connection, by: str, thread_id: int
) -> tuple[Post, Actor, Actor]:
    """The thread, its community and the person, when `by` may change its question state
    from here: its author (written here), or a facilitator of its community."""
    person = await actor_store.find_local(conn, by)
    thread = await post_store.find(conn, thread_id)
    if person is None or thread is None or thread.is_gone or thread.community_id is None:
        raise NotFound(_("There is no such thread here."))
    if not thread.is_thread:
        raise InvalidInput(_("only a thread can be a question, not a reply"))
    community = await actor_store.find_by_id(conn, thread.community_id)
    if community is None:
        raise NotFound(_("There is no such thread here."))
    me = person.actor.id
    facilitator = await mod_store.is_facilitator(conn, community.id, me) or (
        community.is_local and await mod_store.is_node_admin(conn, me)
    )
    if thread.author_id != me and not facilitator:
        raise NotAllowed(_("only the question's author or a facilitator can do that"))
    author = await actor_store.find_by_id(conn, thread.author_id)
    if author is None:
        raise NotFound(_("There is no such thread here."))
    if not author.is_local and not facilitator:
        # Its Update is its author's to send, from their own node (a facilitator's goes to the
        # community, whose node decides and announces it).
        raise InvalidInput(_("this question was written on another node: change it there"))
    lifecycle.ensure_open(community)
    return thread, community, person.actor


async def _announce(
    conn: asyncpg.Connection, config: Config, thread: Post, community: Actor, person: Actor
) -> Post:
    """Send the thread's Update carrying its new state (the community relays it if here): its
    author's, or, for a thread written elsewhere, the facilitator's."""
    changed = await post_store.find(conn, thread.id)
    author = await actor_store.find_by_id(conn, thread.author_id)
    assert changed is not None and author is not None
    if author.is_local:
        update = await post_delivery.publish(conn, config, "Update", changed, author, community)
    else:
        update = await _facilitators_update(conn, config, changed, author, community, person)
    if community.is_local:
        await relay.relay(conn, config, community, update)
    return changed


async def _facilitators_update(
    conn: asyncpg.Connection,
    config: Config,
    thread: Post,
    author: Actor,
    community: Actor,
    facilitator: Actor,
) -> dict[str, Any]:
    """A facilitator's Update of a thread written elsewhere: the thread as this node keeps it,
    with its new question state. On the community's node nobody is sent it but the community,
    which announces it; elsewhere it goes to the community's inbox."""
    document = post_object(thread, author, community, config, form=THREADIVERSE)
    activity = {
        "@context": document["@context"],
        "type": "Update",
        "object": {key: value for key, value in document.items() if key != "@context"},
        "to": document["to"],
        "cc": document["cc"],
        "audience": community.uri,
    }
    inboxes = [] if community.is_local else outbox.inbox_of(community)
    return await outbox.publish(
        conn, config, facilitator, activity, inboxes, members_of=outbox.readers(community)
    )


async def _tell(conn: asyncpg.Connection, question: Post, answer: Post, by_id: int) -> None:
    """The asker and the answer's author learn that it was accepted (users here only)."""
    for recipient in {question.author_id, answer.author_id}:
        await notification_store.add(conn, recipient, "answer_accepted", by_id, answer.id)
