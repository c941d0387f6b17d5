"""A question's state on the wire, in fedcop's namespace: other fedcop nodes read it, every
other server ignores the unknown properties and shows an ordinary post.

    "@context": [..., {"fedcop": "https://fedcop.org/ns#"}]
    "fedcop:question": true                        a thread that asks a question (false: a
                                                   thread that does not; absent on replies)
    "fedcop:acceptedAnswer": "https://…/p/123"     the id of the reply accepted as its answer,
                                                   or null when none is (withdrawn)
"""

from __future__ import annotations

from typing import Any

from fedcop.documents.context import FEDCOP_NAMESPACE
from fedcop.store.posts import Post

QUESTION_CONTEXT: dict[str, Any] = {"fedcop": FEDCOP_NAMESPACE}
QUESTION = "fedcop:question"
ACCEPTED_ANSWER = "fedcop:acceptedAnswer"


def question_fields(post: Post) -> dict[str, Any]:
    """The question properties of a thread: `false` on one that is no question (so that a
    thread that stops being one says so), none on replies."""
    if not post.is_thread:
        return {}
    if not post.is_question:
        return {QUESTION: False}
    return {QUESTION: True, ACCEPTED_ANSWER: post.accepted_answer_uri}


def read_question(document: dict[str, Any]) -> tuple[bool, str | None] | None:
    """(is a question, accepted answer's id) from a received thread; None when it says
    nothing about it (any server but fedcop). Odd values count as absent."""
    flag = document.get(QUESTION, document.get(f"{FEDCOP_NAMESPACE}question"))
    if not isinstance(flag, bool):
        return None
    answer = document.get(ACCEPTED_ANSWER, document.get(f"{FEDCOP_NAMESPACE}acceptedAnswer"))
    if isinstance(answer, dict):
        answer = answer.get("id")
    if not flag or not isinstance(answer, str) or not answer.startswith(("https://", "http://")):
        answer = None
    return flag, answer
