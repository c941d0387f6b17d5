"""The page where a person lets an app act for them (OAuth 2 authorization code, RFC 6749 §4.1).

GET /oauth/authorize?client_id&redirect_uri&response_type=code&scope&state&code_challenge...
  -> request checked (unknown app, unregistered redirect URI...: an error page, 400; nothing
     is ever sent to a URI the app did not register)
  -> signed in here: consent (app, scopes, Authorize / Deny)
     not signed in, or force_login: the same page also asks for name and password
POST /oauth/authorize (CSRF-checked form)
  -> Deny: redirect_uri?error=access_denied&state=...
  -> Authorize: a code -> 303 to redirect_uri?code=...&state=...
     or, for urn:ietf:wg:oauth:2.0:oob, a page showing <code id="authorization-code">

Pages may post forms only to this site (`form-action 'self'`), and browsers apply that to the
redirect that follows a post, so this page's policy also allows the app's redirect target.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from starlette.datastructures import FormData, QueryParams
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fedcop.i18n.current import N_, _
from fedcop.services import oauth, signin
from fedcop.services.errors import ServiceError
from fedcop.store.users import User
from fedcop.web.headers import CONTENT_SECURITY_POLICY
from fedcop.web.render import refused, render, with_retry_after
from fedcop.web.session import FormRefused, checked_form, sign_in_as, viewer

# What each scope lets an app do, in the words shown on the consent page.
_SCOPE_WORDS = {
    "read": N_("read your account, posts, follows and notifications"),
    "write": N_("post, reply, favourite, boost and change your account for you"),
    "follow": N_("follow, unfollow, block and mute for you"),
    "push": N_("receive push notifications"),
    "profile": N_("see your profile"),
    "admin:read": N_("read this node's moderation data"),
    "admin:write": N_("moderate this node for you"),
}
_HOST = re.compile(r"[a-z0-9.-]+")
_FALSE = frozenset({"", "0", "f", "false", "off", "no", "none"})


def _scope_words(scopes: list[str]) -> list[str]:
    return [
        _(_SCOPE_WORDS[scope]) if scope in _SCOPE_WORDS else scope.replace(":", ": ")
        for scope in scopes
    ]


def _form_action_source(redirect_uri: str) -> str | None:
    """The CSP source that lets the browser follow our redirect to the app: its origin for
    http(s), its scheme for an app's own scheme (com.example.app:)."""
    if redirect_uri == oauth.OOB:
        return None
    parts = urlsplit(redirect_uri)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        try:
            port = parts.port
        except ValueError:
            port = None
        if _HOST.fullmatch(host):
            return f"{parts.scheme}://{host}" + (f":{port}" if port else "")
    return f"{parts.scheme}:"


def _with_form_action(response: Response, redirect_uri: str) -> Response:
    source = _form_action_source(redirect_uri)
    if source is not None:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {source}"
        )
    return response


async def _request_of(request: Request, values: QueryParams | FormData) -> oauth.Authorization:
    def get(name: str) -> str | None:
        value = values.get(name)
        return value if isinstance(value, str) else None

    return await oauth.authorization(
        request.app.state.pool,
        client_id=get("client_id"),
        redirect_uri=get("redirect_uri"),
        response_type=get("response_type") or "code",
        scope=get("scope"),
        state=get("state"),
        code_challenge=get("code_challenge"),
        code_challenge_method=get("code_challenge_method"),
    )


async def _page(
    request: Request,
    asked: oauth.Authorization,
    *,
    ask_password: bool,
    status: int = 200,
    error: str = "",
    name: str = "",
) -> Response:
    response = await render(
        request,
        "authorize.html",
        status,
        mode="consent",
        app=asked.app,
        scopes=" ".join(asked.scopes),
        scope_words=_scope_words(asked.scopes),
        redirect_uri=asked.redirect_uri,
        state=asked.state,
        code_challenge=asked.code_challenge,
        ask_password=ask_password,
        error=error,
        name=name,
    )
    return _with_form_action(response, asked.redirect_uri)


async def authorize_page(request: Request) -> Response:
    try:
        asked = await _request_of(request, request.query_params)
    except oauth.OAuthError as error:
        return await refused(request, error.description, 400)
    force_login = request.query_params.get("force_login", "").strip().lower() not in _FALSE
    current = await viewer(request)
    return await _page(request, asked, ask_password=current.user is None or force_login)


async def _answer(request: Request, asked: oauth.Authorization, **answer: str) -> Response:
    """Send the outcome to the app: a redirect, or a page to copy the code from (oob)."""
    if asked.redirect_uri == oauth.OOB:
        return await render(
            request,
            "authorize.html",
            200 if "code" in answer else 403,
            mode="code" if "code" in answer else "denied",
            app=asked.app,
            code=answer.get("code", ""),
        )
    if asked.state is not None:
        answer["state"] = asked.state
    separator = "&" if urlsplit(asked.redirect_uri).query else "?"
    if asked.redirect_uri.endswith(("?", "&")):
        separator = ""
    return RedirectResponse(asked.redirect_uri + separator + urlencode(answer), status_code=303)


async def authorize(request: Request) -> Response:
    try:
        form = await checked_form(request)
    except FormRefused as error:
        return await refused(request, str(error), 403)
    try:
        asked = await _request_of(request, form)
    except oauth.OAuthError as error:
        return await refused(request, error.description, 400)
    if form.get("decision") == "deny":
        return await _answer(
            request,
            asked,
            error="access_denied",
            error_description="the person did not let the app in",
        )
    user: User | None = (await viewer(request)).user
    if form.get("login") == "1" or user is None:
        name = str(form.get("name", "")).strip()
        address = request.client.host if request.client else "unknown"
        try:
            user = await signin.sign_in(
                request.app.state.pool, name, str(form.get("password", "")), address
            )
        except ServiceError as error:
            status = 429 if isinstance(error, signin.TooManyAttempts) else 400
            page = await _page(
                request, asked, ask_password=True, status=status, error=str(error), name=name
            )
            return with_retry_after(page, error)
        await sign_in_as(request, user)
    code = await oauth.create_code(request.app.state.pool, asked, user)
    return await _answer(request, asked, code=code)


routes: list[BaseRoute] = [
    Route("/oauth/authorize", authorize_page, methods=["GET"]),
    Route("/oauth/authorize", authorize, methods=["POST"]),
]
