"""Sign in, sign out, register, and one's own settings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.i18n.languages import LANGUAGES
from fedcop.services import markdown, member_language, profiles, signin
from fedcop.services import node as node_service
from fedcop.services.errors import ServiceError
from fedcop.services.mail import addresses as mail_addresses
from fedcop.web.notices import done
from fedcop.web.render import go, refused, render, with_retry_after
from fedcop.web.session import FormRefused, checked_form, sign_in_as, sign_out, viewer
from federation.html import to_text


def _safe_next(value: object) -> str:
    """Where to go after signing in: a path on this site only."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return value
    return "/"


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def login_page(request: Request) -> Response:
    return await render(
        request, "login.html", next=_safe_next(request.query_params.get("next")), name=""
    )


async def login(request: Request) -> Response:
    try:
        form = await checked_form(request)
    except FormRefused as error:
        return await refused(request, str(error), 403)
    name, password = str(form.get("name", "")), str(form.get("password", ""))
    target = _safe_next(form.get("next"))
    try:
        user = await signin.sign_in(request.app.state.pool, name, password, _address(request))
    except ServiceError as error:
        status = 429 if isinstance(error, signin.TooManyAttempts) else 400
        page = await render(request, "login.html", status, error=str(error), name=name, next=target)
        return with_retry_after(page, error)
    await sign_in_as(request, user)
    return done(request, target, _("You are signed in."))


async def logout(request: Request) -> Response:
    try:
        form = await checked_form(request)
    except FormRefused as error:
        return await refused(request, str(error), 403)
    everywhere = form.get("everywhere") == "1"
    await sign_out(request, everywhere=everywhere)
    ended = _("You are signed out everywhere.") if everywhere else _("You are signed out.")
    return done(request, "/", ended)


async def register_page(request: Request) -> Response:
    settings = await node_service.settings(request.app.state.pool)
    return await render(
        request,
        "register.html",
        mode=settings.registrations,
        name="",
        invitation=request.query_params.get("invitation", ""),
        email="",
        email_required=await mail_addresses.is_required(request.app.state.pool),
        contact=request.app.state.config.contact_address,
    )


async def register(request: Request) -> Response:
    try:
        form = await checked_form(request)
    except FormRefused as error:
        return await refused(request, str(error), 403)
    name = str(form.get("name", "")).strip()
    invitation = str(form.get("invitation", "")).strip() or None
    pool, config = request.app.state.pool, request.app.state.config
    settings = await node_service.settings(pool)
    email = str(form.get("email", "")).strip()
    try:
        await mail_addresses.address_free(pool, email)
        registered = await signin.register(
            pool, config, name, str(form.get("password", "")), invitation
        )
    except ServiceError as error:
        return await render(
            request,
            "register.html",
            400,
            error=str(error),
            mode=settings.registrations,
            name=name,
            invitation=invitation or "",
            email=email,
            email_required=await mail_addresses.is_required(pool),
            contact=config.contact_address,
        )
    if email:
        await mail_addresses.set_address(pool, config, registered.user, email)
    if registered.pending:
        return await render(
            request,
            "message.html",
            title=_("Registration received"),
            message=_("An administrator will look at it; you can sign in once it is approved."),
        )
    await sign_in_as(request, registered.user)
    # A newcomer lands among the communities they could join, not on an empty profile.
    return go("/welcome")


async def settings_page(
    request: Request,
    saved: str = "",
    error: str = "",
    invitation: str = "",
    status: int | None = None,
) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings")
    settings = await node_service.settings(request.app.state.pool)
    return await render(
        request,
        "settings.html",
        status or (400 if error else 200),
        user=current.user,
        bio=to_text(current.user.actor.summary),
        saved=saved,
        error=error,
        invitations=settings.registrations == "invitation",
        invitation=invitation,
        base=request.app.state.config.base_url,
        account_email=await mail_addresses.account_email(
            request.app.state.pool, current.user.actor.id
        ),
        # The language section (web.language_setting): the choices, and the member's own.
        languages=LANGUAGES,
        chosen_language=await member_language.chosen(request.app.state.pool, current.user.actor.id),
    )


async def invite(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings")
    try:
        await checked_form(request)
    except FormRefused as error:
        return await settings_page(request, error=str(error))
    code = await signin.invite(request.app.state.pool, current.user)
    return await settings_page(request, saved=_("A new invitation is ready."), invitation=code)


async def save_profile(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings")
    try:
        form = await checked_form(request)
        await profiles.update(
            request.app.state.pool,
            request.app.state.config,
            current.user,
            display_name=str(form.get("display_name", "")),
            bio_html=markdown.render(str(form.get("bio", ""))),
            organisation=str(form.get("organisation", "")),
            sector=str(form.get("sector", "")),
            job_role=str(form.get("job_role", "")),
            expertise=str(form.get("expertise", "")),
            # a checkbox: sent only when ticked
            discoverable=form.get("discoverable") == "on",
        )
    except (FormRefused, ServiceError) as error:
        return await settings_page(request, error=str(error))
    request.state.viewer = None  # read the profile afresh
    return await settings_page(request, saved=_("Your profile is saved."))


async def change_password(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings")
    try:
        form = await checked_form(request)
        await signin.change_password(
            request.app.state.pool,
            current.user,
            str(form.get("current", "")),
            str(form.get("new", "")),
            _address(request),
        )
    except (FormRefused, ServiceError) as error:
        status = 429 if isinstance(error, signin.TooManyAttempts) else None
        page = await settings_page(request, error=str(error), status=status)
        return with_retry_after(page, error)
    # Every session of this account ended; this browser signs in again at once.
    refreshed = await signin.signed_in_after_password_change(request.app.state.pool, current.user)
    if refreshed is not None:
        await sign_in_as(request, refreshed)
    return await settings_page(request, saved=_("Your password is changed."))


routes = [
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", logout, methods=["POST"]),
    Route("/register", register_page, methods=["GET"]),
    Route("/register", register, methods=["POST"]),
    Route("/settings", settings_page, methods=["GET"]),
    Route("/settings/profile", save_profile, methods=["POST"]),
    Route("/settings/password", change_password, methods=["POST"]),
    Route("/settings/invite", invite, methods=["POST"]),
]
