"""POST /settings/language: the language of a member's pages (a section of /settings).

An empty choice leaves it to their browser (Accept-Language), as for a visitor.
"""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n import current
from fedcop.i18n.current import _
from fedcop.i18n.languages import negotiate
from fedcop.services import member_language
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.notices import done


async def save_language(request: Request, user: User, form: FormData) -> Response:
    chosen = str(form.get("language", ""))
    await member_language.choose(request.app.state.pool, user.actor.id, chosen)
    # The notice is read on the next page: in the language just chosen.
    current.use(negotiate(request.headers.get("accept-language"), chosen or None))
    if chosen:
        return done(request, "/settings", _("Your pages are now in this language."))
    return done(request, "/settings", _("Your pages now follow your browser's language."))


routes = [Route("/settings/language", signed_in_action(save_language), methods=["POST"])]
