"""Where a post is read on the web: `/t/ID/how-we-triage` for a thread (a slug made from its
title, so that an address says what it leads to), `/t/THREAD/slug#post-ID` for a reply (the
thread, opened at that reply). The id alone keeps working: the slug is never looked up, only
checked against the title and corrected by a redirect."""

from __future__ import annotations

import re
import unicodedata

from fedcop.store.posts import Post

MAX_SLUG = 60
# Pages under /t/{id}/ that a title's slug must never be taken for.
RESERVED = frozenset({"edit", "summary", "reply", "like", "unlike", "delete", "report"})


def slug(title: str | None) -> str:
    """`How we triage, in 2026?` -> `how-we-triage-in-2026`: lower-case letters and digits
    (accents dropped, other scripts kept as they are), words joined by hyphens; '' if the
    title has no letters or digits at all."""
    if not title:
        return ""
    folded = unicodedata.normalize("NFKD", title)
    kept = "".join(ch for ch in folded if not unicodedata.combining(ch)).lower()
    words = re.findall(r"\w+", kept.replace("_", " "))
    made = "-".join(words)[:MAX_SLUG].strip("-")
    return f"{made}-thread" if made in RESERVED else made


def thread_path(thread: Post) -> str:
    """The page of a thread: with its slug when its title gives one."""
    made = slug(thread.title)
    return f"/t/{thread.id}/{made}" if made else f"/t/{thread.id}"


def post_path(post: Post, thread: Post | None = None) -> str:
    """The page a post is read on: a thread's own page, or its thread's opened at the reply
    (`thread`, when known, gives the thread's slug)."""
    if post.thread_id is None:
        return thread_path(post)
    at = thread_path(thread) if thread is not None else f"/t/{post.thread_id}"
    return f"{at}#post-{post.id}"
