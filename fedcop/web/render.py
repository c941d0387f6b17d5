"""Rendering pages: Jinja2 (autoescaped), with the viewer and its CSRF token in every page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from fedcop import shown
from fedcop.config import Config
from fedcop.i18n import current as i18n
from fedcop.i18n.current import _
from fedcop.media.licences import LICENCES
from fedcop.services import lifecycle, notifications
from fedcop.services import node as node_service
from fedcop.services.notifications import HEADER_CAP
from fedcop.services.signin_throttle import TooManyAttempts
from fedcop.web import addresses, notices, post_links
from fedcop.web.media.attachment_views import attachment_views
from fedcop.web.session import Viewer, viewer

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"

_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "xml"]),
    enable_async=False,
    extensions=["jinja2.ext.i18n"],
)
# Every sentence of the interface goes through `{{ _("...") }}` or `{% trans %}` (fedcop.i18n):
# new-style gettext escapes the translation and fills its named placeholders after escaping
# their values, so a translator's text never opens a hole for markup.
_env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.gettext, i18n.ngettext, newstyle=True
)
_env.policies["ext.i18n.trimmed"] = True  # {% trans %} blocks keep no layout whitespace
_env.filters["written_date"] = i18n.written_date
_env.filters["written_datetime"] = i18n.written_datetime
_env.filters["written_number"] = i18n.written_number
_env.filters["written_size"] = i18n.written_size
_env.filters["written_percent"] = i18n.written_percent
_env.filters["language_name"] = i18n.language_name
# fedcop.shown, the one policy for what came from elsewhere: `profile_html(actor) | safe` for a
# profile's text, `| link` on every href or src built from a URL that is not this node's.
_env.globals["profile_html"] = shown.profile_html
_env.globals["field_html"] = shown.field_html
_env.globals["licences"] = LICENCES  # the file composers' choices (fedcop/media/licences.py)
_env.globals["stage_name"] = lifecycle.stage_name  # a lifecycle stage in the reader's words
_env.filters["link"] = shown.link
_env.globals["safe_url"] = shown.safe_url
_env.globals["attachment_views"] = attachment_views
# A post's HTML with its hashtags and mentions linked to pages here (web.post_links).
_env.filters["post_html"] = pass_context(
    lambda context, content: post_links.post_html(content, context["domain"])
)
# Every link to a thread carries its slug (web.addresses): `post | thread_path`.
_env.filters["thread_path"] = addresses.thread_path
_env.filters["post_path"] = addresses.post_path


async def render(
    request: Request, template: str, status_code: int = 200, **context: Any
) -> Response:
    config: Config = request.app.state.config
    settings = await node_service.settings(request.app.state.pool)
    current = await viewer(request)
    context.setdefault("notice", notices.pending(request))
    html = _env.get_template(template).render(
        node_name=node_service.title(settings, config),
        organisation=settings.organisation,
        domain=config.domain,
        viewer=current,
        # The header's Register link: only where someone could register (services.signin);
        # on a node that registers by invitation, it says a code is needed.
        registration_mode=settings.registrations,
        # An administrator is asked to finish the guided setup (services.node_setup).
        setup_pending=bool(current.user and current.user.is_admin)
        and settings.setup_step != "done",
        unread_notifications=await _unread(request, current),
        upload_slots=config.media.max_attachments,
        # The page's language (web.language), for <html lang>; each post keeps its own.
        page_language=i18n.language(),
        **context,
    )
    response = HTMLResponse(
        html, status_code=status_code, headers={"Vary": "Accept, Accept-Language, Cookie"}
    )
    notices.forget(request, response)
    return response


async def _unread(request: Request, current: Viewer) -> str:
    """The header's count of unread notifications ("" for none or nobody signed in)."""
    if current.user is None:
        return ""
    count = await notifications.header_count(request.app.state.pool, current.user.actor.id)
    return "" if count == 0 else (f"{HEADER_CAP}+" if count > HEADER_CAP else str(count))


async def not_found(request: Request, message: str) -> Response:
    return await render(request, "error.html", 404, title=_("Not found"), message=message)


async def refused(request: Request, message: str, status_code: int = 400) -> Response:
    return await render(
        request, "error.html", status_code, title=_("That did not work"), message=message
    )


def with_retry_after(response: Response, error: Exception) -> Response:
    """`response`, saying when to try again if `error` is the sign-in throttle's wait."""
    if isinstance(error, TooManyAttempts):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def go(path: str) -> Response:
    """After a form: see the result (303, so a reload does not post again)."""
    return RedirectResponse(path, status_code=303)


def render_xml(template: str, **context: Any) -> str:
    return _env.get_template(template).render(**context)
