"""Following a person on another server from their page here (/u/NAME@HOST): Follow and
Unfollow buttons, the same services the client API's follow and unfollow call. Their public
posts then come to this node (services.followed_posts) and into the follower's home."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import browsing, follows
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.notices import done
from fedcop.web.render import not_found


async def _person_uri(request: Request) -> str | None:
    name, _at, domain = str(request.path_params["handle"]).partition("@")
    if not domain:
        return None  # people here are followed by joining their communities
    return await browsing.remote_person_uri(request.app.state.pool, name, domain)


async def follow(request: Request, user: User, form: FormData) -> Response:
    uri = await _person_uri(request)
    if uri is None:
        return await not_found(request, _("This node does not know this person: search for them."))
    await follows.follow_remote(
        request.app.state.pool, request.app.state.config, request.app.state.network,
        user.actor.username, uri,
    )  # fmt: skip
    return done(
        request,
        f"/u/{request.path_params['handle']}",
        _("You follow them now (or asked to, if they approve each follower)."),
    )


async def unfollow(request: Request, user: User, form: FormData) -> Response:
    uri = await _person_uri(request)
    if uri is None:
        return await not_found(request, _("This node does not know this person: search for them."))
    await follows.unfollow_remote(
        request.app.state.pool, request.app.state.config, user.actor.username, uri
    )
    return done(request, f"/u/{request.path_params['handle']}", _("You no longer follow them."))


routes = [
    Route("/u/{handle}/follow", signed_in_action(follow), methods=["POST"]),
    Route("/u/{handle}/unfollow", signed_in_action(unfollow), methods=["POST"]),
]
