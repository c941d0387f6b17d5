"""Moving to another server, from /settings/data: the member's other accounts (aliases) and
the move itself (with their password). Each form ends back on /settings/data, saying what
was done or why not."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services.account_data import moving
from fedcop.services.errors import ServiceError
from fedcop.services.signin_throttle import TooManyAttempts
from fedcop.store.users import User
from fedcop.web.account_data.export import data_page
from fedcop.web.actions import signed_in_action
from fedcop.web.render import with_retry_after


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def add_alias(request: Request, user: User, form: FormData) -> Response:
    state = request.app.state
    try:
        uri = await moving.add_alias(
            state.pool, state.config, state.network, user, str(form.get("account", ""))
        )
    except ServiceError as error:
        return await data_page(request, error=str(error), status=400)
    return await data_page(
        request, saved=_("%(address)s is listed as your other account.", address=uri)
    )


async def remove_alias(request: Request, user: User, form: FormData) -> Response:
    state = request.app.state
    await moving.remove_alias(state.pool, state.config, user, str(form.get("alias", "")))
    return await data_page(request, saved=_("The other account is no longer listed."))


async def move(request: Request, user: User, form: FormData) -> Response:
    state = request.app.state
    try:
        target = await moving.move_away(
            state.pool, state.config, state.network, user,
            str(form.get("account", "")), str(form.get("password", "")), _address(request),
        )  # fmt: skip
    except ServiceError as error:
        status = 429 if isinstance(error, TooManyAttempts) else 400
        page = await data_page(request, error=str(error), status=status)
        return with_retry_after(page, error)
    return await data_page(
        request,
        saved=_("You moved to %(address)s: your followers' servers are told.", address=target),
    )


routes = [
    Route("/settings/data/aliases", signed_in_action(add_alias), methods=["POST"]),
    Route("/settings/data/aliases/remove", signed_in_action(remove_alias), methods=["POST"]),
    Route("/settings/data/move", signed_in_action(move), methods=["POST"]),
]
