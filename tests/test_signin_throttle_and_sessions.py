"""Sign-in throttling that slows an attacker without locking the owner out, and sessions that
end on the server when someone signs out. Everything goes through the real app over HTTP, each
browser with its own address and cookie jar, as people and attackers meet it.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from fedcop.config import Config
from fedcop.services import accounts, admin, signin_throttle
from fedcop.web.session import COOKIE

PASSWORD = "bea pass 123"
ATTACKER = "203.0.113.66"
OWNER_HOME = "198.51.100.7"

Browser = Callable[[str], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
async def bea(app: Any, config: Config) -> None:
    await accounts.create_user(app.state.pool, config, "bea", PASSWORD)


@pytest.fixture
def browser(app: Any, config: Config) -> Browser:
    """A browser at an address of its own, with its own cookies."""

    @asynccontextmanager
    async def at(address: str) -> AsyncIterator[httpx.AsyncClient]:
        transport = httpx.ASGITransport(app=app, client=(address, 40000))
        async with httpx.AsyncClient(transport=transport, base_url=config.base_url) as http:
            yield http

    return at


async def csrf_of(http: httpx.AsyncClient, path: str = "/login") -> str:
    page = await http.get(path)
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def sign_in(http: httpx.AsyncClient, name: str, password: str) -> httpx.Response:
    token = await csrf_of(http)
    return await http.post(
        "/login", data={"csrf": token, "name": name, "password": password, "next": "/settings"}
    )


def assert_slowed(response: httpx.Response) -> None:
    """What an attacker sees once slowed: 429, when to come back, and nothing checked."""
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["retry-after"])
    assert 0 < retry_after <= signin_throttle.MAX_WAIT_SECONDS
    assert "too many wrong passwords from your address" in response.text


# --- throttling -------------------------------------------------------------------------------


async def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(
    bea: None, browser: Browser
) -> None:
    # Given an attacker who sends ten wrong passwords for bea from one address
    async with browser(ATTACKER) as attacker:
        answers = [(await sign_in(attacker, "bea", f"guess {n}")).status_code for n in range(10)]
    # Then the first few are simply wrong, and from then on the attacker is told to wait
    assert answers[: signin_throttle.PAIR_ALLOWANCE] == [400] * signin_throttle.PAIR_ALLOWANCE
    assert set(answers[signin_throttle.PAIR_ALLOWANCE :]) == {429}
    # When bea signs in from her own address, with her password
    async with browser(OWNER_HOME) as home:
        response = await sign_in(home, "bea", PASSWORD)
        # Then she is in, at once
        assert response.status_code == 303
        assert response.headers["location"] == "/settings"
        assert (await home.get("/settings")).status_code == 200


async def test_the_attacker_waits_longer_with_each_failure_and_the_right_password_too(
    bea: None, browser: Browser
) -> None:
    async with browser(ATTACKER) as attacker:
        for n in range(signin_throttle.PAIR_ALLOWANCE):
            assert (await sign_in(attacker, "bea", f"guess {n}")).status_code == 400
        # Once the allowance is spent, even the right password is not checked from there
        slowed = await sign_in(attacker, "bea", PASSWORD)
        assert_slowed(slowed)
        assert COOKIE not in slowed.cookies
        assert (await attacker.get("/settings")).status_code == 303  # still signed out


async def test_an_attacker_on_one_address_is_slowed_on_every_account(
    app: Any, config: Config, browser: Browser
) -> None:
    # Given accounts bea and cy, and an attacker spraying one guess at each of many names
    await accounts.create_user(app.state.pool, config, "bea", PASSWORD)
    await accounts.create_user(app.state.pool, config, "cy", "cy pass 1234")
    async with browser(ATTACKER) as attacker:
        for n in range(signin_throttle.ADDRESS_ALLOWANCE):
            response = await sign_in(attacker, f"name{n}", "password1")
            assert response.status_code == 400
        # Then the next guess at any account from that address waits, though none of them
        # was tried from there before
        for name in ("bea", "cy"):
            assert_slowed(await sign_in(attacker, name, "password1"))
    # While cy, elsewhere, signs in
    async with browser(OWNER_HOME) as home:
        assert (await sign_in(home, "cy", "cy pass 1234")).status_code == 303


async def test_the_oauth_sign_in_door_is_throttled_alike(
    bea: None, browser: Browser, config: Config
) -> None:
    async with browser(ATTACKER) as attacker:
        # Given an app registered for the OAuth sign-in page
        registered = await attacker.post(
            "/api/v1/apps",
            data={"client_name": "App", "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"},
        )
        query = {
            "client_id": registered.json()["client_id"],
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "response_type": "code",
            "scope": "read",
        }

        async def authorize(password: str) -> httpx.Response:
            page = await attacker.get("/oauth/authorize?" + urlencode(query))
            fields = dict(
                re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
            )
            fields.update(name="bea", password=password, decision="authorize", login="1")
            return await attacker.post("/oauth/authorize", data=fields)

        # When the attacker guesses there, the same allowance applies and is then spent
        for n in range(signin_throttle.PAIR_ALLOWANCE):
            assert (await authorize(f"guess {n}")).status_code == 400
        assert_slowed(await authorize(PASSWORD))
        # And the sign-in page, another door to the same password, waits too
        assert_slowed(await sign_in(attacker, "bea", PASSWORD))


async def test_a_successful_sign_in_forgets_the_owners_own_typos(
    bea: None, browser: Browser
) -> None:
    async with browser(OWNER_HOME) as home:
        for _ in range(3):
            for n in range(signin_throttle.PAIR_ALLOWANCE - 1):
                assert (await sign_in(home, "bea", f"typo {n}")).status_code == 400
            # Each sign-in that succeeds clears her typos: she is never slowed
            assert (await sign_in(home, "bea", PASSWORD)).status_code == 303


# --- sessions ---------------------------------------------------------------------------------


async def signed_in_copy(http: httpx.AsyncClient, browser: Browser) -> httpx.Cookies:
    """The session cookie as it stands: what someone copying it would hold."""
    return httpx.Cookies({COOKIE: http.cookies[COOKIE]})


async def opens_settings(browser: Browser, cookies: httpx.Cookies, address: str) -> bool:
    async with browser(address) as other:
        other.cookies = cookies
        response = await other.get("/settings")
    if response.status_code == 303:
        assert response.headers["location"] == "/login?next=/settings"
        return False
    assert response.status_code == 200
    return True


async def test_signing_out_ends_the_session_even_for_a_copied_cookie(
    bea: None, browser: Browser
) -> None:
    async with browser(OWNER_HOME) as home:
        # Given bea signed in, and someone holding a copy of her session cookie
        assert (await sign_in(home, "bea", PASSWORD)).status_code == 303
        copied = await signed_in_copy(home, browser)
        assert await opens_settings(browser, copied, ATTACKER)
        # When she signs out
        response = await home.post("/logout", data={"csrf": await csrf_of(home, "/settings")})
        assert response.status_code == 303
        # Then the copy no longer opens her settings: it is sent to sign in
        assert not await opens_settings(browser, copied, ATTACKER)
        assert (await home.get("/settings")).status_code == 303


async def test_signing_out_ends_only_that_browsers_session_unless_everywhere(
    bea: None, browser: Browser
) -> None:
    async with browser(OWNER_HOME) as laptop, browser("192.0.2.10") as phone:
        # Given bea signed in on her laptop and her phone
        for device in (laptop, phone):
            assert (await sign_in(device, "bea", PASSWORD)).status_code == 303
        # When she signs out on the laptop, the phone stays signed in
        await laptop.post("/logout", data={"csrf": await csrf_of(laptop, "/settings")})
        assert (await laptop.get("/settings")).status_code == 303
        assert (await phone.get("/settings")).status_code == 200
        # When she signs in on the laptop again and chooses "End every session"
        assert (await sign_in(laptop, "bea", PASSWORD)).status_code == 303
        settings = await laptop.get("/settings")
        assert "End every session" in settings.text
        token = await csrf_of(laptop, "/settings")
        await laptop.post("/logout", data={"csrf": token, "everywhere": "1"})
        # Then neither is signed in any more
        assert (await phone.get("/settings")).status_code == 303
        assert (await laptop.get("/settings")).status_code == 303


async def test_a_password_change_ends_every_other_session(bea: None, browser: Browser) -> None:
    async with browser(OWNER_HOME) as laptop, browser("192.0.2.10") as phone:
        for device in (laptop, phone):
            assert (await sign_in(device, "bea", PASSWORD)).status_code == 303
        token = await csrf_of(laptop, "/settings")
        changed = await laptop.post(
            "/settings/password", data={"csrf": token, "current": PASSWORD, "new": "new pass 456"}
        )
        assert "Your password is changed." in changed.text
        # The browser that changed it stays in; the other is signed out
        assert (await laptop.get("/settings")).status_code == 200
        assert (await phone.get("/settings")).status_code == 303


async def test_a_suspension_ends_every_session(
    app: Any, bea: None, browser: Browser, config: Config
) -> None:
    async with browser(OWNER_HOME) as home:
        assert (await sign_in(home, "bea", PASSWORD)).status_code == 303
        copied = await signed_in_copy(home, browser)
        await admin.suspend(app.state.pool, "bea")
        assert (await home.get("/settings")).status_code == 303
        assert not await opens_settings(browser, copied, ATTACKER)


async def test_guessing_the_current_password_on_the_settings_page_is_throttled(
    bea: None, browser: Browser
) -> None:
    # Given someone at a browser bea left signed in, guessing her password to change it
    async with browser(ATTACKER) as borrowed:
        assert (await sign_in(borrowed, "bea", PASSWORD)).status_code == 303
        for n in range(signin_throttle.PAIR_ALLOWANCE):
            token = await csrf_of(borrowed, "/settings")
            wrong = await borrowed.post(
                "/settings/password", data={"csrf": token, "current": f"guess {n}", "new": "x" * 9}
            )
            assert "the current password is not right" in wrong.text
        token = await csrf_of(borrowed, "/settings")
        assert_slowed(
            await borrowed.post(
                "/settings/password", data={"csrf": token, "current": PASSWORD, "new": "y" * 9}
            )
        )
