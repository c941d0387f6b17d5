"""Importing a Mastodon follows CSV: the form on /settings/data posts here; the addresses are
queued (the inbox worker follows them) and /settings/data/import says what became of each."""

from __future__ import annotations

import hmac

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _, written_number
from fedcop.routes.upload_bodies import BodyTooLarge, counted_request
from fedcop.services.account_data import follow_imports, follows_csv
from fedcop.services.errors import ServiceError
from fedcop.web.render import go, refused, render
from fedcop.web.session import viewer

# The file and the form's few fields, with the multipart framing.
_MAX_BODY = follows_csv.MAX_BYTES + 16 * 1024


async def _bounded_body_form(request: Request) -> tuple[str, bytes] | None:
    """The form's CSRF token and file, reading at most _MAX_BODY bytes of the request
    (BodyTooLarge past it)."""
    form = await counted_request(request, _MAX_BODY, "").form(max_files=1, max_fields=10)
    csrf = form.get("csrf")
    upload = form.get("file")
    if not isinstance(csrf, str) or upload is None or isinstance(upload, str):
        return None
    return csrf, await upload.read(follows_csv.MAX_BYTES + 1)


async def import_follows(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/data")
    try:
        sent = await _bounded_body_form(request)
    except BodyTooLarge:
        return await refused(
            request,
            _(
                "the file is larger than %(kib)s KiB: split it",
                kib=written_number(follows_csv.MAX_BYTES // 1024),
            ),
            413,
        )
    except ValueError as error:  # not a form starlette can read
        return await refused(request, _("the form could not be read: %(error)s", error=error))
    if sent is None:
        return await refused(request, _("choose a CSV file to import"))
    csrf, data = sent
    if not hmac.compare_digest(csrf, current.csrf):
        return await refused(
            request,
            _(
                "This form has expired or did not come from this site: "
                "reload the page and try again."
            ),
            403,
        )
    try:
        queued = await follow_imports.queue(request.app.state.pool, current.user, data)
    except ServiceError as error:
        return await refused(request, str(error))
    return await _result_page(request, queued)


async def result_page(request: Request) -> Response:
    return await _result_page(request, None)


async def _result_page(request: Request, queued: follow_imports.Queued | None) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/data/import")
    result = await follow_imports.result(request.app.state.pool, current.user)
    return await render(request, "account_data/import_result.html", result=result, queued=queued)


routes = [
    Route("/settings/data/import", import_follows, methods=["POST"]),
    Route("/settings/data/import", result_page, methods=["GET"]),
]
