"""/c/NAME/resources and /c/NAME@DOMAIN/resources: the community's library
(services/media_library.py), filtered by kind, tag and licence, searched by words."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.i18n.current import N_, _, written_size
from fedcop.media.licences import LICENCES
from fedcop.services.errors import NotFound
from fedcop.services.media import library as media_library
from fedcop.web.render import not_found, render
from fedcop.web.session import viewer

# Each kind of file as the filter and the list name it (shown through _()).
KIND_NAMES = {
    "image": N_("Picture"),
    "document": N_("Document"),
    "video": N_("Video"),
    "audio": N_("Sound"),
}


async def resources(request: Request) -> Response:
    params = request.query_params
    filters = media_library.clean_filters(
        params.get("kind"), params.get("tag"), params.get("licence"), params.get("q")
    )
    current = await viewer(request)
    try:
        view = await media_library.library_page(
            request.app.state.pool,
            request.app.state.config,
            request.path_params["handle"],
            current.user.actor.id if current.user else None,
            filters=filters,
            after=params.get("after"),
        )
    except NotFound:
        return await not_found(request, _("There is no such community here."))
    # what the page's links keep: the filters as the reader set them
    query_args = {
        name: value
        for name, value in (
            ("q", view.query),
            ("kind", filters.kind),
            ("tag", filters.tag),
            ("licence", filters.licence),
        )
        if value
    }
    return await render(
        request,
        "library/resources.html",
        view=view,
        community=view.community,
        kinds=media_library.KINDS,
        kind_names=KIND_NAMES,
        licences=LICENCES,
        written_size=written_size,
        query_args=query_args,
    )


routes: list[BaseRoute] = [Route("/c/{handle}/resources", resources, methods=["GET"])]
