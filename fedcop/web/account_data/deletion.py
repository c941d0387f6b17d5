"""Deleting an account: one's own from /settings/delete (what will happen, the choice about
one's posts, the password), or anyone's by an administrator from /admin/accounts/NAME/delete.
Both end on a page saying what was done."""

from __future__ import annotations

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from fedcop.i18n.current import _
from fedcop.services.account_data import deletion
from fedcop.services.errors import ServiceError
from fedcop.services.signin_throttle import TooManyAttempts
from fedcop.store import users as user_store
from fedcop.store.users import User
from fedcop.web.actions import signed_in_action
from fedcop.web.render import go, not_found, render, with_retry_after
from fedcop.web.session import FormRefused, checked_form, sign_out, viewer


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _keeps_posts(form: FormData) -> bool:
    return form.get("posts") == "keep"


async def delete_page(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/delete")
    return await render(request, "account_data/delete.html", user=current.user)


async def delete_own(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go("/login?next=/settings/delete")
    user = current.user
    try:
        form = await checked_form(request)
        done = await deletion.delete_own(
            request.app.state.pool,
            request.app.state.config,
            user,
            str(form.get("password", "")),
            _address(request),
            keep_posts=_keeps_posts(form),
        )
    except (FormRefused, ServiceError) as error:
        status = 429 if isinstance(error, TooManyAttempts) else 400
        page = await render(
            request, "account_data/delete.html", status, user=user, error=str(error)
        )
        return with_retry_after(page, error)
    await sign_out(request)
    return await render(request, "account_data/deleted.html", done=done, by_admin=False)


async def _target(request: Request) -> User | None:
    async with request.app.state.pool.acquire() as conn:
        return await user_store.find_by_name(conn, request.path_params["name"])


async def admin_delete_page(request: Request) -> Response:
    current = await viewer(request)
    if current.user is None:
        return go(f"/login?next={request.url.path}")
    target = await _target(request)
    if not current.user.is_admin or target is None:
        return await not_found(request, _("There is no such page."))
    return await render(request, "account_data/admin_delete.html", target=target)


async def admin_delete(request: Request, user: User, form: FormData) -> Response:
    target = await _target(request)
    if not user.is_admin or target is None:
        return await not_found(request, _("There is no such page."))
    done = await deletion.delete_by_admin(
        request.app.state.pool,
        request.app.state.config,
        user,
        target.actor.username,
        keep_posts=_keeps_posts(form),
    )
    return await render(request, "account_data/deleted.html", done=done, by_admin=True)


routes = [
    Route("/settings/delete", delete_page, methods=["GET"]),
    Route("/settings/delete", delete_own, methods=["POST"]),
    Route("/admin/accounts/{name}/delete", admin_delete_page, methods=["GET"]),
    Route("/admin/accounts/{name}/delete", signed_in_action(admin_delete), methods=["POST"]),
]
