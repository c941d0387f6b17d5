"""A facilitator's summary of a thread: what was asked, what the community answered, links to
the best replies. Written in Markdown on the thread's summary page, shown at the top of the
thread (under the question and its accepted answer), and sent to members as a reply of the
thread flagged `fedcop:facilitatorSummary` (documents.summaries), announced by the community
like any reply, and by id to its microblog followers, who see a boosted reply.

    facilitator writes      no summary of theirs yet -> a new reply (services.posts.write),
                            which becomes the current summary (the newest one is)
                            their own current one    -> an edit of it (an Update)
    community elsewhere     the same, from this node: the reply goes to the community, whose
                            node takes it as a summary if they facilitate it there

Which replies are summaries, on every path, is services.summary_flags'.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fedcop.config import Config
from fedcop.i18n.current import _
from fedcop.network import Network
from fedcop.services import lifecycle, post_changes, posts, reading, summary_flags
from fedcop.services.errors import NotFound, ServiceError
from fedcop.services.post_source import editable_text
from fedcop.services.reading import PostView
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store import summaries as store
from fedcop.store.posts import Post
from fedcop.store.users import User
from federation.html import safe_url, to_text

# How much of a reply its link's text quotes.
EXCERPT = 60


class NotAllowed(ServiceError):
    """Only the community's facilitators write a thread's summary."""


@dataclass(frozen=True)
class SummaryDesk:
    """The summary page of a thread: the summary a facilitator edits (their own current one)
    or starts, and the thread's replies to pick links from."""

    thread: PostView
    current: PostView | None
    # The Markdown the form starts from: the facilitator's own current summary, or nothing.
    text: str
    # Whether publishing edits the current summary (theirs) rather than writing a new one.
    edits_current: bool
    replies: list[PostView]


async def current(pool: Any, thread_id: int) -> PostView | None:
    """The thread's current summary, if it has one."""
    async with pool.acquire() as conn:
        summary = await store.current_of(conn, thread_id)
    return await reading.post_by_id(pool, summary.id) if summary is not None else None


async def may_write(pool: Any, view: PostView, user: User | None) -> bool:
    """Whether the thread's page offers `user` to write (or edit) its summary."""
    if user is None or not view.post.is_thread or view.post.is_gone or view.community is None:
        return False
    if view.community.is_closed:
        return False
    async with pool.acquire() as conn:
        return await summary_flags.may_summarise(conn, view.community, user.actor.id)


async def desk(pool: Any, *, user: User, thread_id: int) -> SummaryDesk:
    thread = await _thread(pool, thread_id)
    if not await may_write(pool, thread, user):
        raise NotAllowed(_refusal(thread))
    summary = await current(pool, thread.post.id)
    own = summary is not None and summary.author.id == user.actor.id
    replies = [
        view
        for view in await reading.thread(pool, thread.post.id)
        if not view.post.is_gone and not view.post.facilitator_summary
    ]
    return SummaryDesk(
        thread=thread,
        current=summary,
        text=editable_text(summary.post) if summary is not None and own else "",
        edits_current=own,
        replies=replies,
    )


async def publish(
    pool: Any, config: Config, network: Network, *, user: User, thread_id: int, content: str
) -> Post:
    """Publish the facilitator's summary of the thread: an edit of their own current summary,
    or a new one, which replaces the current summary."""
    thread = await _thread(pool, thread_id)
    assert thread.community is not None  # _thread checked
    lifecycle.ensure_open(thread.community)
    if not await may_write(pool, thread, user):
        raise NotAllowed(_refusal(thread))
    summary = await current(pool, thread.post.id)
    if summary is not None and summary.author.id == user.actor.id:
        return await post_changes.edit(
            pool, config, author=user.actor.username, post_uri=summary.post.uri, content=content
        )
    return await posts.write(
        pool, config, network, author=user.actor.username, community_uri=thread.community.uri,
        content=content, in_reply_to=thread.post.uri, facilitator_summary=True,
    )  # fmt: skip


def links_to(replies: list[PostView]) -> str:
    """Markdown links to the replies a facilitator picked, one list item each: the reply's
    opening words, who wrote it. Links go to each reply's own address, which every server
    (and every reader) can open."""
    lines = []
    for view in replies:
        words = " ".join(to_text(view.post.content).split())
        excerpt = words if len(words) <= EXCERPT else words[: EXCERPT - 1].rstrip() + "…"
        label = _markdown_label(excerpt or "a reply")
        who = view.author.display_name or view.author.username
        lines.append(f"- [{label}]({_link_target(view)}) ({_markdown_label(who)})")
    return "\n".join(lines)


def with_links(text: str, replies: list[PostView]) -> str:
    """The summary's text with links to the picked replies added at its end."""
    links = links_to(replies)
    if not links:
        return text
    return f"{text.rstrip()}\n\n{links}\n" if text.strip() else f"{links}\n"


async def picked(pool: Any, thread_id: int, reply_ids: list[int]) -> list[PostView]:
    """The replies of the thread among `reply_ids`, in the thread's order (others ignored)."""
    wanted = set(reply_ids)
    return [
        view
        for view in await reading.thread(pool, thread_id)
        if view.post.id in wanted and not view.post.is_gone
    ]


def _link_target(view: PostView) -> str:
    """The reply's address as a Markdown link target: its page if that is an http(s) URL, else
    its id; the characters that would end the link early are percent-encoded."""
    target = safe_url(view.post.url) or view.post.uri
    return "".join(_IN_LINK.get(char, char) for char in target)


_IN_LINK = {"(": "%28", ")": "%29", " ": "%20", "<": "%3C", ">": "%3E"}


def _markdown_label(text: str) -> str:
    """Text safe inside a Markdown link's brackets (and as plain text around it)."""
    return "".join(f"\\{char}" if char in "[]()*_`<>\\" else char for char in text)


def _refusal(thread: PostView) -> str:
    if thread.community is not None and thread.community.is_closed:
        return lifecycle.closed_sentence(thread.community)
    return _("only the community's facilitators write the summary of a thread")


async def _thread(pool: Any, thread_id: int) -> PostView:
    async with pool.acquire() as conn:
        post = await post_store.find(conn, thread_id)
        community = (
            await actor_store.find_by_id(conn, post.community_id)
            if post is not None and post.community_id is not None
            else None
        )
    if post is None or not post.is_thread or post.is_gone or community is None:
        raise NotFound(_("There is no such thread here."))
    view = await reading.post_by_id(pool, post.id)
    assert view is not None
    return view
