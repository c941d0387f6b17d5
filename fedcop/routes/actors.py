"""Actor documents and their collections, for ActivityPub clients and for browsers.

GET /actor                    the instance actor (always unsigned-fetchable)
GET /u/{name}  /c/{name}      a user or a community: JSON for ActivityPub, HTML for browsers
GET /u/{name}/{collection}    outbox, followers, following, featured, featured_tags
GET /c/{name}/{collection}    the same plus moderators
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.documents.actors import (
    actor_document,
    counted_collection,
    featured_tags_collection,
    moderators_collection,
    ordered_collection,
)
from fedcop.i18n.current import _
from fedcop.routes import collections
from fedcop.routes.authorized_fetch import refusal
from fedcop.routes.responses import activity_json, json_error, wants_activity_json
from fedcop.services import avatars, profile_pins, tags
from fedcop.services import node as node_service
from fedcop.services.account_data import deletion as account_deletion
from fedcop.services.account_data import moving
from fedcop.store.actors import LocalActor
from fedcop.urls import Urls
from fedcop.web import pages
from fedcop.web.render import render

Endpoint = Callable[[Request], Awaitable[Response]]

_COLLECTIONS = {
    "Person": ("outbox", "followers", "following", "featured", "featured_tags"),
    "Group": ("outbox", "followers", "following", "featured", "moderators"),
}


async def instance_actor(request: Request) -> Response:
    local = await node_service.instance_actor(request.app.state.pool)
    return activity_json(actor_document(local, Urls(request.app.state.config)))


async def _local_or_404(request: Request, actor_type: str) -> LocalActor | Response:
    name = request.path_params["name"]
    local = await node_service.find_local_of_type(request.app.state.pool, name, actor_type)
    if local is not None:
        return local
    if actor_type == "Group":
        message = _("there is no community named '%(name)s' on this node", name=name)
    else:
        message = _("there is no user named '%(name)s' on this node", name=name)
    if wants_activity_json(request):
        return json_error(message, 404)
    return await pages.not_found(request, message)


async def _gone(request: Request) -> Response:
    """A deleted account: gone for good (410), as Mastodon answers; its name stays taken."""
    if wants_activity_json(request):
        return json_error(_("this account is deleted"), 410)
    return await render(
        request, "error.html", 410, title=_("Gone"), message=_("This account is deleted.")
    )


def _actor_route(actor_type: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        if "@" in request.path_params["name"]:
            # /c/name@domain, /u/name@domain: a community or a person on another node, as
            # this node knows them
            request.path_params["handle"] = request.path_params["name"]
            if actor_type == "Group":
                return await pages.remote_community_page(request)
            return await pages.remote_profile_page(request)
        local = await _local_or_404(request, actor_type)
        if isinstance(local, Response):
            return local
        if actor_type == "Person" and await account_deletion.is_deleted(
            request.app.state.pool, local.actor.id
        ):
            return await _gone(request)
        if wants_activity_json(request):
            refused = await refusal(request)
            if refused is not None:
                return refused
            config = request.app.state.config
            async with request.app.state.pool.acquire() as conn:
                icon = await avatars.icon(conn, config, local.actor.id)
            document = actor_document(local, Urls(config), icon)
            if actor_type == "Person":
                document.update(await moving.wire_fields(request.app.state.pool, local.actor.id))
            return activity_json(document)
        return await pages.actor_page(request, local)

    return endpoint


def _collection_route(actor_type: str) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        name = request.path_params["collection"]
        if name not in _COLLECTIONS[actor_type]:
            return json_error(f"no collection {name!r} here", 404)
        local = await _local_or_404(request, actor_type)
        if isinstance(local, Response):
            return local
        refused = await refusal(request)
        if refused is not None:
            return refused
        urls = Urls(request.app.state.config)
        actor = local.actor
        collection_id = urls.collection(actor.uri, name)
        if name == "moderators":
            facilitators = await node_service.facilitators(request.app.state.pool, actor.id)
            return activity_json(moderators_collection(actor, facilitators, urls))
        if name == "followers":
            # Who belongs to a community is its members' business: the count is public, the
            # pages are for servers that have a member.
            return await collections.followers(request, actor)
        if name == "outbox":
            return await collections.outbox(request, actor)
        if name == "following":
            _, following = await node_service.follow_counts(request.app.state.pool, actor.id)
            return activity_json(counted_collection(collection_id, following))
        if name == "featured_tags":
            featured = await tags.featured_of(request.app.state.pool, actor.id)
            return activity_json(
                featured_tags_collection(
                    collection_id, [one.name for one in featured], urls.tag_page
                )
            )
        # featured: a community's pinned threads, or the posts a person pinned on their profile
        if actor_type == "Person":
            pinned = await profile_pins.pinned_uris(request.app.state.pool, actor.id)
        else:
            pinned = await node_service.pinned(request.app.state.pool, actor.id)
        return activity_json(ordered_collection(collection_id, pinned))

    return endpoint


routes = [
    Route("/actor", instance_actor),
    Route("/u/{name}", _actor_route("Person")),
    Route("/c/{name}", _actor_route("Group")),
    Route("/u/{name}/{collection}", _collection_route("Person")),
    Route("/c/{name}/{collection}", _collection_route("Group")),
]
