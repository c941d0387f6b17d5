"""The welcome message setting (Facilitate page) and a newcomer's landing page."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import _
from fedcop.services.messages import welcome
from fedcop.store.users import User
from fedcop.web.notices import done
from fedcop.web.render import go, render
from fedcop.web.session import viewer


async def save(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    await welcome.set_message(request.app.state.pool, name, user, str(form.get("welcome", "")))
    return done(request, f"/c/{name}/manage#welcome-heading", _("The welcome message is saved."))


async def landing(request: Request) -> Response:
    """Where a newly registered person lands: communities to join, the busiest first."""
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/welcome")
    found = await welcome.suggestions(request.app.state.pool, current.user.actor.id)
    return await render(request, "messages/welcome.html", suggestions=found)
