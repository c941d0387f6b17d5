"""Reporting from the pages: the Report button of a post or a person's profile opens a short
form (a reason, and whether to tell the person's own server); posting it files the report with
the same service as the client API (services/reports.py) and says where it went."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services import browsing, reports
from fedcop.services.reading import PostView
from fedcop.store.actors import Actor
from fedcop.store.users import User
from fedcop.web.actions import on_post, signed_in_action
from fedcop.web.render import not_found, render


def _category(form: FormData) -> str:
    category = str(form.get("category", "other"))
    return category if category in reports.CATEGORIES else "other"


async def report_post(request: Request, user: User, form: FormData, found: PostView) -> Response:
    filed = await reports.file(
        request.app.state.pool, request.app.state.config, reporter=user.actor.username,
        post_uris=[found.post.uri], reason=str(form.get("reason", "")).strip(),
        category=_category(form), forward=form.get("forward") == "on",
    )  # fmt: skip
    return await _sent(request, filed, found.community)


async def report_person(request: Request, user: User, form: FormData) -> Response:
    handle = request.path_params["handle"]
    if "@" in handle:
        name, _at, domain = handle.partition("@")
        uri = await browsing.remote_person_uri(request.app.state.pool, name, domain)
    else:
        uri = f"{request.app.state.config.base_url}/u/{handle}"
    if uri is None:
        return await not_found(request, _("There is no such person here."))
    filed = await reports.file(
        request.app.state.pool, request.app.state.config, reporter=user.actor.username,
        account_uri=uri, reason=str(form.get("reason", "")).strip(),
        category=_category(form), forward=form.get("forward") == "on",
    )  # fmt: skip
    return await _sent(request, filed, None)


async def _sent(request: Request, filed: reports.Filed, community: Actor | None) -> Response:
    return await render(
        request, "message.html", title=_("Report sent"), message=_where_it_went(filed, community)
    )


def _where_it_went(filed: reports.Filed, community: Actor | None) -> str:
    """Who reads the report, in a whole sentence: a community's facilitators, the reported
    person's own server (forwarded, never a person of this node), this node's administrators
    (a person of this node, or a report with no community)."""
    who = filed.account.display_name or filed.account.username
    domain = filed.account.domain
    to_admins_here = filed.account.is_local or community is None
    if community is not None:
        facilitators = community.display_name
        if filed.forwarded:
            return _(
                "Thank you. Your report about %(who)s went to the facilitators of "
                "%(community)s and the administrators of %(domain)s.",
                who=who, community=facilitators, domain=domain,
            )  # fmt: skip
        if to_admins_here:
            return _(
                "Thank you. Your report about %(who)s went to the facilitators of "
                "%(community)s and this node's administrators.",
                who=who, community=facilitators,
            )  # fmt: skip
        return _(
            "Thank you. Your report about %(who)s went to the facilitators of %(community)s.",
            who=who, community=facilitators,
        )  # fmt: skip
    if filed.forwarded:
        return _(
            "Thank you. Your report about %(who)s went to the administrators of %(domain)s "
            "and this node's administrators.",
            who=who, domain=domain,
        )  # fmt: skip
    return _("Thank you. Your report about %(who)s went to this node's administrators.", who=who)


routes = [
    Route("/t/{id:id}/report", signed_in_action(on_post(report_post)), methods=["POST"]),
    Route("/u/{handle}/report", signed_in_action(report_person), methods=["POST"]),
]
