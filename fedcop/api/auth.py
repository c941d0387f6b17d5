"""The wrapper every API endpoint goes through: parameters read, bearer token checked against
the endpoint's scope, service errors turned into Mastodon's error answers.

    @endpoint("read:statuses")                 a token is optional; if given it must be valid
    @endpoint("write:statuses", user=True)     a user's token with that scope is required

Handlers are `async def handler(call: Call) -> Response`.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from fedcop.api.errors import ApiError
from fedcop.api.params import Params, parse_id
from fedcop.config import Config
from fedcop.services import member_language, oauth
from fedcop.services.errors import InvalidInput, NameTaken, NotFound, ServiceError
from fedcop.store.users import User

log = logging.getLogger(__name__)


@dataclass
class Call:
    """One API request: who makes it, with what parameters."""

    request: Request
    params: Params
    access: oauth.Access | None

    @property
    def user(self) -> User | None:
        return self.access.user if self.access is not None else None

    def me(self) -> User:
        """The signed-in user (endpoints declared with user=True always have one)."""
        if self.access is None or self.access.user is None:
            raise ApiError(401, "This method requires an authenticated user")
        return self.access.user

    @property
    def pool(self) -> Any:
        return self.request.app.state.pool

    @property
    def config(self) -> Config:
        config: Config = self.request.app.state.config
        return config

    @property
    def network(self) -> Any:
        return self.request.app.state.network

    def path_id(self, name: str = "id") -> int:
        return parse_id(str(self.request.path_params[name]))


Handler = Callable[[Call], Awaitable[Response]]


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    token = request.query_params.get("access_token")
    return token or None


async def access_of(request: Request) -> oauth.Access | None:
    """The access of the request's bearer token; None without one. A token that is unknown,
    revoked or expired is refused (401), even on endpoints that need none."""
    token = bearer_token(request)
    if token is None:
        return None
    access = await oauth.access_of(request.app.state.pool, token)
    if access is None:
        raise ApiError(401, "The access token is invalid")
    return access


def endpoint(
    scope: str | None, *, user: bool = False
) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
    def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        @functools.wraps(handler)
        async def route(request: Request) -> Response:
            try:
                access = await access_of(request)
                if user and access is None:
                    raise ApiError(401, "The access token is invalid")
                if user and access is not None and access.user is None:
                    raise ApiError(422, "This method requires an authenticated user")
                if (
                    access is not None
                    and scope is not None
                    and not oauth.grants(access.scopes, scope)
                ):
                    raise ApiError(403, "This action is outside the authorized scopes")
                if access is not None and access.user is not None:
                    # A member's own language wins over the app's Accept-Language, as on the
                    # web pages (and as Mastodon answers its API in the user's locale).
                    await member_language.speak_to(
                        request.app.state.pool,
                        access.user.actor.id,
                        request.headers.get("accept-language"),
                    )
                params = await Params.read(request)
                return await handler(Call(request, params, access))
            except ApiError as error:
                return error.response()
            except NotFound as error:
                return ApiError(404, str(error) or "Record not found").response()
            except (InvalidInput, NameTaken, ServiceError) as error:
                return ApiError(422, str(error)).response()

        return route

    return wrap
