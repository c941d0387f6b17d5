"""The admin page: /admin, and the forms on it."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import admin, names, reports
from fedcop.services import node as node_service
from fedcop.services.mail import addresses as mail_addresses
from fedcop.services.mail import outbox as mail_outbox
from fedcop.services.media import lifecycle as media_lifecycle
from fedcop.services.names import report_uris
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.notices import done
from fedcop.web.render import go, not_found, render
from fedcop.web.session import viewer


async def admin_page(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/admin")
    if not current.user.is_admin:
        return await not_found(request, _("There is no such page."))
    pool = request.app.state.pool
    node_reports = await reports.node_reports(pool, current.user)
    return await render(
        request,
        "admin.html",
        settings=await node_service.settings(pool),
        modes=admin.REGISTRATION_MODES,
        contact=request.app.state.config.contact_address,
        pending=await admin.pending_accounts(pool),
        accounts=await admin.accounts(pool),
        status=await admin.federation_status(pool),
        reports=node_reports,
        names=await names.lookup(pool, report_uris(node_reports)),
        mail_on=request.app.state.config.mail_enabled,
        mail_required=await mail_addresses.is_required(pool),
        mail_queue=(await mail_outbox.queue_report(pool, limit=0)).summary,
        storage=await media_lifecycle.storage_report(pool),
    )


async def save_settings(request: Request, user: User, form: FormData) -> Response:
    await admin.save_settings(
        request.app.state.pool, user,
        organisation=str(form.get("organisation", "")),
        description=str(form.get("description", "")),
        registrations=str(form.get("registrations", "")),
        name=str(form["name"]) if "name" in form else None,
    )  # fmt: skip
    return done(request, "/admin", _("The node's settings are saved."))


async def account_state(request: Request, user: User, form: FormData) -> Response:
    await admin.set_account_state(
        request.app.state.pool, user, request.path_params["name"], str(form.get("state", ""))
    )
    name = request.path_params["name"]
    # The service accepts no other state than these two.
    if form.get("state") == "active":
        return done(request, "/admin", _("The account %(name)s is now active.", name=name))
    return done(request, "/admin", _("The account %(name)s is now suspended.", name=name))


async def block(request: Request, user: User, form: FormData) -> Response:
    blocked = form.get("blocked", "on") == "on"
    await admin.block_domain(request.app.state.pool, user, str(form.get("host", "")), blocked)
    request.app.state.acceptance.forget_blocks()
    host = str(form.get("host", "")).strip()
    changed = (
        _("%(host)s is blocked.", host=host)
        if blocked
        else _("%(host)s is no longer blocked.", host=host)
    )
    return done(request, "/admin", changed)


async def close_report(request: Request, user: User, form: FormData) -> Response:
    await reports.close_node_report(request.app.state.pool, user, request.path_params["report"])
    return done(request, "/admin", _("The report is closed."))


routes = [
    Route("/admin", admin_page, methods=["GET"]),
    Route("/admin/settings", signed_in_action(save_settings), methods=["POST"]),
    Route("/admin/accounts/{name}", signed_in_action(account_state), methods=["POST"]),
    Route("/admin/blocks", signed_in_action(block), methods=["POST"]),
    Route("/admin/reports/{report:id}", signed_in_action(close_report), methods=["POST"]),
]
