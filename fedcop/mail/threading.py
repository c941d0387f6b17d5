"""Stable Message-IDs for threads and posts, so every mail client groups a thread's messages.

A thread's root post is `<thread-ID@HOST>`; each reply is `<post-ID@HOST>`. The same post always
has the same id on this node, whoever receives it, so a reply mailed days later still threads
under the message its reader already has.
"""

from __future__ import annotations


def thread_message_id(host: str, thread_id: int) -> str:
    """The Message-ID of a thread's root post."""
    return f"<thread-{thread_id}@{host}>"


def post_message_id(host: str, thread_id: int, post_id: int) -> str:
    """The Message-ID of one post: its thread's id when the post is the thread itself."""
    if post_id == thread_id:
        return thread_message_id(host, thread_id)
    return f"<post-{post_id}@{host}>"


def threading_headers(
    host: str, thread_id: int, post_id: int | None, parent_id: int | None
) -> dict[str, str]:
    """Message-ID, In-Reply-To and References for a post in a thread.

    `post_id` None: a message about the thread that is no post of it (a notification): it
    answers the thread's root. `parent_id` None: the post replies to the thread's root.
    """
    root = thread_message_id(host, thread_id)
    if post_id is None or post_id == thread_id:
        headers = {"Message-ID": root} if post_id is not None else {}
        if post_id is None:
            headers.update({"In-Reply-To": root, "References": root})
        return headers
    parent = post_message_id(host, thread_id, parent_id if parent_id is not None else thread_id)
    references = root if parent == root else f"{root} {parent}"
    return {
        "Message-ID": post_message_id(host, thread_id, post_id),
        "In-Reply-To": parent,
        "References": references,
    }
