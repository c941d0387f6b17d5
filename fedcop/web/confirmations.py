"""Asking before what cannot be undone: delete, remove, ban, leave.

The first POST of such a form (from any button, on any page) changes nothing: it answers with
a page saying what will happen, whose form posts the same fields again with `confirmed=yes`
(and the CSRF token, as every form). Only that second POST acts. No script is needed.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fedcop.store.actors import Actor
from fedcop.web.render import render

CONFIRMED = "confirmed"
MAX_EXCERPT_CHARS = 280


def confirmed(form: FormData) -> bool:
    return form.get(CONFIRMED) == "yes"


@dataclass(frozen=True)
class Question:
    heading: str  # "Remove this reply by Ana?"
    consequence: str  # what will happen, in a whole sentence
    button: str  # "Remove the reply"
    back: str  # where "Cancel" goes
    excerpt: str = ""  # the text acted on, so people see what they are about to change


async def ask(
    request: Request,
    form: FormData,
    question: Question,
    *,
    successors: list[Actor] | None = None,
) -> Response:
    """The confirmation page for the form just posted to this same address."""
    carried = [
        (key, value)
        for key, value in form.multi_items()
        if isinstance(value, str) and key not in ("csrf", CONFIRMED, "successor")
    ]
    excerpt = question.excerpt
    if len(excerpt) > MAX_EXCERPT_CHARS:
        excerpt = excerpt[: MAX_EXCERPT_CHARS - 1].rstrip() + "…"
    return await render(
        request,
        "confirm.html",
        question=question,
        excerpt=excerpt,
        action=request.url.path,
        carried=carried,
        successors=successors,
    )
