"""The List-Unsubscribe URL: a confirm page (GET) and the one-click POST (RFC 8058).

The POST needs no sign-in and no CSRF token: the signed token in the URL is the authority, and
mail providers (Gmail, Yahoo...) send the POST themselves, with no cookie.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from fedcop.services.errors import NotFound
from fedcop.services.mail import unsubscribe as unsubscribe_service
from fedcop.web.render import not_found, render

ONE_CLICK = "One-Click"
MAX_BODY_BYTES = 4096


async def confirm_page(request: Request) -> Response:
    token = request.path_params["token"]
    try:
        found = await unsubscribe_service.read(request.app.state.pool, token)
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(request, "mail/unsubscribe.html", found=found, token=token, done=False)


async def one_click(request: Request) -> Response:
    token = request.path_params["token"]
    body = await request.body()
    if len(body) > MAX_BODY_BYTES:
        return PlainTextResponse("the request body is too large", status_code=413)
    form = await request.form()
    if form.get("List-Unsubscribe") != ONE_CLICK:
        return PlainTextResponse(
            "send List-Unsubscribe=One-Click in the body to unsubscribe (RFC 8058)",
            status_code=400,
        )
    try:
        found = await unsubscribe_service.unsubscribe(request.app.state.pool, token)
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(request, "mail/unsubscribe.html", found=found, token=token, done=True)


routes = [
    Route("/mail/unsubscribe/{token}", confirm_page, methods=["GET"]),
    Route("/mail/unsubscribe/{token}", one_click, methods=["POST"]),
]
