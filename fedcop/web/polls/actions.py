"""POST /t/{id}/vote: a person votes in the poll of the thread (`choice`: the options' numbers,
one for a single-choice poll, any for a multiple-choice one)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput
from fedcop.services.polls import voting
from fedcop.services.reading import PostView
from fedcop.store.users import User
from fedcop.web.actions import on_post, signed_in_action
from fedcop.web.notices import done


async def vote(request: Request, user: User, form: FormData, found: PostView) -> Response:
    try:
        choices = [int(str(value)) for value in form.getlist("choice")]
    except ValueError:
        raise InvalidInput(_("choose an option of the poll")) from None
    await voting.vote(
        request.app.state.pool, request.app.state.config, user, found.post.id, choices
    )
    return done(request, f"/t/{found.post.id}#poll", _("Your vote is counted."))


routes = [Route("/t/{id:id}/vote", signed_in_action(on_post(vote)), methods=["POST"])]
