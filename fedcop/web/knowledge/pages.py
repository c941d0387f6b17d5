"""The knowledge base's pages people read: the index, a page, its history, a diff, an old
version, and the forms to write and edit (their POSTs are in actions.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from fedcop.i18n.current import _
from fedcop.services.errors import NotFound, ServiceError
from fedcop.services.knowledge import history, pages
from fedcop.web.knowledge import remote
from fedcop.web.render import go, not_found, render
from fedcop.web.session import viewer


async def _reader(request: Request) -> int | None:
    current = await viewer(request)
    return current.user.actor.id if current.user else None


async def index(request: Request) -> Response:
    name = request.path_params["name"]
    try:
        kb = await pages.index(
            request.app.state.pool, request.app.state.config, name, await _reader(request)
        )
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(request, "knowledge/index.html", kb=kb, community=kb.community)


async def page(request: Request) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    try:
        shown = await pages.view(
            request.app.state.pool, request.app.state.config, name, slug, await _reader(request)
        )
    except NotFound as error:
        return await not_found(request, str(error))
    # A page of a community elsewhere: the reader's edit sent to it, and its answer.
    edit_state = await remote.edit_state(request.app.state.pool, shown, await _reader(request))
    return await render(
        request,
        "knowledge/page.html",
        shown=shown,
        community=shown.community,
        kb_path=f"/c/{name}/kb",
        **edit_state,
    )


async def new_page(request: Request) -> Response:
    name = request.path_params["name"]
    current = await viewer(request)
    if current.user is None:
        return go(f"/login?next=/c/{name}/kb/new")
    try:
        kb = await pages.index(
            request.app.state.pool, request.app.state.config, name, current.user.actor.id
        )
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(
        request, "knowledge/edit.html", community=kb.community, kb_path=f"/c/{name}/kb",
        action=f"/c/{name}/kb/new", title="", markdown="", note="", base_version=None,
        may_edit=kb.may_edit, conflict=None, error=None,
    )  # fmt: skip


async def edit_page(request: Request) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    current = await viewer(request)
    if current.user is None:
        return go(f"/login?next=/c/{name}/kb/{slug}/edit")
    try:
        shown = await pages.view(
            request.app.state.pool, request.app.state.config, name, slug, current.user.actor.id
        )
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(
        request, "knowledge/edit.html", community=shown.community, kb_path=f"/c/{name}/kb",
        action=f"{shown.path}/edit", title=shown.current.title, markdown=shown.current.markdown,
        note="", base_version=shown.current.version, may_edit=shown.may_edit, conflict=None,
        error=None, shown=shown,
    )  # fmt: skip


async def history_page(request: Request) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    try:
        past = await history.history(
            request.app.state.pool, request.app.state.config, name, slug, await _reader(request)
        )
    except NotFound as error:
        return await not_found(request, str(error))
    return await render(
        request, "knowledge/history.html", past=past, community=past.community,
        kb_path=f"/c/{name}/kb",
    )  # fmt: skip


def _number(text: str | None) -> int | None:
    """A version number from the address (at most 9 digits: a version is a 32-bit integer)."""
    return int(text) if text and text.isdigit() and len(text) < 10 else None


async def diff_page(request: Request) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    old = _number(request.query_params.get("from"))
    new = _number(request.query_params.get("to"))
    if old is None or new is None:
        return await not_found(request, _("Choose two versions to compare: ?from=1&to=2"))
    try:
        compared = await history.compare(
            request.app.state.pool, request.app.state.config, name, slug,
            await _reader(request), old=old, new=new,
        )  # fmt: skip
    except ServiceError as error:
        return await not_found(request, str(error))
    return await render(
        request, "knowledge/diff.html", compared=compared, community=compared.community,
        kb_path=f"/c/{name}/kb",
    )  # fmt: skip


async def version_page(request: Request) -> Response:
    name, slug = request.path_params["name"], request.path_params["slug"]
    number = _number(request.path_params["version"])
    if number is None:
        return await not_found(request, _("There is no such version of this page."))
    reader = await _reader(request)
    try:
        old = await history.version(
            request.app.state.pool, request.app.state.config, name, slug, reader, number
        )
        shown = await pages.view(
            request.app.state.pool, request.app.state.config, name, slug, reader
        )
    except ServiceError as error:
        return await not_found(request, str(error))
    return await render(
        request, "knowledge/version.html", old=old, shown=shown, community=shown.community,
        kb_path=f"/c/{name}/kb",
    )  # fmt: skip
