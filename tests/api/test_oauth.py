"""Signing in from an app: registering it, the authorization page, the code, the token, revoking.

Every step goes through the real app in-process, the way an app and a browser would: the page
is read for its hidden fields and CSRF token, the code comes from the redirect or the page.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import orjson
import pytest
from playwright.async_api import Route

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts
from tests.api.conftest import ApiUser
from tests.api.test_instance import errors_of, openapi_validator
from tests.browser import browser, unlabelled_fields
from tests.conftest import fresh_database
from tests.live_node import live_node

OOB = "urn:ietf:wg:oauth:2.0:oob"
PASSWORD = "correct horse battery"


async def register(
    api: httpx.AsyncClient,
    redirect_uris: str = OOB,
    scopes: str = "read write follow push",
) -> dict[str, Any]:
    response = await api.post(
        "/api/v1/apps",
        data={"client_name": "Test App", "redirect_uris": redirect_uris, "scopes": scopes},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def fields_of(page: str) -> dict[str, str]:
    """The hidden fields of the authorization form (CSRF token included)."""
    return {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)
    }


def authorize_url(app: dict[str, Any], redirect_uri: str = OOB, **extra: str) -> str:
    query = {
        "client_id": app["client_id"],
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": "read write follow push",
        **extra,
    }
    return "/oauth/authorize?" + urlencode(query)


async def sign_in_and_authorize(
    api: httpx.AsyncClient,
    app: dict[str, Any],
    redirect_uri: str = OOB,
    password: str = PASSWORD,
    decision: str = "authorize",
    **extra: str,
) -> httpx.Response:
    page = await api.get(authorize_url(app, redirect_uri, **extra))
    assert page.status_code == 200, page.text
    form = fields_of(page.text)
    form.update(name="alice", password=password, decision=decision)
    return await api.post("/oauth/authorize", data=form)


def code_of(response: httpx.Response) -> str:
    if response.status_code in (302, 303):
        return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]
    assert response.status_code == 200, response.text
    found = re.search(r'<code id="authorization-code">([^<]+)</code>', response.text)
    assert found, response.text
    return found.group(1)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def count(app: Any, table: str) -> int:
    async with app.state.pool.acquire() as conn:
        return int(await conn.fetchval(f"SELECT count(*) FROM {table}"))


async def test_apps_register_from_query_form_and_json_with_any_redirect_scheme(
    app: Any, api: httpx.AsyncClient
) -> None:
    # Given the ways real apps register: Ice Cubes in the query string, Tusky a form with its
    # own scheme, Elk JSON with an array, Ivory a scheme with dots and digits
    by_query = await api.post(
        "/api/v1/apps?"
        + urlencode(
            {"client_name": "Ice Cubes", "redirect_uris": "icecubesapp://", "scopes": "read"}
        )
    )
    by_form = await api.post(
        "/api/v1/apps",
        data={
            "client_name": "Tusky",
            "redirect_uris": "oauth2redirect://x\ncom.tapbots.Ivory.1:/request_token",
            "scopes": "read write follow push",
            "website": "https://tusky.app",
        },
    )
    by_json = await api.post(
        "/api/v1/apps",
        json={"client_name": "Elk", "redirect_uris": ["https://elk.zone/callback", OOB]},
    )

    # Then each gets its credentials and the Application entity Mastodon answers
    entity = openapi_validator("CredentialApplication")
    for response in (by_query, by_form, by_json):
        assert response.status_code == 200, response.text
        body = response.json()
        assert errors_of(entity, body) == []
        assert body["client_id"] and body["client_secret"]
        assert body["client_secret_expires_at"] == 0
        assert body["vapid_key"] == ""
        assert body["id"].isdigit()
        assert body["redirect_uri"] == "\n".join(body["redirect_uris"])
    assert by_query.json()["scopes"] == ["read"]
    assert by_form.json()["redirect_uris"] == [
        "oauth2redirect://x",
        "com.tapbots.Ivory.1:/request_token",
    ]
    assert by_form.json()["website"] == "https://tusky.app"
    assert by_json.json()["redirect_uris"] == ["https://elk.zone/callback", OOB]
    assert by_json.json()["scopes"] == ["read"]  # the default
    assert await count(app, "oauth_apps") == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"redirect_uris": OOB}, "client_name"),
        ({"client_name": "X"}, "redirect_uris"),
        ({"client_name": "X", "redirect_uris": OOB, "scopes": "read everything"}, "everything"),
        ({"client_name": "X", "redirect_uris": "javascript:alert(1)"}, "scheme"),
        ({"client_name": "X", "redirect_uris": "/relative"}, "scheme"),
        ({"client_name": "X", "redirect_uris": "https://a.example/cb#frag"}, "fragment"),
        ({"client_name": "X" * 61, "redirect_uris": OOB}, "client_name"),
        ({"client_name": "X", "redirect_uris": " ".join(f"app{i}:/cb" for i in range(11))}, "10"),
        ({"client_name": "X", "redirect_uris": "https://a.example/" + "x" * 2000}, "2000"),
        ({"client_name": "X", "redirect_uris": OOB, "website": "javascript:1"}, "website"),
    ],
)
async def test_bad_app_registrations_are_refused_and_create_nothing(
    app: Any, api: httpx.AsyncClient, fields: dict[str, str], message: str
) -> None:
    response = await api.post("/api/v1/apps", data=fields)
    assert response.status_code == 422
    assert message in response.json()["error"]
    assert await count(app, "oauth_apps") == 0


async def test_a_malformed_registration_body_is_a_400(app: Any, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v1/apps", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "error" in response.json()
    assert await count(app, "oauth_apps") == 0


async def test_out_of_band_sign_in_gives_a_working_token(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given an app registered for out-of-band codes (as Mastodon.py does)
    registered = await register(api)

    # When the person opens the page, signs in and authorizes
    page = await api.get(authorize_url(registered, state="None", lang="None", force_login="False"))
    assert page.status_code == 200
    assert "Test App" in page.text
    assert 'name="password"' in page.text  # not signed in yet: the page asks
    form = fields_of(page.text)
    assert form["csrf"]
    form.update(name="alice", password=PASSWORD, decision="authorize")
    shown = await api.post("/oauth/authorize", data=form)

    # Then the page shows the code, which the app trades (form body credentials) for a token
    code = code_of(shown)
    response = await api.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OOB,
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
            "scope": "read write follow push",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    granted = response.json()
    assert errors_of(openapi_validator("Token"), granted) == []
    assert granted["token_type"] == "Bearer"
    assert granted["scope"] == "read write follow push"
    assert isinstance(granted["created_at"], int)

    # And the token acts for the app and its person
    auth = {"Authorization": f"Bearer {granted['access_token']}"}
    checked = await api.get("/api/v1/apps/verify_credentials", headers=auth)
    assert checked.status_code == 200
    assert errors_of(openapi_validator("Application"), checked.json()) == []
    assert checked.json()["name"] == "Test App"
    assert "client_secret" not in checked.json()
    assert (await api.get("/api/v1/lists", headers=auth)).status_code == 200
    async with app.state.pool.acquire() as conn:
        owner = await conn.fetchval(
            "SELECT user_id FROM oauth_tokens WHERE app_id = $1", int(registered["id"])
        )
    assert owner == alice.actor.id
    assert await count(app, "oauth_codes") == 0  # used up


async def test_redirect_sign_in_with_pkce_json_and_basic_credentials(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given an app with its own scheme that uses PKCE (as Phanpy and Tusky do)
    redirect = "com.tapbots.Ivory.1:/request_token"
    registered = await register(api, redirect_uris=redirect)
    verifier, challenge = pkce_pair()

    # When the person authorizes it
    page = await api.get(
        authorize_url(
            registered,
            redirect,
            state="xyz 1",
            code_challenge=challenge,
            code_challenge_method="S256",
        )
    )
    # (the page lets the browser follow the redirect to the app's scheme after the form post)
    policy = page.headers["content-security-policy"]
    assert "form-action 'self' com.tapbots.ivory.1:;" in policy
    assert "default-src 'none'" in policy
    form = fields_of(page.text)
    form.update(name="alice", password=PASSWORD, decision="authorize")
    answer = await api.post("/oauth/authorize", data=form)

    # Then the browser is sent to the app with the code and the state
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("com.tapbots.Ivory.1:/request_token?")
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["state"] == ["xyz 1"]

    # And the app trades it, posting JSON with HTTP Basic credentials and its verifier
    basic = base64.b64encode(
        f"{registered['client_id']}:{registered['client_secret']}".encode()
    ).decode()
    response = await api.post(
        "/oauth/token",
        json={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": redirect,
            "code_verifier": verifier,
        },
        headers={"Authorization": f"Basic {basic}"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read write follow push"  # the code's, none asked
    token = response.json()["access_token"]
    checked = await api.get(
        "/api/v1/apps/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert checked.status_code == 200


async def test_a_signed_in_browser_only_confirms(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    # Given a browser signed in on the node
    login_page = await api.get("/login")
    csrf = fields_of(login_page.text)["csrf"]
    signed_in = await api.post(
        "/login", data={"csrf": csrf, "name": "alice", "password": PASSWORD, "next": "/"}
    )
    assert signed_in.status_code == 303
    registered = await register(api, redirect_uris="https://app.example/cb?from=fedcop")

    # When it opens the authorization page, it is only asked to confirm
    page = await api.get(authorize_url(registered, "https://app.example/cb?from=fedcop"))
    assert 'name="password"' not in page.text
    assert "@alice" in page.text
    assert "form-action 'self' https://app.example;" in page.headers["content-security-policy"]
    form = fields_of(page.text)
    answer = await api.post("/oauth/authorize", data={**form, "decision": "authorize"})

    # Then the code goes to the registered URI, its own query kept
    assert answer.status_code == 303
    location = urlsplit(answer.headers["location"])
    assert location.netloc == "app.example"
    assert parse_qs(location.query)["from"] == ["fedcop"]
    assert "code" in parse_qs(location.query)

    # And force_login makes the page ask for the password anyway
    forced = await api.get(
        authorize_url(registered, "https://app.example/cb?from=fedcop", force_login="true")
    )
    assert 'name="password"' in forced.text


async def test_deny_sends_access_denied_and_makes_no_code(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    registered = await register(api, redirect_uris="oauth2redirect://tusky")
    answer = await sign_in_and_authorize(
        api, registered, "oauth2redirect://tusky", password="", decision="deny", state="s1"
    )
    assert answer.status_code == 303
    query = parse_qs(urlsplit(answer.headers["location"]).query)
    assert query["error"] == ["access_denied"]
    assert query["state"] == ["s1"]
    assert "code" not in query
    assert await count(app, "oauth_codes") == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"client_id": "nobody"}, "not registered"),
        ({"redirect_uri": "https://evil.example/steal"}, "redirect_uri"),
        ({"scope": "read admin:write"}, "more than it registered"),
        ({"scope": "read nonsense"}, "unknown scope"),
        ({"response_type": "token"}, "response_type"),
        ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "S256"),
    ],
)
async def test_bad_authorization_requests_show_an_error_page_and_never_redirect(
    app: Any, api: httpx.AsyncClient, alice: ApiUser, change: dict[str, str], message: str
) -> None:
    registered = await register(api, scopes="read write")
    good = await api.get(authorize_url(registered, scope="read"))
    csrf = fields_of(good.text)["csrf"]
    query = {
        "client_id": registered["client_id"],
        "redirect_uri": OOB,
        "response_type": "code",
        "scope": "read",
        **change,
    }
    page = await api.get("/oauth/authorize?" + urlencode(query))
    assert page.status_code == 400
    assert "location" not in page.headers
    assert page.headers["content-type"].startswith("text/html")
    assert message in unescape(page.text)
    # Posting the same request does not make a code either
    posted = await api.post(
        "/oauth/authorize",
        data={**query, "csrf": csrf, "name": "alice", "password": PASSWORD},
    )
    assert posted.status_code == 400
    assert "location" not in posted.headers
    assert await count(app, "oauth_codes") == 0


async def test_the_authorization_form_needs_its_csrf_token_and_the_right_password(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    registered = await register(api)
    page = await api.get(authorize_url(registered))
    form = fields_of(page.text)
    form.update(name="alice", password=PASSWORD, decision="authorize")

    forged = await api.post("/oauth/authorize", data={**form, "csrf": "forged"})
    assert forged.status_code == 403

    wrong = await api.post("/oauth/authorize", data={**form, "password": "not it at all"})
    assert wrong.status_code == 400
    assert "do not match" in wrong.text
    assert 'name="password"' in wrong.text  # asked again, on the same page
    assert 'value="alice"' in wrong.text
    assert await count(app, "oauth_codes") == 0


async def test_token_request_errors_follow_rfc_6749_and_issue_nothing(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    registered = await register(api, redirect_uris=f"{OOB} https://app.example/cb")
    creds = {"client_id": registered["client_id"], "client_secret": registered["client_secret"]}
    tokens_before = await count(app, "oauth_tokens")

    async def code(**extra: str) -> str:
        return code_of(await sign_in_and_authorize(api, registered, **extra))

    async def exchange(**body: str) -> httpx.Response:
        return await api.post("/oauth/token", data={**creds, **body})

    def grant(value: str, **more: str) -> dict[str, str]:
        return {"grant_type": "authorization_code", "code": value, "redirect_uri": OOB, **more}

    async def refused(response: httpx.Response, status: int, error: str) -> None:
        assert response.status_code == status, response.text
        assert response.json()["error"] == error
        assert response.json()["error_description"]
        assert await count(app, "oauth_tokens") == tokens_before

    # A wrong client secret, by body or by Basic
    first = await code()
    await refused(await exchange(**grant(first), client_secret="wrong"), 401, "invalid_client")
    basic = base64.b64encode(f"{registered['client_id']}:wrong".encode()).decode()
    by_basic = await api.post(
        "/oauth/token", data=grant(first), headers={"Authorization": f"Basic {basic}"}
    )
    await refused(by_basic, 401, "invalid_client")
    assert by_basic.headers["www-authenticate"].startswith("Basic")

    # The right client, but a redirect_uri other than the authorization's
    await refused(
        await exchange(**grant(first, redirect_uri="https://app.example/cb")), 400, "invalid_grant"
    )
    # ...which used the code up: it is not accepted a second time, even correctly
    await refused(await exchange(**grant(first)), 400, "invalid_grant")

    # A code used once already
    second = await code()
    assert (await exchange(**grant(second))).status_code == 200
    tokens_before += 1
    await refused(await exchange(**grant(second)), 400, "invalid_grant")

    # An expired code
    expired = await code()
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE oauth_codes SET expires_at = now() - interval '1 second'")
    await refused(await exchange(**grant(expired)), 400, "invalid_grant")

    # A PKCE code with a wrong verifier, or none
    _, challenge = pkce_pair()
    for wrong in ({"code_verifier": pkce_pair()[0]}, {}):
        pkce = await code(code_challenge=challenge, code_challenge_method="S256")
        await refused(await exchange(**grant(pkce, **wrong)), 400, "invalid_grant")

    # More scope than was granted
    narrow = await code(scope="read")
    await refused(await exchange(**grant(narrow, scope="read write")), 400, "invalid_scope")

    # Grants fedcop does not do, missing fields, a malformed body
    await refused(
        await exchange(grant_type="password", username="alice", password=PASSWORD),
        400,
        "unsupported_grant_type",
    )
    await refused(await exchange(), 400, "invalid_request")
    await refused(await exchange(grant_type="authorization_code"), 400, "invalid_request")
    malformed = await api.post(
        "/oauth/token", content=b"{oops", headers={"Content-Type": "application/json"}
    )
    await refused(malformed, 400, "invalid_request")
    wrong_type = await api.post(
        "/oauth/token", json={**creds, "grant_type": "authorization_code", "code": {"x": 1}}
    )
    await refused(wrong_type, 400, "invalid_request")


async def test_client_credentials_give_the_app_a_token_of_its_own(
    app: Any, api: httpx.AsyncClient
) -> None:
    registered = await register(api, scopes="read write")
    creds = {"client_id": registered["client_id"], "client_secret": registered["client_secret"]}

    response = await api.post(
        "/oauth/token", json={**creds, "grant_type": "client_credentials", "scope": "read"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "read"
    auth = {"Authorization": f"Bearer {response.json()['access_token']}"}
    checked = await api.get("/api/v1/apps/verify_credentials", headers=auth)
    assert checked.json()["name"] == "Test App"
    # It acts for nobody: what needs a person refuses it
    assert (await api.get("/api/v1/lists", headers=auth)).status_code == 422
    async with app.state.pool.acquire() as conn:
        assert await conn.fetchval("SELECT user_id FROM oauth_tokens") is None

    # Without a scope it gets the app's; beyond the app's it gets nothing
    whole = await api.post("/oauth/token", data={**creds, "grant_type": "client_credentials"})
    assert whole.json()["scope"] == "read write"
    beyond = await api.post(
        "/oauth/token", data={**creds, "grant_type": "client_credentials", "scope": "follow"}
    )
    assert beyond.status_code == 400
    assert beyond.json()["error"] == "invalid_scope"
    assert await count(app, "oauth_tokens") == 2


async def test_revoked_tokens_stop_working(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    registered = await register(api)
    other = await register(api)
    creds = {"client_id": registered["client_id"], "client_secret": registered["client_secret"]}
    code = code_of(await sign_in_and_authorize(api, registered))
    granted = await api.post(
        "/oauth/token",
        data={**creds, "grant_type": "authorization_code", "code": code, "redirect_uri": OOB},
    )
    token = granted.json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    # Another app, or wrong credentials, cannot revoke it
    wrong = await api.post("/oauth/revoke", data={**creds, "client_secret": "x", "token": token})
    assert wrong.status_code == 401
    assert wrong.json()["error"] == "invalid_client"
    foreign = await api.post(
        "/oauth/revoke",
        data={
            "client_id": other["client_id"],
            "client_secret": other["client_secret"],
            "token": token,
        },
    )
    assert foreign.status_code == 200  # RFC 7009: the same answer, nothing done
    assert (await api.get("/api/v1/apps/verify_credentials", headers=auth)).status_code == 200
    missing = await api.post("/oauth/revoke", data=creds)
    assert missing.status_code == 400

    # Its own app can
    revoked = await api.post("/oauth/revoke", json={**creds, "token": token})
    assert revoked.status_code == 200
    assert revoked.json() == {}
    after = await api.get("/api/v1/apps/verify_credentials", headers=auth)
    assert after.status_code == 401
    assert after.json() == {"error": "The access token is invalid"}


async def test_scopes_are_enforced_on_endpoints(
    app: Any, api: httpx.AsyncClient, config: Config
) -> None:
    await accounts.create_user(app.state.pool, config, "alice", PASSWORD)
    registered = await register(api, scopes="write")
    page = await api.get(authorize_url(registered, scope="write"))
    form = fields_of(page.text)
    form.update(name="alice", password=PASSWORD, decision="authorize")
    code = code_of(await api.post("/oauth/authorize", data=form))
    granted = await api.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": OOB,
            "client_id": registered["client_id"],
            "client_secret": registered["client_secret"],
        },
    )
    auth = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    # A write-only token may not read lists
    refused = await api.get("/api/v1/lists", headers=auth)
    assert refused.status_code == 403
    assert refused.json() == {"error": "This action is outside the authorized scopes"}


async def test_the_admin_token_describes_itself_as_an_app(
    api: httpx.AsyncClient, alice: ApiUser
) -> None:
    checked = await api.get("/api/v1/apps/verify_credentials", headers=alice.auth)
    assert checked.status_code == 200
    assert checked.json()["name"] == "fedcop admin token"
    assert checked.json()["scopes"] == ["read", "write", "follow", "push"]
    assert (await api.get("/api/v1/apps/verify_credentials")).status_code == 401


async def test_userinfo_names_the_person(api: httpx.AsyncClient, alice: ApiUser) -> None:
    response = await api.get("/oauth/userinfo", headers=alice.auth)
    assert response.status_code == 200
    assert response.json()["preferred_username"] == "alice"
    assert response.json()["sub"] == "https://alpha.test/u/alice"


async def test_the_authorization_server_metadata_points_at_this_node(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    meta = orjson.loads(response.content)
    assert errors_of(openapi_validator("DiscoverOauthServerConfigurationResponse"), meta) == []
    assert meta["issuer"] == "https://alpha.test/"
    assert meta["authorization_endpoint"] == "https://alpha.test/oauth/authorize"
    assert meta["token_endpoint"] == "https://alpha.test/oauth/token"
    assert meta["revocation_endpoint"] == "https://alpha.test/oauth/revoke"
    assert meta["app_registration_endpoint"] == "https://alpha.test/api/v1/apps"
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert {"read", "write", "follow", "push", "read:statuses"} <= set(meta["scopes_supported"])
    assert "client_secret_basic" in meta["token_endpoint_auth_methods_supported"]


async def test_a_real_browser_follows_the_redirect_to_the_app(pg_cluster: EmbeddedPostgres) -> None:
    """Browsers apply the page's form-action policy to the redirect after the form post: the
    authorization page must let the browser go on to the app's own site."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await accounts.create_user(node.pool, node.config, "alice", PASSWORD)
        callback = "https://app.example/callback"
        async with httpx.AsyncClient(base_url=node.base) as http:
            registered = await register(http, redirect_uris=callback)
        arrived: list[str] = []
        async with browser() as page:

            async def at_the_app(route: Route) -> None:
                arrived.append(route.request.url)
                await route.fulfill(status=200, content_type="text/plain", body="back in the app")

            await page.route("https://app.example/**", at_the_app)
            # Given a person sent to the authorization page by the app
            await page.goto(node.base + authorize_url(registered, callback, state="s-1"))
            assert await unlabelled_fields(page) == []
            # When they sign in and authorize
            await page.get_by_label("Account name").fill("alice")
            await page.get_by_label("Password").fill(PASSWORD)
            await page.get_by_role("button", name="Authorize").click()
            await page.wait_for_url("https://app.example/**", timeout=10_000)
            # Then the browser reaches the app with the code and the state
            assert "back in the app" in await page.content()
        assert len(arrived) == 1
        query = parse_qs(urlsplit(arrived[0]).query)
        assert query["state"] == ["s-1"]
        assert query["code"][0]


async def _last_used(app: Any) -> Any:
    async with app.state.pool.acquire() as conn:
        return await conn.fetchval("SELECT last_used_at FROM oauth_tokens")


async def test_a_token_acts_only_for_an_active_user_and_its_use_is_recorded_once_a_minute(
    app: Any, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    me = "/api/v1/accounts/verify_credentials"
    # Given alice's token was never used
    assert await _last_used(app) is None
    # When she uses it, twice
    assert (await api.get(me, headers=alice.auth)).json()["username"] == "alice"
    first_use = await _last_used(app)
    assert first_use is not None
    assert (await api.get(me, headers=alice.auth)).status_code == 200
    # Then its use is recorded once: a second use within the minute writes nothing
    assert await _last_used(app) == first_use
    # and once the minute is over, the next use is recorded again
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE oauth_tokens SET last_used_at = now() - interval '2 minutes'")
    stale = await _last_used(app)
    assert (await api.get(me, headers=alice.auth)).status_code == 200
    assert await _last_used(app) > stale

    # When her account is not active (even if a token of hers was somehow left unrevoked)
    async with app.state.pool.acquire() as conn:
        await conn.execute(
            "UPDATE users SET state = 'suspended' WHERE actor_id = $1", alice.actor.id
        )
    # Then the token acts for nobody
    refused = await api.get(me, headers=alice.auth)
    assert (refused.status_code, refused.json()) == (401, {"error": "The access token is invalid"})
    # and works again once she is active again
    async with app.state.pool.acquire() as conn:
        await conn.execute("UPDATE users SET state = 'active' WHERE actor_id = $1", alice.actor.id)
    assert (await api.get(me, headers=alice.auth)).status_code == 200
