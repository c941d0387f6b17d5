"""What a member receives by mail: all communities at once (/settings/mail), or one community
from its page (/c/NAME/mail)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services.errors import ServiceError
from fedcop.services.mail import choices
from fedcop.web.notices import done
from fedcop.web.render import go, render
from fedcop.web.session import FormRefused, checked_form, viewer

_PREFIX = "mail-"


async def mail_settings(request: Request, saved: str = "", error: str = "") -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/mail")
    listed = await choices.of_user(request.app.state.pool, current.user.actor.id)
    return await render(
        request,
        "mail/choices.html",
        400 if error else 200,
        listed=listed,
        labels=choices.LABELS,
        saved=saved,
        error=error,
    )


async def save_mail_settings(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/mail")
    try:
        form = await checked_form(request)
        wanted: dict[int, str] = {}
        for name, value in form.multi_items():
            key = name.removeprefix(_PREFIX)
            if name.startswith(_PREFIX) and key.isdigit() and isinstance(value, str):
                wanted[int(key)] = value
        await choices.choose_many(request.app.state.pool, current.user.actor.id, wanted)
    except (FormRefused, ServiceError) as error:
        return await mail_settings(request, error=str(error))
    return await mail_settings(request, saved=_("Your mail choices are saved."))


async def choose_for_community(request: Request) -> Response:
    handle = request.path_params["handle"]
    current = await viewer(request)
    if current.user is None:
        return go(f"/login?next=/c/{handle}")
    try:
        form = await checked_form(request)
        uri = str(form.get("community", ""))
        await choices.choose(
            request.app.state.pool, current.user.actor.id, uri, str(form.get("mode", ""))
        )
    except (FormRefused, ServiceError) as error:
        return await render(
            request, "error.html", 400, title=_("That did not work"), message=str(error)
        )
    return done(request, f"/c/{handle}", _("Your mail choice for this community is saved."))


routes = [
    Route("/settings/mail", mail_settings, methods=["GET"]),
    Route("/settings/mail", save_mail_settings, methods=["POST"]),
    Route("/c/{handle}/mail", choose_for_community, methods=["POST"]),
]
