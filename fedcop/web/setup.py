"""The guided setup of a fresh node (/setup): its name, who may register, its first community.

GET  /setup[?step=about|registrations|community]   the next step (or one seen again)
POST /setup/about                                   name and description
POST /setup/registrations                           who may register
POST /setup/community                               the first community: the setup is done
POST /setup/skip                                    leave it; the admin page has the same

Only administrators see it (others get the same 404 as for /admin).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import markdown, node_setup
from fedcop.services import node as node_service
from fedcop.services.admin import REGISTRATION_MODES
from fedcop.services.errors import ServiceError
from fedcop.store.users import User
from fedcop.web.render import go, not_found, refused, render
from fedcop.web.session import FormRefused, checked_form, viewer


async def _step_page(
    request: Request, step: str, status: int = 200, error: str = "", **form: Any
) -> Response:
    pool, config = request.app.state.pool, request.app.state.config
    settings = await node_service.settings(pool)
    return await render(
        request,
        "setup/page.html",
        status,
        in_setup=True,
        step=step,
        steps=node_setup.STEPS,
        reached=settings.setup_step,
        settings=settings,
        chosen_name=form.get("name", node_service.title(settings, config)),
        chosen_description=form.get("description", settings.description),
        chosen_mode=form.get("mode", settings.registrations),
        modes=REGISTRATION_MODES,
        contact=config.contact_address,
        community=form.get("community", {"name": "", "title": "", "purpose": ""}),
        error=error,
    )


async def setup_page(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/setup")
    if not current.user.is_admin:
        return await not_found(request, _("There is no such page."))
    reached = await node_setup.current_step(request.app.state.pool)
    if reached == node_setup.DONE:
        return await render(request, "setup/done.html")
    wanted = request.query_params.get("step", reached)
    # A step already passed can be seen again; one not reached yet cannot be jumped to.
    steps = node_setup.STEPS
    if wanted not in steps or steps.index(wanted) > steps.index(reached):
        wanted = reached
    return await _step_page(request, wanted)


StepAction = Callable[[Request, User, FormData], Awaitable[Response]]


def admin_step(step: str, action: StepAction) -> Callable[[Request], Awaitable[Response]]:
    """A setup form's POST: an administrator, a valid CSRF token; a refusal shows the step
    again with what was typed and why."""

    async def endpoint(request: Request) -> Response:
        current = await viewer(request)
        if current.user is None:
            return go("/login?next=/setup")
        if not current.user.is_admin:
            return await not_found(request, _("There is no such page."))
        try:
            form = await checked_form(request)
        except FormRefused as error:
            return await refused(request, str(error), 403)
        try:
            return await action(request, current.user, form)
        except ServiceError as error:
            typed = {
                "name": str(form.get("name", "")),
                "description": str(form.get("description", "")),
                "mode": str(form.get("registrations", "")),
                "community": {key: str(form.get(key, "")) for key in ("name", "title", "purpose")},
            }
            return await _step_page(request, step, 400, str(error), **typed)

    return endpoint


async def save_about(request: Request, user: User, form: FormData) -> Response:
    await node_setup.save_about(
        request.app.state.pool, user,
        name=str(form.get("name", "")), description=str(form.get("description", "")),
    )  # fmt: skip
    return go("/setup?step=registrations")


async def save_registrations(request: Request, user: User, form: FormData) -> Response:
    await node_setup.choose_registrations(
        request.app.state.pool, user, str(form.get("registrations", ""))
    )
    return go("/setup?step=community")


async def start_community(request: Request, user: User, form: FormData) -> Response:
    name = str(form.get("name", "")).strip()
    await node_setup.first_community(
        request.app.state.pool, request.app.state.config, user,
        name=name, title=str(form.get("title", "")),
        purpose_html=markdown.render(str(form.get("purpose", ""))),
    )  # fmt: skip
    return go(f"/c/{name}")


async def skip(request: Request, user: User, form: FormData) -> Response:
    await node_setup.skip(request.app.state.pool, user)
    return go("/admin")


routes = [
    Route("/setup", setup_page, methods=["GET"]),
    Route("/setup/about", admin_step("about", save_about), methods=["POST"]),
    Route(
        "/setup/registrations",
        admin_step("registrations", save_registrations),
        methods=["POST"],
    ),
    Route("/setup/community", admin_step("community", start_community), methods=["POST"]),
    Route("/setup/skip", admin_step("about", skip), methods=["POST"]),
]
