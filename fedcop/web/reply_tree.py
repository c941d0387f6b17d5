"""A thread's replies as a tree: each reply under the post it answers, nested a few levels
deep; deeper answers are shown under their deepest shown ancestor, each saying whom it
answers ("in reply to ana"), so that a long exchange stays readable on a phone."""

from __future__ import annotations

from dataclasses import dataclass, field

from fedcop.services.browsing import Permissions
from fedcop.services.reading import PostView
from fedcop.store.actors import Actor

# Levels of nesting shown: a reply to the thread is level 0, an answer to it level 1...
DEEPEST = 3


@dataclass(frozen=True)
class Reply:
    view: PostView
    depth: int
    may: Permissions
    children: list[Reply] = field(default_factory=list)
    # Set when the reply is shown below a post other than the one it answers.
    in_reply_to: Actor | None = None
    # The reply whose address was opened (its thread shown at it).
    focused: bool = False


def tree(
    thread: PostView,
    replies: list[PostView],
    may: dict[int, Permissions],
    focus: int | None = None,
) -> list[Reply]:
    """The replies in reading order, as a tree of at most DEEPEST + 1 levels. A reply whose
    parent this node never received is shown at the top level."""
    known = {reply.post.id: reply for reply in replies}
    children: dict[int, list[PostView]] = {}
    for reply in replies:
        parent = reply.post.parent_id
        if parent is None or parent not in known:
            parent = thread.post.id
        children.setdefault(parent, []).append(reply)

    def node(view: PostView, depth: int, in_reply_to: Actor | None = None) -> Reply:
        return Reply(view, depth, may[view.post.id], [], in_reply_to, focused=view.post.id == focus)

    def below(post_id: int) -> list[Reply]:
        """Every answer under `post_id`, flattened in reading order (iteratively: a chain
        of answers from elsewhere may be as long as it likes)."""
        shown: list[Reply] = []
        stack = list(reversed(children.get(post_id, [])))
        seen: set[int] = set()
        while stack:
            view = stack.pop()
            if view.post.id in seen:
                continue
            seen.add(view.post.id)
            parent = known.get(view.post.parent_id or 0)
            shown.append(node(view, DEEPEST, parent.author if parent else None))
            stack.extend(reversed(children.get(view.post.id, [])))
        return shown

    def level(parent_id: int, depth: int) -> list[Reply]:
        shown: list[Reply] = []
        for view in children.get(parent_id, []):
            reply = node(view, depth)
            shown.append(reply)
            if depth < DEEPEST:
                reply.children.extend(level(view.post.id, depth + 1))
            else:
                shown.extend(below(view.post.id))
        return shown

    return level(thread.post.id, 0)
