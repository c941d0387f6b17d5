"""The summary page of a thread (/t/{id}/summary): a facilitator writes or edits the thread's
summary in Markdown. The thread's replies are listed under the text, each with a box to tick:
"Insert links" puts links to the ticked replies at the end of the text and shows the form
again (no script needed); "Publish" sends the summary (services.summaries)."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import summaries
from fedcop.services.errors import NotFound
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.notices import done
from fedcop.web.render import go, not_found, refused, render
from fedcop.web.session import viewer

# At most this many replies are linked in one go.
MAX_PICKED = 50


async def summary_page(request: Request) -> Response:
    current = await viewer(request)
    thread_id = request.path_params["id"]
    if current.user is None:
        return go(f"/login?next=/t/{thread_id}/summary")
    return await _form(request, current.user, thread_id, None)


async def summary_action(request: Request, user: User, form: FormData) -> Response:
    thread_id = request.path_params["id"]
    text = str(form.get("content", ""))
    if form.get("action") == "insert":
        chosen = [str(value) for value in form.getlist("reply")]
        ids = [int(value) for value in chosen if value.isdigit() and len(value) < 19]
        picked = await summaries.picked(request.app.state.pool, thread_id, ids[:MAX_PICKED])
        return await _form(request, user, thread_id, summaries.with_links(text, picked))
    await summaries.publish(
        request.app.state.pool, request.app.state.config, request.app.state.network,
        user=user, thread_id=thread_id, content=text,
    )  # fmt: skip
    return done(request, f"/t/{thread_id}#summary-heading", _("The summary is published."))


async def _form(request: Request, user: User, thread_id: int, text: str | None) -> Response:
    try:
        desk = await summaries.desk(request.app.state.pool, user=user, thread_id=thread_id)
    except summaries.NotAllowed as error:
        return await refused(request, str(error), 403)
    except NotFound as error:
        return await not_found(request, str(error))
    shown = desk.text if text is None else text
    return await render(request, "summary.html", desk=desk, text=shown)


routes = [
    Route("/t/{id:id}/summary", summary_page, methods=["GET"]),
    Route("/t/{id:id}/summary", signed_in_action(summary_action), methods=["POST"]),
]
