"""Accounts by email on the web: the address in settings, its confirmation link, password reset,
and the administrators' rule about confirmed addresses (a form on /admin).

    POST /settings/email           a new address (unconfirmed until its link is followed)
    GET  /mail/confirm/TOKEN       confirms it
    GET  /password/forgot          the form; POST: the same answer whether the address is known
    GET  /password/reset/TOKEN     a new password form; POST: sets it (the link works once)
    POST /admin/mail               require a confirmed address before posting, or not
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import N_, _
from fedcop.services import signin_throttle
from fedcop.services.errors import NotFound, ServiceError
from fedcop.services.mail import addresses, password_reset
from fedcop.store.users import User
from fedcop.web.accounts import settings_page
from fedcop.web.actions import signed_in_action
from fedcop.web.notices import done
from fedcop.web.render import not_found, refused, render, with_retry_after
from fedcop.web.session import FormRefused, checked_form

ASKED = N_(
    "If an account here has that confirmed address, a link to choose a new password is on its "
    "way: it works once, within the hour."
)


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def save_email(request: Request, user: User, form: FormData) -> Response:
    try:
        email = await addresses.set_address(
            request.app.state.pool, request.app.state.config, user, str(form.get("email", ""))
        )
    except ServiceError as error:
        return await settings_page(request, error=str(error))
    if email is None:
        return await settings_page(request, saved=_("Your account has no email address now."))
    if not request.app.state.config.mail_enabled:
        return await settings_page(
            request,
            saved=_("Your address is saved. This node sends no mail yet, so it stays unconfirmed."),
        )
    return await settings_page(
        request,
        saved=_(
            "A confirmation link is on its way to %(email)s: open it within 3 days.", email=email
        ),
    )


async def confirm(request: Request) -> Response:
    try:
        email = await addresses.confirm(request.app.state.pool, request.path_params["token"])
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(
        request,
        "message.html",
        title=_("Address confirmed"),
        message=_("%(email)s is confirmed: mail from this node can reach you there.", email=email),
    )


async def forgot_page(request: Request) -> Response:
    return await render(request, "mail/forgot_password.html", sent=False)


async def forgot(request: Request) -> Response:
    try:
        form = await checked_form(request)
    except FormRefused as error:
        return await refused(request, str(error), 403)
    try:
        await password_reset.ask(
            request.app.state.pool,
            request.app.state.config,
            str(form.get("email", ""))[:300],
            _address(request),
        )
    except signin_throttle.TooManyAttempts as error:
        page = await render(request, "mail/forgot_password.html", 429, error=str(error))
        return with_retry_after(page, error)
    return await render(request, "mail/forgot_password.html", sent=True, message=_(ASKED))


async def reset_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        await password_reset.check(request.app.state.pool, token)
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(request, "mail/reset_password.html", token=token)


async def reset(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        form = await checked_form(request)
    except FormRefused as error:
        return await refused(request, str(error), 403)
    try:
        await password_reset.reset(request.app.state.pool, token, str(form.get("password", "")))
    except NotFound as error:
        return await not_found(request, str(error))
    except ServiceError as error:
        return await render(request, "mail/reset_password.html", 400, token=token, error=str(error))
    return await render(
        request,
        "message.html",
        title=_("Password changed"),
        message=_(
            "Your new password is set, and every session of your account has ended: "
            "sign in with it now."
        ),
    )


async def admin_mail(request: Request, user: User, form: FormData) -> Response:
    # a checkbox: sent only when ticked
    await addresses.set_required(request.app.state.pool, user, form.get("required") == "on")
    return done(request, "/admin", _("The mail setting is saved."))


routes = [
    Route("/settings/email", signed_in_action(save_email), methods=["POST"]),
    Route("/mail/confirm/{token}", confirm, methods=["GET"]),
    Route("/password/forgot", forgot_page, methods=["GET"]),
    Route("/password/forgot", forgot, methods=["POST"]),
    Route("/password/reset/{token}", reset_page, methods=["GET"]),
    Route("/password/reset/{token}", reset, methods=["POST"]),
    Route("/admin/mail", signed_in_action(admin_mail), methods=["POST"]),
]
