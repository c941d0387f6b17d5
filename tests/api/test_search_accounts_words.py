"""GET /api/v2/search finds people and communities by the words of their names and bio (as
the web search box does), ranked, never the accounts nobody may find: suspended people,
accounts on blocked servers."""

from __future__ import annotations

from typing import Any

import httpx

from fedcop.config import Config
from fedcop.services import accounts, admin
from fedcop.store import actors as actor_store
from tests.api.conftest import ApiUser


async def _remote(app: Any, name: str, host: str, display: str, bio: str) -> None:
    async with app.state.pool.acquire() as conn:
        await actor_store.upsert_remote(
            conn,
            actor_store.RemoteActorFields(
                uri=f"https://{host}/u/{name}", actor_type="Person", username=name,
                domain=host, display_name=display, summary=bio,
                inbox_url=f"https://{host}/u/{name}/inbox", shared_inbox_url=None,
                outbox_url=None, followers_url=None, public_key_id=f"https://{host}/u/{name}#k",
                public_key_pem="",
            ),
        )  # fmt: skip


async def _accts(api: httpx.AsyncClient, user: ApiUser | None, **params: Any) -> list[str]:
    response = await api.get("/api/v2/search", params=params, headers=user.auth if user else {})
    assert response.status_code == 200
    return [account["acct"] for account in response.json()["accounts"]]


async def test_people_and_communities_are_found_by_their_words(
    app: Any, config: Config, api: httpx.AsyncClient, alice: ApiUser
) -> None:
    pool = app.state.pool
    await accounts.create_community(
        pool, config, "ill", title="Interlibrary Loans", owner="alice",
        summary="<p>Borrowing between libraries &amp; archives.</p>",
    )  # fmt: skip
    await accounts.create_community(
        pool, config, "loanwords", title="Borrowed words", owner="alice"
    )
    await _remote(app, "zoe", "beta.test", "Zoé", "<p>I run <b>interlibrary loan</b> at a uni.</p>")
    await _remote(app, "max", "spam.test", "Max", "<p>Interlibrary loan deals!</p>")
    await admin.set_domain_blocked(pool, "spam.test", True)
    await accounts.create_user(pool, config, "sus", "correct horse battery")
    await accounts.create_community(
        pool, config, "susloans", title="Interlibrary loan tips", owner="sus"
    )
    await admin.suspend(pool, "sus")
    await _remote(app, "sus", "beta.test", "Someone", "")

    # both words, each the start of a word of a name or a bio; names before bios
    assert await _accts(api, None, q="interlibrary loan") == ["ill", "susloans", "zoe@beta.test"]
    assert await _accts(api, alice, q="Interlibrary lo", type="accounts") == [
        "ill",
        "susloans",
        "zoe@beta.test",
    ]
    # a description's words; its entities are not words
    assert await _accts(api, alice, q="archives", type="accounts") == ["ill"]
    assert await _accts(api, alice, q="amp", type="accounts") == []
    # a suspended person is nobody's business (their community is still there); a namesake
    # elsewhere, named exactly so, comes first
    assert await _accts(api, alice, q="sus", type="accounts") == ["sus@beta.test", "susloans"]
    # an exact username comes first, then the rest by rank
    assert (await _accts(api, alice, q="loanwords"))[0] == "loanwords"
    # handles still name one account
    assert await _accts(api, alice, q="@zoe@beta.test") == ["zoe@beta.test"]
    assert await _accts(api, alice, q=f"ill@{config.domain}") == ["ill"]
