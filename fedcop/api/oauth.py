"""OAuth 2 for Mastodon apps: registering an app, tokens, revocation and the discovery document.

    POST /api/v1/apps                          -> CredentialApplication (client_id, client_secret)
    GET  /oauth/authorize, POST                -> the page people sign in on (api/authorize.py)
    POST /oauth/token                          -> {access_token, token_type, scope, created_at}
    POST /oauth/revoke                         -> {}
    GET  /.well-known/oauth-authorization-server

The token and revoke endpoints answer errors the RFC 6749 way, {"error": "invalid_grant",
"error_description": "..."}, since that is what OAuth libraries read; everything else under
/api answers Mastodon's {"error": "..."}. Both take forms and JSON alike (Elk posts JSON) and
client credentials in the body or by HTTP Basic.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote_plus

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedcop.api import authorize
from fedcop.api.auth import Call, endpoint
from fedcop.api.entities import account
from fedcop.api.errors import ApiError
from fedcop.api.params import Params
from fedcop.i18n.current import _
from fedcop.routes.responses import json_response
from fedcop.services import oauth
from fedcop.services.account_cards import card
from fedcop.store.oauth import App

# Token answers must not be kept by any cache on the way (RFC 6749 §5.1).
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def application(app: App) -> dict[str, Any]:
    """Mastodon's Application entity (never with the client secret)."""
    return {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes,
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": app.redirect_uris,
        "vapid_key": "",
    }


@endpoint(None)
async def create_app(call: Call) -> Response:
    params = call.params
    app, secret = await oauth.register_app(
        call.pool,
        name=params.text("client_name") or "",
        redirect_uris=params.texts("redirect_uris"),
        scopes=params.text("scopes"),
        website=params.text("website"),
    )
    return json_response(
        {
            **application(app),
            "client_id": app.client_id,
            "client_secret": secret,
            "client_secret_expires_at": 0,
        }
    )


@endpoint(None)
async def verify_app(call: Call) -> Response:
    access = call.access
    if access is None:
        raise ApiError(401, "The access token is invalid")
    app = await oauth.app_by_id(call.pool, access.app_id) if access.app_id is not None else None
    if app is None:
        # A token made by `fedcop admin token` belongs to no app: describe it as one anyway,
        # so that scripts checking their token with this call keep working.
        return json_response(
            {
                "id": "0",
                "name": "fedcop admin token",
                "website": None,
                "scopes": access.scopes,
                "redirect_uri": oauth.OOB,
                "redirect_uris": [oauth.OOB],
                "vapid_key": "",
            }
        )
    return json_response(application(app))


def _error(error: oauth.OAuthError, basic: bool = False) -> Response:
    headers = dict(_NO_STORE)
    if error.status == 401 and basic:
        headers["WWW-Authenticate"] = 'Basic realm="fedcop"'
    return json_response(
        {"error": error.error, "error_description": error.description},
        error.status,
        headers=headers,
    )


def _client_credentials(request: Request, params: Params) -> tuple[str | None, str | None, bool]:
    """(client_id, client_secret, came by HTTP Basic) from the Authorization header (RFC 6749
    §2.3.1: each part form-encoded) or else the body."""
    scheme, _space, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise oauth.OAuthError(
                _("the Basic credentials are not base64 of id:secret"),
                error="invalid_client",
                status=401,
            ) from None
        client_id, _colon, secret = decoded.partition(":")
        return unquote_plus(client_id), unquote_plus(secret), True
    return params.text("client_id"), params.text("client_secret"), False


async def _read(request: Request) -> Params:
    try:
        return await Params.read(request)
    except ApiError as error:
        raise oauth.OAuthError(error.message, error="invalid_request") from None


async def token(request: Request) -> Response:
    pool = request.app.state.pool
    basic = False
    try:
        params = await _read(request)
        grant_type = params.text("grant_type")
        if not grant_type:
            raise oauth.OAuthError(_("grant_type is required"), error="invalid_request")
        if grant_type not in ("authorization_code", "client_credentials"):
            raise oauth.OAuthError(
                _("grant_type must be authorization_code or client_credentials"),
                error="unsupported_grant_type",
            )
        client_id, secret, basic = _client_credentials(request, params)
        app = await oauth.authenticate_client(pool, client_id, secret)
        if grant_type == "authorization_code":
            issued = await oauth.exchange_code(
                pool,
                app,
                code=params.text("code"),
                redirect_uri=params.text("redirect_uri"),
                verifier=params.text("code_verifier"),
                scope=params.text("scope"),
            )
        else:
            issued = await oauth.client_token(pool, app, params.text("scope"))
    except oauth.OAuthError as error:
        return _error(error, basic)
    except ApiError as error:  # a parameter of the wrong type, e.g. a JSON number for code
        return _error(oauth.OAuthError(error.message, error="invalid_request"), basic)
    return json_response(
        {
            "access_token": issued.token,
            "token_type": "Bearer",
            "scope": " ".join(issued.scopes),
            "created_at": issued.created_at,
        },
        headers=_NO_STORE,
    )


async def revoke(request: Request) -> Response:
    basic = False
    try:
        params = await _read(request)
        client_id, secret, basic = _client_credentials(request, params)
        app = await oauth.authenticate_client(request.app.state.pool, client_id, secret)
        value = params.text("token")
        if not value:
            raise oauth.OAuthError(_("token is required"), error="invalid_request")
        await oauth.revoke(request.app.state.pool, app, value)
    except oauth.OAuthError as error:
        return _error(error, basic)
    except ApiError as error:
        return _error(oauth.OAuthError(error.message, error="invalid_request"), basic)
    return json_response({}, headers=_NO_STORE)


@endpoint(None, user=True)
async def userinfo(call: Call) -> Response:
    """OpenID Connect's userinfo, as Mastodon 4.4 answers it (with the profile or read scope)."""
    access = call.access
    assert access is not None
    if not (oauth.grants(access.scopes, "profile") or oauth.grants(access.scopes, "read")):
        raise ApiError(403, "This action is outside the authorized scopes")
    me = account(await card(call.pool, call.me().actor), call.config)
    return json_response(
        {
            "iss": call.config.base_url + "/",
            "sub": me["uri"],
            "name": me["display_name"],
            "preferred_username": me["username"],
            "profile": me["url"],
            "picture": me["avatar"],
        }
    )


async def server_metadata(request: Request) -> Response:
    """RFC 8414 metadata: Mastodon.py and Phanpy read it (Phanpy uses PKCE when it lists S256)."""
    base = request.app.state.config.base_url
    return json_response(
        {
            "issuer": base + "/",
            "service_documentation": "https://docs.joinmastodon.org/",
            "authorization_endpoint": f"{base}/oauth/authorize",
            "token_endpoint": f"{base}/oauth/token",
            "app_registration_endpoint": f"{base}/api/v1/apps",
            "revocation_endpoint": f"{base}/oauth/revoke",
            "userinfo_endpoint": f"{base}/oauth/userinfo",
            "scopes_supported": sorted(oauth.ALL_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "client_credentials"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }
    )


routes: list[BaseRoute] = [
    Route("/api/v1/apps", create_app, methods=["POST"]),
    Route("/api/v1/apps/verify_credentials", verify_app, methods=["GET"]),
    *authorize.routes,
    Route("/oauth/token", token, methods=["POST"]),
    Route("/oauth/revoke", revoke, methods=["POST"]),
    Route("/oauth/userinfo", userinfo, methods=["GET", "POST"]),
    Route("/.well-known/oauth-authorization-server", server_metadata, methods=["GET"]),
]
