"""A community's facilitation page, /c/{name}/manage: join requests, reports, facilitators and
the community's settings."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.documents.lifecycle import STAGES
from fedcop.i18n.current import _
from fedcop.services import facilitation, follows, lifecycle, moderation, names, remote_actors
from fedcop.services.errors import ServiceError
from fedcop.services.knowledge import access as kb_access
from fedcop.services.messages import welcome
from fedcop.services.names import report_uris
from fedcop.store.users import User
from fedcop.web import confirmations
from fedcop.web.actions import signed_in_action
from fedcop.web.confirmations import confirmed
from fedcop.web.notices import done
from fedcop.web.render import go, not_found, refused, render
from fedcop.web.session import viewer
from federation.html import to_text


async def manage_page(request: Request) -> Response:
    current = await viewer(request)
    name = request.path_params["name"]
    if current.user is None:
        return go(f"/login?next=/c/{name}/manage")
    if "@" in name:
        return await remote_manage_page(request, current.user, name)
    try:
        desk = await facilitation.desk(request.app.state.pool, name, current.user)
    except ServiceError as error:
        return await not_found(request, str(error))
    return await render(
        request,
        "manage.html",
        desk=desk,
        community=desk.community.actor,
        purpose=to_text(desk.community.actor.summary),
        charter=to_text(desk.charter),
        stages=STAGES,
        kb_editors=await kb_access.editors_setting(request.app.state.pool, name),
        welcome_message=await welcome.current(request.app.state.pool, desk.community.actor.id),
        names=await names.lookup(request.app.state.pool, report_uris(desk.reports)),
    )


async def remote_manage_page(request: Request, user: User, handle: str) -> Response:
    """/c/{name}@{domain}/manage: a community elsewhere that this user facilitates. Each
    control sends a signed activity to the community, whose node decides and announces it."""
    try:
        desk = await facilitation.remote_desk(request.app.state.pool, handle, user)
    except ServiceError as error:
        return await not_found(request, str(error))
    return await render(
        request, "manage_remote.html", desk=desk, community=desk.community, stages=STAGES,
        names=await names.lookup(request.app.state.pool, report_uris(desk.reports)),
    )  # fmt: skip


async def save_settings(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    await facilitation.save_settings(
        request.app.state.pool, request.app.state.config, name, user,
        title=str(form.get("title", "")), purpose=str(form.get("purpose", "")),
        charter=str(form.get("charter", "")), approval=form.get("approval") == "on",
        restricted=form.get("restricted") == "on",
    )  # fmt: skip
    return done(request, f"/c/{name}/manage", _("The community's settings are saved."))


async def set_stage(request: Request, user: User, form: FormData) -> Response:
    """The community's lifecycle stage (services.lifecycle), chosen by a facilitator."""
    name = request.path_params["name"]
    if not await facilitation.may_facilitate(request.app.state.pool, name, user):
        return await refused(request, _("Only this community's facilitators can do that."), 403)
    await lifecycle.set_stage(
        request.app.state.pool, request.app.state.config, name, user, str(form.get("stage", ""))
    )
    return done(request, f"/c/{name}/manage", _("The community's stage is changed."))


async def decide_request(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    if not await facilitation.may_facilitate(request.app.state.pool, name, user):
        return await refused(request, _("Only this community's facilitators can do that."), 403)
    await follows.decide_request(
        request.app.state.pool, request.app.state.config, name, str(form.get("follower", "")),
        approve=form.get("decision") == "approve",
    )  # fmt: skip
    decided = (
        _("The request is approved: they are a member now.")
        if form.get("decision") == "approve"
        else _("The request is declined.")
    )
    return done(request, f"/c/{name}/manage", decided)


async def close_report(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    await facilitation.close_report(
        request.app.state.pool, name, user, request.path_params["report"]
    )
    return done(request, f"/c/{name}/manage", _("The report is closed."))


async def _person(request: Request, who: str) -> str | None:
    """The id of the person named in a form: a name here, @name@other.node, or a URL."""
    pool, network = request.app.state.pool, request.app.state.network
    person = (
        await remote_actors.look_up(pool, network, who)
        if "@" in who.lstrip("@") or "/" in who
        else None
    )
    if person is not None:
        return person.uri
    local = await remote_actors.local_named(pool, who.lstrip("@"))
    return f"{request.app.state.config.base_url}{local}" if local else None


async def change_bans(request: Request, user: User, form: FormData) -> Response:
    """Ban someone from the community (here or elsewhere), or lift their ban."""
    name = request.path_params["name"]
    pool = request.app.state.pool
    community_uri = await facilitation.community_uri(pool, name, user)
    who = str(form.get("who", "")).strip()
    target = await _person(request, who)
    if target is None:
        return await refused(request, _("Nobody called “%(name)s” was found.", name=who))
    kind = "unban" if form.get("change") == "unban" else "ban"
    if kind == "ban" and not confirmed(form):
        question = confirmations.Question(
            heading=f"Ban {who} from this community?",
            consequence=f"{who} will no longer be able to post, reply or vote in it, from here "
            "or from their own server, until a facilitator lifts the ban. The moderation log "
            "keeps your reason.",
            button=f"Ban {who}",
            back=f"/c/{name}/manage",
        )
        return await confirmations.ask(request, form, question)
    await moderation.act(
        pool, request.app.state.config, request.app.state.network,
        moderator=user.actor.username, community_uri=community_uri,
        action=moderation.Action(kind, target, str(form.get("reason", "")).strip()),
    )  # fmt: skip
    changed = f"{who} is banned from the community." if kind == "ban" else f"{who}'s ban is lifted."
    return done(request, f"/c/{name}/manage", changed)


async def change_facilitators(request: Request, user: User, form: FormData) -> Response:
    name = request.path_params["name"]
    pool, network = request.app.state.pool, request.app.state.network
    who = str(form.get("who", "")).strip()
    target = await _person(request, who)
    if target is None:
        return await refused(request, _("Nobody called “%(name)s” was found.", name=who))
    kind = "add_facilitator" if form.get("change") == "add" else "remove_facilitator"
    await moderation.act(
        pool, request.app.state.config, network, moderator=user.actor.username,
        community_uri=f"{request.app.state.config.base_url}/c/{name}",
        action=moderation.Action(kind, target),
    )  # fmt: skip
    changed = (
        f"{who} is now a facilitator."
        if kind == "add_facilitator"
        else f"{who} is no longer a facilitator."
    )
    return done(request, f"/c/{name}/manage", changed)


routes = [
    Route("/c/{name}/manage", manage_page, methods=["GET"]),
    Route("/c/{name}/manage/settings", signed_in_action(save_settings), methods=["POST"]),
    Route("/c/{name}/manage/stage", signed_in_action(set_stage), methods=["POST"]),
    Route("/c/{name}/manage/requests", signed_in_action(decide_request), methods=["POST"]),
    Route(
        "/c/{name}/manage/reports/{report:id}",
        signed_in_action(close_report),
        methods=["POST"],
    ),
    Route("/c/{name}/manage/facilitators", signed_in_action(change_facilitators), methods=["POST"]),
    Route("/c/{name}/manage/bans", signed_in_action(change_bans), methods=["POST"]),
]
