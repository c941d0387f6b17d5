"""A knowledge-base page's ActivityPub addresses (documents.knowledge): JSON for ActivityPub
clients; browsers get the page's web views (web.knowledge).

GET /c/{name}/kb                                 OrderedCollection of its pages' ids
GET /c/{name}/kb/{slug}                          the Article
GET /c/{name}/kb/{slug}/history                  OrderedCollection of its versions
GET /c/{name}/kb/{slug}/history?page=true[&max_version=N]   a page of it, newest first
GET /c/{name}/kb/{slug}/history/{n}              version n
GET /c/{name}/kb/{slug}/history/{n}/notice       version n as the Note microblog servers got

A members-only community's pages are served to signed requests from its members' servers
only, as its threads are (routes.authorized_fetch.members_only_refusal).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from fedcop.documents import knowledge as wire
from fedcop.i18n.current import N_, _
from fedcop.routes.authorized_fetch import members_only_refusal, refusal
from fedcop.routes.responses import activity_json, json_error, wants_activity_json
from fedcop.services.knowledge import served as serving
from fedcop.web import pages

Endpoint = Callable[[Request], Awaitable[Response]]
_NO_PAGE = N_("there is no such page in this knowledge base")


async def _served(request: Request) -> serving.ServedPage | Response:
    """The page, if this request may read it; else the 404/401/403 to send."""
    name, slug = request.path_params["name"], request.path_params["slug"]
    served = await serving.served_page(request.app.state.pool, name, slug)
    if served is None:
        return json_error(_(_NO_PAGE), 404)
    if served.community.members_only:
        refused = await members_only_refusal(request, served.community.id)
    else:
        refused = await refusal(request)
    return refused if refused is not None else served


async def _browser_view(request: Request, html_view: Endpoint | None) -> Response:
    if html_view is not None:
        return await html_view(request)
    name, slug = request.path_params["name"], request.path_params["slug"]
    if "number" in request.path_params:
        # A version, or its notice: shown to people as that old version.
        number = request.path_params["number"]
        return RedirectResponse(f"/c/{name}/kb/{slug}/v/{number}", status_code=303)
    return await pages.not_found(request, _("There is no such page in this knowledge base."))


def page_route(html_view: Endpoint | None) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if not wants_activity_json(request) or "@" in request.path_params["name"]:
            return await _browser_view(request, html_view)
        served = await _served(request)
        if isinstance(served, Response):
            return served
        return activity_json(wire.article(served.facts))

    return endpoint


def index_route(html_view: Endpoint) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["name"]
        if not wants_activity_json(request) or "@" in name:
            return await html_view(request)
        found = await serving.served_index(request.app.state.pool, name)
        if found is None:
            return json_error(f"there is no community named {name!r} on this node", 404)
        community, page_uris = found
        if community.members_only:
            refused = await members_only_refusal(request, community.id)
        else:
            refused = await refusal(request)
        if refused is not None:
            return refused
        return activity_json(wire.knowledge_base(community, page_uris))

    return endpoint


def history_route(html_view: Endpoint | None) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if not wants_activity_json(request) or "@" in request.path_params["name"]:
            return await _browser_view(request, html_view)
        served = await _served(request)
        if isinstance(served, Response):
            return served
        if "page" not in request.query_params:
            return activity_json(wire.history_collection(served.facts))
        raw = request.query_params.get("max_version", "")
        below = int(raw) if raw.isdigit() and len(raw) < 10 else None
        versions, more = await serving.served_versions(request.app.state.pool, served, below)
        return activity_json(wire.history_page(served.facts, versions, below, more))

    return endpoint


async def version(request: Request) -> Response:
    if not wants_activity_json(request):
        return await _browser_view(request, None)
    served = await _served(request)
    if isinstance(served, Response):
        return served
    number = request.path_params["number"]
    found = await serving.served_version(request.app.state.pool, served, number)
    if found is None:
        return json_error(f"this page has no version {number}", 404)
    document = wire.version_item(served.facts, found)
    return activity_json({"@context": wire.KNOWLEDGE_CONTEXT, **document})


async def notice(request: Request) -> Response:
    if not wants_activity_json(request):
        return await _browser_view(request, None)
    served = await _served(request)
    if isinstance(served, Response):
        return served
    number = request.path_params["number"]
    found = await serving.served_version(request.app.state.pool, served, number)
    if found is None:
        return json_error(f"this page has no version {number}", 404)
    community = served.community
    return activity_json(
        wire.notice(served.facts, found, community.display_name or community.username)
    )


def with_activity_json(web_routes: Sequence[BaseRoute]) -> list[BaseRoute]:
    """The knowledge base's web routes (web.knowledge), the page's and its history's GET
    answering ActivityPub clients with JSON: one address for both, as for posts."""
    negotiated = {
        "/c/{name}/kb": index_route,
        "/c/{name}/kb/{slug}": page_route,
        "/c/{name}/kb/{slug}/history": history_route,
    }
    routes: list[BaseRoute] = []
    for route in web_routes:
        if isinstance(route, Route) and route.path in negotiated and "GET" in (route.methods or ()):
            route = Route(route.path, negotiated[route.path](route.endpoint), methods=["GET"])
        routes.append(route)
    return routes


# A version and its notice: addresses of their own (no web route shares them).
routes = [
    Route("/c/{name}/kb/{slug}/history/{number:id}", version),
    Route("/c/{name}/kb/{slug}/history/{number:id}/notice", notice),
]
