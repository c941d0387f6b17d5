"""Access for Mastodon apps: registered apps, authorization codes, bearer tokens and scopes.

    POST /api/v1/apps          register_app     -> client_id + client_secret (SHA-256 kept)
    GET  /oauth/authorize      authorization    -> the request checked: app, redirect URI, scopes
    POST /oauth/authorize      create_code      -> a code (SHA-256 kept, 10 minutes, used once)
    POST /oauth/token          exchange_code    -> a token for the user (PKCE S256 checked)
                               client_token     -> a token for the app itself (no user)
    POST /oauth/revoke         revoke           -> the app's token stops working

token  -> 32 random bytes, url-safe; only its SHA-256 is stored
scopes -> read, write, follow, push, admin:read, admin:write and their sub-scopes
          ("read" grants "read:statuses"; the old "follow" grants the follow sub-scopes)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from fedcop.i18n.current import _
from fedcop.services.errors import InvalidInput, NotFound, ServiceError
from fedcop.store import oauth as oauth_store
from fedcop.store import users as user_store
from fedcop.store.oauth import App
from fedcop.store.users import User

TOP_SCOPES = ("read", "write", "follow", "push", "profile")
SUB_SCOPES = {
    "read": (
        "accounts",
        "blocks",
        "bookmarks",
        "favourites",
        "filters",
        "follows",
        "lists",
        "mutes",
        "notifications",
        "search",
        "statuses",
    ),
    "write": (
        "accounts",
        "blocks",
        "bookmarks",
        "conversations",
        "favourites",
        "filters",
        "follows",
        "lists",
        "media",
        "mutes",
        "notifications",
        "reports",
        "statuses",
    ),
    "admin:read": ("accounts", "reports", "domain_blocks"),
    "admin:write": ("accounts", "reports", "domain_blocks"),
}
ALL_SCOPES = frozenset(
    [*TOP_SCOPES, "admin:read", "admin:write"]
    + [f"{top}:{sub}" for top, subs in SUB_SCOPES.items() for sub in subs]
)
# What the legacy "follow" scope stands for.
_FOLLOW_GRANTS = frozenset(
    {"read:follows", "write:follows", "read:blocks", "write:blocks", "read:mutes", "write:mutes"}
)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def parse_scopes(text: str | None, default: str = "read") -> list[str]:
    """Scopes as a space-separated string (a '+' or ',' separator is taken too); unknown
    scopes are refused."""
    raw = (text or default).replace("+", " ").replace(",", " ").split()
    scopes = list(dict.fromkeys(raw))
    unknown = [scope for scope in scopes if scope not in ALL_SCOPES]
    if unknown:
        raise InvalidInput(_("unknown scope: %(scopes)s", scopes=" ".join(unknown)))
    if not scopes:
        raise InvalidInput(_("no scope asked for"))
    return scopes


def grants(granted: list[str] | frozenset[str], needed: str) -> bool:
    """Whether the granted scopes cover `needed` (e.g. "read" covers "read:statuses")."""
    if needed in granted:
        return True
    parent = needed.rpartition(":")[0]  # "read:statuses" -> "read"; "admin:read:x" -> "admin:read"
    if parent and parent in granted:
        return True
    return needed in _FOLLOW_GRANTS and "follow" in granted


@dataclass(frozen=True)
class Access:
    """Who a token acts for (None for an app's own token) and what it may do."""

    token_id: int
    app_id: int | None
    user: User | None
    scopes: list[str]


async def issue_token(
    conn: Any, *, user_id: int | None, app_id: int | None, scopes: list[str]
) -> str:
    token = secrets.token_urlsafe(32)
    await oauth_store.insert_token(conn, hash_token(token), app_id, user_id, scopes)
    return token


async def access_of(pool: Any, token: str) -> Access | None:
    """The live token's access, or None (unknown, revoked, expired, or its user suspended)."""
    async with pool.acquire() as conn:
        found = await oauth_store.live_bearer(conn, hash_token(token))
    if found is None:
        return None
    return Access(found.token.id, found.token.app_id, found.user, found.token.scopes)


async def admin_token(pool: Any, username: str, scopes: str = "read write follow push") -> str:
    """A bearer token for `fedcop admin token USER`: scripts act as that user."""
    async with pool.acquire() as conn:
        user = await user_store.find_by_name(conn, username)
        if user is None:
            raise NotFound(_("there is no user %(username)s on this node", username=repr(username)))
        if user.state != "active":
            raise InvalidInput(
                _(
                    "%(username)s is %(state)s: only active users get tokens",
                    username=repr(username),
                    state=user.state,
                )
            )
        return await issue_token(
            conn, user_id=user.actor.id, app_id=None, scopes=parse_scopes(scopes)
        )


# Apps: what Mastodon itself allows, roughly; enough for any real app, small enough to store.
OOB = "urn:ietf:wg:oauth:2.0:oob"
MAX_APP_NAME = 60
MAX_URI = 2000
MAX_REDIRECT_URIS = 10
CODE_LIFETIME = timedelta(minutes=10)
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")
# Never a place to send a browser with a code, whatever an app registers.
_FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about"})
_PKCE = re.compile(r"[A-Za-z0-9._~-]{43,128}")


class OAuthError(ServiceError):
    """A refusal answered the RFC 6749 way: an error code, a sentence, an HTTP status."""

    def __init__(self, description: str, *, error: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def check_redirect_uri(uri: str) -> str:
    """An absolute URI of any scheme (apps use custom ones, like com.example.app:/callback),
    or the out-of-band URN; no fragment (RFC 6749 §3.1.2), no spaces, no script schemes."""
    if len(uri) > MAX_URI:
        raise InvalidInput(_("a redirect URI is longer than %(most)s characters", most=MAX_URI))
    if uri == OOB:
        return uri
    if any(ord(char) <= 32 or ord(char) == 127 for char in uri):
        raise InvalidInput(
            _("redirect URI %(uri)s contains spaces or control characters", uri=repr(uri))
        )
    try:
        parts = urlsplit(uri)
    except ValueError:
        raise InvalidInput(_("redirect URI %(uri)s is not a URI", uri=repr(uri))) from None
    if not _SCHEME.fullmatch(parts.scheme) or parts.scheme in _FORBIDDEN_SCHEMES:
        raise InvalidInput(
            _("redirect URI %(uri)s must be an absolute URI with a scheme", uri=repr(uri))
        )
    if parts.fragment or "#" in uri:
        raise InvalidInput(_("redirect URI %(uri)s must not have a fragment", uri=repr(uri)))
    if parts.scheme in ("http", "https") and not parts.hostname:
        raise InvalidInput(_("redirect URI %(uri)s has no host", uri=repr(uri)))
    return uri


def _within(asked: list[str], allowed: list[str]) -> bool:
    return all(grants(allowed, scope) for scope in asked)


async def register_app(
    pool: Any, name: str, redirect_uris: list[str], scopes: str | None, website: str | None
) -> tuple[App, str]:
    """A new app and its client secret (shown this once: only its hash is kept)."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Validation failed: client_name can't be blank"))
    if len(name) > MAX_APP_NAME:
        raise InvalidInput(_("client_name is longer than %(most)s characters", most=MAX_APP_NAME))
    uris = list(dict.fromkeys(uri for text in redirect_uris for uri in text.split()))
    if not uris:
        raise InvalidInput(_("Validation failed: redirect_uris can't be blank"))
    if len(uris) > MAX_REDIRECT_URIS:
        raise InvalidInput(
            _("an app may register at most %(most)s redirect URIs", most=MAX_REDIRECT_URIS)
        )
    for uri in uris:
        check_redirect_uri(uri)
    website = (website or "").strip() or None
    if website is not None:
        if len(website) > MAX_URI:
            raise InvalidInput(_("website is longer than %(most)s characters", most=MAX_URI))
        try:
            parts = urlsplit(website)
        except ValueError:
            parts = urlsplit("")
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InvalidInput(_("website must be an http(s) URL"))
    granted = parse_scopes(scopes)
    secret = secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        app = await oauth_store.insert_app(
            conn,
            secrets.token_urlsafe(32),
            hash_token(secret),
            name,
            website,
            uris,
            granted,
        )
    return app, secret


async def app_by_id(pool: Any, app_id: int) -> App | None:
    async with pool.acquire() as conn:
        return await oauth_store.app_by_id(conn, app_id)


async def authenticate_client(pool: Any, client_id: str | None, secret: str | None) -> App:
    """The app these credentials are, or invalid_client (401)."""
    if not client_id or not secret:
        raise OAuthError(
            _("client_id and client_secret are required"), error="invalid_client", status=401
        )
    async with pool.acquire() as conn:
        app = await oauth_store.app_by_client_id(conn, client_id)
    expected = app.client_secret_hash if app is not None else hash_token(secrets.token_hex(8))
    if not hmac.compare_digest(hash_token(secret), expected) or app is None:
        raise OAuthError(
            _("client authentication failed: check client_id and client_secret"),
            error="invalid_client",
            status=401,
        )
    return app


@dataclass(frozen=True)
class Authorization:
    """An authorization request, checked: which app, where the answer goes, what it may do."""

    app: App
    redirect_uri: str
    scopes: list[str]
    state: str | None
    code_challenge: str | None


async def authorization(
    pool: Any,
    *,
    client_id: str | None,
    redirect_uri: str | None,
    response_type: str | None,
    scope: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> Authorization:
    """The request checked. Every refusal is shown to the person, never sent to the redirect
    URI: an unregistered URI must never receive anything."""
    async with pool.acquire() as conn:
        app = await oauth_store.app_by_client_id(conn, client_id) if client_id else None
    if app is None:
        raise OAuthError(
            _("this app is not registered here: client_id is unknown"), error="invalid_client"
        )
    if not redirect_uri and len(app.redirect_uris) == 1:
        redirect_uri = app.redirect_uris[0]
    if not redirect_uri or redirect_uri not in app.redirect_uris:
        raise OAuthError(
            _("the redirect_uri is not one this app registered: ask its authors"),
            error="invalid_request",
        )
    if response_type != "code":
        raise OAuthError(_("response_type must be code"), error="unsupported_response_type")
    try:
        asked = parse_scopes(scope, default=" ".join(app.scopes))
    except InvalidInput as error:
        raise OAuthError(str(error), error="invalid_scope") from None
    if not _within(asked, app.scopes):
        raise OAuthError(
            _("the app asks for more than it registered for: %(scopes)s", scopes=" ".join(asked)),
            error="invalid_scope",
        )
    if code_challenge or code_challenge_method:
        if (code_challenge_method or "plain") != "S256":
            raise OAuthError(_("code_challenge_method must be S256"), error="invalid_request")
        if not code_challenge or not _PKCE.fullmatch(code_challenge):
            raise OAuthError(
                _("code_challenge is not a PKCE S256 challenge"), error="invalid_request"
            )
    return Authorization(app, redirect_uri, asked, state, code_challenge or None)


async def create_code(pool: Any, request: Authorization, user: User) -> str:
    """A code for the app to exchange: random, kept hashed, good for ten minutes, once."""
    code = secrets.token_urlsafe(32)
    async with pool.acquire() as conn:
        await oauth_store.insert_code(
            conn,
            hash_token(code),
            request.app.id,
            user.actor.id,
            request.redirect_uri,
            request.scopes,
            request.code_challenge,
            "S256" if request.code_challenge else None,
            datetime.now(UTC) + CODE_LIFETIME,
        )
    return code


@dataclass(frozen=True)
class Issued:
    token: str
    scopes: list[str]
    created_at: int  # seconds since the epoch, as OAuth token answers have it


def _pkce_matches(verifier: str | None, challenge: str) -> bool:
    if verifier is None or not _PKCE.fullmatch(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return hmac.compare_digest(computed, challenge)


async def exchange_code(
    pool: Any,
    app: App,
    code: str | None,
    redirect_uri: str | None,
    verifier: str | None,
    scope: str | None,
) -> Issued:
    """A user's token for a code. The code is gone once presented, whatever the outcome."""
    if not code:
        raise OAuthError(_("code is required"), error="invalid_request")
    if not redirect_uri:
        raise OAuthError(_("redirect_uri is required"), error="invalid_request")
    async with pool.acquire() as conn:
        found = await oauth_store.take_code(conn, hash_token(code))
    if found is None or found.app_id != app.id or found.expires_at <= datetime.now(UTC):
        raise OAuthError(
            _("the code is unknown, used, expired or not this app's: ask the person again"),
            error="invalid_grant",
        )
    if found.redirect_uri != redirect_uri:
        raise OAuthError(
            _("redirect_uri differs from the authorization request's"), error="invalid_grant"
        )
    if found.code_challenge is not None and not _pkce_matches(verifier, found.code_challenge):
        raise OAuthError(
            _("code_verifier does not match the code_challenge"), error="invalid_grant"
        )
    if scope:
        try:
            asked = parse_scopes(scope)
        except InvalidInput as error:
            raise OAuthError(str(error), error="invalid_scope") from None
        if not _within(asked, found.scopes):
            raise OAuthError(
                _("the scope asked for is more than was granted"), error="invalid_scope"
            )
    async with pool.acquire() as conn:
        user = await user_store.find_by_id(conn, found.user_id)
        if user is None or user.state != "active":
            raise OAuthError(
                _("the account that granted access is not active"), error="invalid_grant"
            )
        token = await issue_token(conn, user_id=user.actor.id, app_id=app.id, scopes=found.scopes)
    return Issued(token, found.scopes, int(time.time()))


async def client_token(pool: Any, app: App, scope: str | None) -> Issued:
    """The app's own token (client_credentials): it acts for nobody."""
    try:
        asked = parse_scopes(scope, default=" ".join(app.scopes))
    except InvalidInput as error:
        raise OAuthError(str(error), error="invalid_scope") from None
    if not _within(asked, app.scopes):
        raise OAuthError(
            _("the scope asked for is more than the app registered"), error="invalid_scope"
        )
    async with pool.acquire() as conn:
        token = await issue_token(conn, user_id=None, app_id=app.id, scopes=asked)
    return Issued(token, asked, int(time.time()))


async def revoke(pool: Any, app: App, token: str) -> None:
    """The token stops working, if this app was given it (others' tokens are left alone and,
    as RFC 7009 says, the answer is the same)."""
    async with pool.acquire() as conn:
        await oauth_store.revoke_app_token(conn, hash_token(token), app.id)
