"""The search box on the web: words find threads and replies (ranked, with highlighted,
escaped snippets), communities and people; members-only threads stay hidden from others;
handles and URLs still lead to their page."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx

from fedcop.config import Config
from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, posts
from fedcop.store import actors as actor_store
from fedcop.store import posts as post_store
from fedcop.store.posts import NewPost
from tests.browser import browser
from tests.conftest import fresh_database
from tests.live_node import live_node
from tests.test_signin_throttle_and_sessions import sign_in


async def _seed(app: Any, config: Config) -> None:
    pool, network = app.state.pool, app.state.network
    for name in ("ana", "ben", "dee"):
        await accounts.create_user(pool, config, name, "correct horse battery")
    library = await accounts.create_community(
        pool, config, "libraries", title="Interlibrary loans", owner="ana"
    )
    clinic = await accounts.create_community(
        pool, config, "clinic", title="Clinic", owner="ana", private=True
    )
    await follows.join(pool, config, network, "dee", clinic.uri)
    await follows.decide_request(pool, config, "clinic", f"{config.base_url}/u/dee", approve=True)

    async def write(community: str, **fields: Any) -> Any:
        return await posts.write(
            pool, config, network, author="ana", community_uri=community, **fields
        )

    await write(library.uri, title="Interlibrary loan workflows", content="Tracking.")
    other = await write(library.uri, title="Catalogue migration", content="Moving.")
    await write(library.uri, in_reply_to=other.uri, content="In passing: interlibrary requests.")
    await write(clinic.uri, title="Interlibrary secret triage", content="Members.")
    async with pool.acquire() as conn:
        # a post as stored from a server that wrote markup as text (escaped by the sanitiser)
        await post_store.insert(
            conn,
            NewPost(
                uri=f"{config.base_url}/p/markup", community_id=library.id,
                author_id=other.author_id, thread_id=None, parent_id=None,
                in_reply_to_uri=None, object_type="Page", title="Markup <b>here</b>",
                content="<p>&lt;img src=x onerror=alert(1)&gt; interlibrary markup</p>",
                summary="", url=None, attachments=[], sensitive=False, visibility="public",
                create_uri=None, published=datetime.now(UTC),
            ),
        )  # fmt: skip
        assert await actor_store.find_local(conn, "ana") is not None


def _titles(page: str) -> list[str]:
    return re.findall(r'<li class="search-result"><a href="[^"]+">([^<]*)</a>', page)


async def test_words_find_ranked_threads_and_replies(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)

    page = await client.get("/search", params={"q": "interlibrary"})

    assert page.status_code == 200
    assert _titles(page.text)[:2] == [
        "Interlibrary loan workflows",
        "Markup &lt;b&gt;here&lt;/b&gt;",
    ]
    assert "Reply in: Catalogue migration" in page.text
    assert "passing: <mark>interlibrary</mark> requests" in page.text
    # a thread found by its title shows the beginning of its text
    assert '<p class="snippet">Tracking.</p>' in page.text
    # the community whose title begins with the word is listed too
    assert 'href="/c/libraries"' in page.text
    # markup written as text stays text, only the highlight is an element
    assert "alert(1)&gt; <mark>interlibrary</mark> markup" in page.text
    assert "<img src=x" not in page.text and "<b>here" not in page.text
    # a visitor never sees the members-only thread, not even its title
    assert "secret" not in page.text.lower() and "Members." not in page.text


async def test_filters_and_phrases(app: Any, config: Config, client: httpx.AsyncClient) -> None:
    await _seed(app, config)

    threads = await client.get("/search", params={"q": "interlibrary", "threads": "1"})
    phrase = await client.get("/search", params={"q": '"interlibrary requests"'})
    excluded = await client.get("/search", params={"q": "interlibrary -markup -loan"})
    nobody = await client.get("/search", params={"q": "interlibrary", "author": "nobody"})

    assert "Reply in:" not in threads.text and "Interlibrary loan workflows" in threads.text
    assert _titles(phrase.text) == ["Reply in: Catalogue migration"]
    assert _titles(excluded.text) == ["Reply in: Catalogue migration"]
    assert _titles(nobody.text) == [] and "No thread or reply you can read" in nobody.text


async def test_members_find_members_only_threads(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)
    await sign_in(client, "ben", "correct horse battery")
    outsider = await client.get("/search", params={"q": "secret triage"})
    await client.post("/logout", data={})
    client.cookies.clear()
    await sign_in(client, "dee", "correct horse battery")
    member = await client.get("/search", params={"q": "secret triage"})

    assert _titles(outsider.text) == [] and "Interlibrary secret" not in outsider.text
    assert _titles(member.text) == ["Interlibrary secret triage"]


async def test_handles_still_lead_to_their_page(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)

    by_name = await client.get("/search", params={"q": "ana"})
    by_handle = await client.get("/search", params={"q": "@ana"})

    assert by_name.status_code == 303 and by_name.headers["location"] == "/u/ana"
    assert by_handle.headers["location"] == "/u/ana"


async def test_the_search_box_in_a_real_browser(pg_cluster: EmbeddedPostgres) -> None:
    async with fresh_database(pg_cluster) as dsn, live_node(dsn) as node:
        await _seed(node.app, node.config)
        async with browser() as page:
            await page.goto(f"{node.base}/search?q=interlibrary")
            results = page.locator("li.search-result")
            first = await results.first.locator("a").inner_text()
            marks = await page.locator(".snippet mark").all_inner_texts()
            alerts: list[str] = []
            page.on("dialog", lambda dialog: alerts.append(dialog.message))
            await page.get_by_label("Words").fill('"interlibrary requests"')
            await page.get_by_role("button", name="Search").click()
            await page.wait_for_url("**/search?**")
            phrase = await page.locator("li.search-result a").all_inner_texts()

    assert first == "Interlibrary loan workflows"
    assert marks and all(mark.lower() == "interlibrary" for mark in marks)
    assert phrase == ["Reply in: Catalogue migration"]
    assert alerts == []


async def test_the_form_filters_by_question_state_and_dates(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)
    pool, network = app.state.pool, app.state.network
    library = f"{config.base_url}/c/libraries"
    asked = await posts.write(
        pool, config, network, author="ben", community_uri=library, question=True,
        title="Interlibrary courier costs?", content="Who pays?",
    )  # fmt: skip

    form = await client.get("/search", params={"q": "interlibrary"})
    unanswered = await client.get("/search", params={"q": "interlibrary", "question": "unanswered"})
    solved = await client.get("/search", params={"q": "interlibrary", "question": "solved"})
    today = asked.published.date().isoformat()
    dated = await client.get("/search", params={"q": "interlibrary", "from": "2001-01-01",
                                                "to": "2001-12-31"})  # fmt: skip
    this_day = await client.get(
        "/search", params={"q": "interlibrary", "from": today, "to": today, "threads": "1"}
    )
    operator = await client.get("/search", params={"q": "interlibrary is:unanswered"})

    # real date inputs and the question states in the form
    assert 'type="date" name="from"' in form.text and 'type="date" name="to"' in form.text
    assert '<option value="unanswered"' in form.text
    assert _titles(unanswered.text) == ["Interlibrary courier costs?"]
    assert '<option value="unanswered" selected>' in unanswered.text
    assert _titles(solved.text) == []
    assert _titles(dated.text) == [] and f'value="{today}"' in this_day.text
    assert "Interlibrary courier costs?" in _titles(this_day.text)
    assert "Reply in:" not in this_day.text
    assert _titles(operator.text) == ["Interlibrary courier costs?"]
    # the filters need no words, and an operator naming someone elsewhere is no handle
    no_words = await client.get("/search", params={"q": "", "question": "unanswered"})
    assert _titles(no_words.text) == ["Interlibrary courier costs?"]
    elsewhere = await client.get("/search", params={"q": "interlibrary from:zoe@beta.test"})
    assert elsewhere.status_code == 200 and _titles(elsewhere.text) == []
    # dates at the ends of the calendar, or not dates, are answered, never a server error
    for first, last in (("0001-01-01", "9999-12-31"), ("9999-12-30", ""), ("x", "2026-02-30")):
        odd = await client.get("/search", params={"q": "interlibrary", "from": first, "to": last})
        assert odd.status_code == 200, (first, last)
    # no filter shows a visitor the members-only thread
    for page in (form, unanswered, dated, this_day, operator):
        assert "secret" not in page.text.lower()


async def test_people_are_found_by_the_words_of_their_bio(
    app: Any, config: Config, client: httpx.AsyncClient
) -> None:
    await _seed(app, config)
    async with app.state.pool.acquire() as conn:
        await actor_store.upsert_remote(
            conn,
            actor_store.RemoteActorFields(
                uri="https://beta.test/u/zoe", actor_type="Person", username="zoe",
                domain="beta.test", display_name="Zoé", summary="<p>Courier logistics</p>",
                inbox_url="https://beta.test/u/zoe/inbox", shared_inbox_url=None,
                outbox_url=None, followers_url=None, public_key_id="https://beta.test/u/zoe#k",
                public_key_pem="",
            ),
        )  # fmt: skip

    page = await client.get("/search", params={"q": "courier logistics"})
    with_operator = await client.get("/search", params={"q": "courier after:2001-01-01"})

    assert 'href="/u/zoe@beta.test"' in page.text
    # operators narrow posts; people are found by the words alone
    assert 'href="/u/zoe@beta.test"' in with_operator.text
    assert "interlibrary loans" not in page.text.lower()
