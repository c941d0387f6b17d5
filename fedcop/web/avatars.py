"""Pictures beside names: /avatars/ACTOR_ID (services.avatars), a member's avatar on the
Settings page, and a community's icon on its Facilitate page."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import avatars, facilitation
from fedcop.services.errors import InvalidInput, NotFound
from fedcop.store.users import User
from fedcop.web.composer import signed_in_with_files
from fedcop.web.notices import done
from fedcop.web.render import not_found

# A generated picture never changes for a name; an uploaded one may, so its redirect is
# kept briefly.
GENERATED_MAX_AGE = 86400
UPLOADED_MAX_AGE = 300


async def picture(request: Request) -> Response:
    try:
        found = await avatars.picture(request.app.state.pool, request.path_params["id"])
    except NotFound:
        return await not_found(request, _("There is no such person or community here."))
    if found.path is not None:
        return RedirectResponse(
            found.path, 302, headers={"Cache-Control": f"public, max-age={UPLOADED_MAX_AGE}"}
        )
    return Response(
        found.svg,
        media_type="image/svg+xml",
        headers={
            "Cache-Control": f"public, max-age={GENERATED_MAX_AGE}",
            # An SVG opened on its own runs nothing and embeds nothing.
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _picture_file(form: FormData) -> UploadFile:
    file = form.get("picture")
    if not isinstance(file, UploadFile) or not file.filename:
        raise InvalidInput(_("choose a picture to upload"))
    return file


async def save_avatar(request: Request, user: User, form: FormData) -> Response:
    pool, config = request.app.state.pool, request.app.state.config
    if form.get("change") == "generated":
        await avatars.forget(pool, user.actor.id)
        notice = _("Your picture is now made from your name.")
    else:
        await avatars.choose(
            pool, config, request.app.state, actor_id=user.actor.id,
            uploader_id=user.actor.id, file=_picture_file(form),
        )  # fmt: skip
        notice = _("Your picture is saved.")
    await avatars.announce(pool, config, user.actor.id)
    return done(request, "/settings", notice)


async def save_icon(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    pool, config = request.app.state.pool, request.app.state.config
    desk = await facilitation.desk(pool, name, user)  # only its facilitators get a desk
    community_id = desk.community.actor.id
    if form.get("change") == "generated":
        await avatars.forget(pool, community_id)
        notice = _("The community's icon is now made from its name.")
    else:
        await avatars.choose(
            pool, config, request.app.state, actor_id=community_id,
            uploader_id=user.actor.id, file=_picture_file(form),
        )  # fmt: skip
        notice = _("The community's icon is saved.")
    await avatars.announce(pool, config, community_id)
    return done(request, f"/c/{name}/manage", notice)


routes = [
    Route("/avatars/{id:id}", picture, methods=["GET", "HEAD"]),
    Route("/settings/avatar", signed_in_with_files(save_avatar), methods=["POST"]),
    Route("/c/{name}/manage/icon", signed_in_with_files(save_icon), methods=["POST"]),
]
