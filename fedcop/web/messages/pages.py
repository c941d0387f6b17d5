"""The Messages place: a person's conversations, one conversation, writing and answering."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import _
from fedcop.services import addressees
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.services.messages import reading, sending
from fedcop.store.posts import Post
from fedcop.store.users import User
from fedcop.web.notices import done
from fedcop.web.render import go, not_found, render
from fedcop.web.session import viewer

# Ids are 64-bit: a larger number names nothing (and PostgreSQL's bigint could not take it).
LARGEST_ID = 2**63 - 1


async def index(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/messages")
    pool = request.app.state.pool
    found = await reading.conversations(
        pool, current.user.actor.id, before=None, after=None, limit=reading.MAX_PAGE
    )
    return await render(
        request,
        "messages/index.html",
        conversations=found,
        to=request.query_params.get("to", "")[:500],
        text="",
        error=None,
    )


async def write(request: Request, user: User, form: FormData) -> Response:
    """A new message to the people the `to` field names."""
    to = str(form.get("to", ""))[:2000]
    text = str(form.get("content", ""))
    config = request.app.state.config
    pool = request.app.state.pool
    try:
        people = await addressees.named_in(pool, config, request.app.state.network, to)
        if not people:
            raise InvalidInput(
                _("nobody found to write to: name people as @name (here) or @name@server")
            )
        written = await sending.write(
            pool, config, author=user.actor.username, recipients=people, text=text
        )
    except InvalidInput as error:
        found = await reading.conversations(
            pool, user.actor.id, before=None, after=None, limit=reading.MAX_PAGE
        )
        return await render(
            request,
            "messages/index.html",
            400,
            conversations=found,
            to=to,
            text=text,
            error=str(error),
        )
    return done(
        request,
        f"/messages/{written.thread_id or written.id}#m-{written.id}",
        _("Your message is sent."),
    )


async def conversation(request: Request) -> Response:
    current = await viewer(request)
    root_id = request.path_params["id"]
    if current.user is None:
        return go(f"/login?next=/messages/{root_id}")
    if root_id > LARGEST_ID:
        return await not_found(request, _("There is no such conversation."))
    pool = request.app.state.pool
    try:
        shown = await reading.conversation(pool, current.user.actor.id, root_id)
        found = await reading.messages(pool, current.user.actor.id, root_id)
    except NotFound:
        return await not_found(request, _("There is no such conversation."))
    await reading.mark_read(pool, current.user.actor.id, root_id)
    return await render(request, "messages/conversation.html", conversation=shown, messages=found)


async def answer(request: Request, user: User, form: FormData) -> Response:
    """An answer in a conversation, to everyone in it (the newest message is answered)."""
    root_id = request.path_params["id"]
    if root_id > LARGEST_ID:
        return await not_found(request, _("There is no such conversation."))
    pool = request.app.state.pool
    try:
        found = await reading.messages(pool, user.actor.id, root_id)
    except NotFound:
        return await not_found(request, _("There is no such conversation."))
    written = await sending.write(
        pool,
        request.app.state.config,
        author=user.actor.username,
        recipients=[],
        text=str(form.get("content", "")),
        in_reply_to=found[-1].post,
    )
    return done(request, f"/messages/{root_id}#m-{written.id}", _("Your answer is sent."))


async def message_redirect(request: Request, post: Post) -> Response:
    """/p/N or /t/N of a direct message in a browser: its conversation, for the people in it
    who are signed in here; for anyone else, no such post."""
    current = await viewer(request)
    reader = current.user.actor.id if current.user is not None else None
    message = await reading.readable_message(request.app.state.pool, reader, post.id)
    if message is None or message.is_gone:
        return await not_found(request, _("There is no such post on this node."))
    return go(f"/messages/{message.thread_id or message.id}#m-{message.id}")
