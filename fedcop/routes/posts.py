"""GET /p/{id} (a post: JSON for ActivityPub, a page for browsers) and /p/{id}/replies."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.documents.actors import ordered_collection
from fedcop.i18n.current import _
from fedcop.routes.authorized_fetch import members_only_refusal, refusal
from fedcop.routes.direct_fetch import participant_refusal
from fedcop.routes.responses import activity_json, json_error, wants_activity_json
from fedcop.services import person_replies, post_delivery, reading
from fedcop.services.messages import reading as messages_reading
from fedcop.web import pages
from fedcop.web.messages import pages as messages_pages


async def post(request: Request) -> Response:
    config = request.app.state.config
    found = await reading.local_post(request.app.state.pool, config, request.path_params["id"])
    if found is None or found.post.removed_at is not None:
        if wants_activity_json(request):
            return json_error(_("there is no such post on this node"), 404)
        return await pages.not_found(request, _("There is no such post on this node."))
    if found.community is None:
        return await _outside_communities(request, found)
    private = found.post.visibility == "followers"
    if private and not wants_activity_json(request):
        # Readable in the browser once people sign in here; until then, members read it on
        # their own servers.
        return await pages.not_found(request, _("There is no such post on this node."))
    if wants_activity_json(request):
        refused = await (
            members_only_refusal(request, found.community.id) if private else refusal(request)
        )
        if refused is not None:
            return refused
        status = 410 if found.post.deleted_at is not None else 200
        document = await post_delivery.served(
            request.app.state.pool, config, found.post, found.author, found.community
        )
        return activity_json(document, status)
    return await pages.post_page(request, found)


async def _outside_communities(request: Request, found: reading.PostView) -> Response:
    """A reply written here to a followed person's post (services.person_replies): public or
    unlisted, so served as any public post is. A direct message: to its participants only."""
    if found.post.visibility == "direct":
        return await _direct(request, found)
    if found.post.visibility not in ("public", "unlisted"):
        return json_error(_("there is no such post on this node"), 404)
    if not wants_activity_json(request):
        return await pages.post_page(request, found)
    refused = await refusal(request)
    if refused is not None:
        return refused
    config = request.app.state.config
    document = await person_replies.document(
        request.app.state.pool, config, found.post, found.author
    )
    if document is None:
        return json_error(_("there is no such post on this node"), 404)
    return activity_json(document, 410 if found.post.deleted_at is not None else 200)


async def _direct(request: Request, found: reading.PostView) -> Response:
    """A direct message: its Note for a signed GET by a participant; in a browser, the
    conversation it belongs to for a participant signed in here; 404 for anyone else."""
    if not wants_activity_json(request):
        return await messages_pages.message_redirect(request, found.post)
    refused = await participant_refusal(request, found.post.id)
    if refused is not None:
        return refused
    document = await messages_reading.document(
        request.app.state.pool, request.app.state.config, found.post
    )
    return activity_json(document, 410 if found.post.deleted_at is not None else 200)


async def replies(request: Request) -> Response:
    config = request.app.state.config
    found = await reading.local_post(request.app.state.pool, config, request.path_params["id"])
    if found is None or found.community is None:
        # (a post outside communities has no replies collection; a direct message never does)
        return json_error(_("there is no such post on this node"), 404)
    if found.post.visibility == "followers":
        refused = await members_only_refusal(request, found.community.id)
    else:
        refused = await refusal(request)
    if refused is not None:
        return refused
    uris = await reading.reply_uris(request.app.state.pool, found.post.id)
    return activity_json(ordered_collection(f"{found.post.uri}/replies", uris))


routes = [
    Route("/p/{id:id}", post),
    Route("/p/{id:id}/replies", replies),
]
