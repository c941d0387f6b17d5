"""Pages of communities elsewhere, as their copies here show them to the people who edit them
(services.knowledge.remote_edits): the state of their latest edit on the page, and putting an
answered one away. Their edits are sent from the ordinary edit form (web.knowledge.actions)."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services.errors import NotFound
from fedcop.services.knowledge import remote_edits
from fedcop.services.knowledge.diff import line_diff
from fedcop.services.knowledge.pages import PageView
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.notices import done
from fedcop.web.render import not_found


async def edit_state(pool: Any, shown: PageView, reader: int | None) -> dict[str, Any]:
    """What the page template needs to show the reader their latest edit of a page elsewhere:
    `remote_edit` (None when there is none), and for a conflict the diff from the current text
    to theirs."""
    if shown.community.is_local:
        return {"remote_edit": None}
    state = await remote_edits.latest(pool, shown.page.id, reader)
    if state is None:
        return {"remote_edit": None}
    diff = None
    if state.conflicted:
        diff = line_diff(state.edit.current_markdown or "", state.edit.markdown)
    return {"remote_edit": state, "remote_edit_diff": diff}


async def dismiss(request: Request, user: User, form: FormData) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    try:
        await remote_edits.dismiss(
            request.app.state.pool, community=name, slug=slug, by=user.actor.username
        )
    except NotFound as error:
        return await not_found(request, str(error))
    return done(request, f"/c/{name}/kb/{slug}", _("Your edit is dismissed."))


routes = [
    Route("/c/{name}/kb/{slug}/edit/dismiss", signed_in_action(dismiss), methods=["POST"]),
]
