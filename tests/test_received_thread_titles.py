"""Where a thread from another server gets its title.

name                                  -> the title (every current threadiverse server)
no name, a Page or an Article         -> its summary, as one line of text: Lemmy before 0.12
                                         put the title there (tests/data/real/lemmy/
                                         objects/lemmy-page.json); it is not also kept as a
                                         content warning
no name, anything else (a Note)       -> the first line of the content, the mention removed;
                                         a Note's summary is its content warning and stays one
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows
from fedcop.services.posts import MAX_TITLE
from federation.keys import load_private_key
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.microblog_server import MicroblogServer, microblog_server
from tests.paths import REAL_FIXTURES
from tests.scene import settle, stored
from tests.signed_requests import Sender, encoded, post

FIXTURES = REAL_FIXTURES

Setting = tuple[LiveNode, LiveNode, GroupServer, MicroblogServer]


@pytest.fixture
async def setting(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Setting]:
    """stewards on alpha (founded by fa), gus on gamma a member; an old Lemmy server and a
    Mastodon-shaped server whose people post into it."""
    async with (
        fresh_database(pg_cluster) as alpha_dsn,
        fresh_database(pg_cluster) as gamma_dsn,
        live_node(alpha_dsn, "alpha") as alpha,
        live_node(gamma_dsn, "gamma") as gamma,
    ):
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        await accounts.create_user(gamma.pool, gamma.config, "gus", "long enough")
        await follows.follow_remote(
            gamma.pool, gamma.config, gamma.app.state.network, "gus", f"{alpha.base}/c/stewards"
        )
        await settle(alpha, gamma)
        with group_server("lemmy") as lemmy, microblog_server("masto") as masto:
            yield alpha, gamma, lemmy, masto


def _lemmy_person(lemmy: GroupServer, name: str) -> Sender:
    uri = lemmy.person(name)
    return Sender(uri, f"{uri}#main-key", load_private_key(lemmy.keys.private_pem))


def _old_lemmy_page(lemmy: GroupServer, community: str, **changes: Any) -> dict[str, Any]:
    """The captured Lemmy 0.x Page (title in `summary`, no `name`, no `content`), moved onto
    the test's Lemmy server and addressed, as it was, to the community alone."""
    captured = json.loads((FIXTURES / "lemmy" / "objects" / "lemmy-page.json").read_text())
    assert "name" not in captured and captured["summary"] == "Hello Federation!"
    page = copy.deepcopy(captured)
    del page["@context"]
    page.update(
        id=f"{lemmy.origin}/post/{uuid.uuid4().int % 10**9}",
        attributedTo=lemmy.person("nutomic"),
        to=community,
        **changes,
    )
    lemmy.documents[page["id"]] = page  # served at its id, as members' nodes fetch it
    return page


def _create(sender: Sender, note: dict[str, Any]) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.origin}/activities/create/{uuid.uuid4()}",
        "type": "Create",
        "actor": sender.uri,
        "to": note["to"],
        "object": note,
    }


async def test_an_old_lemmy_page_takes_its_title_from_summary(setting: Setting) -> None:
    alpha, gamma, lemmy, _ = setting
    community = f"{alpha.base}/c/stewards"
    nutomic = _lemmy_person(lemmy, "nutomic")
    page = _old_lemmy_page(lemmy, community)
    # When an old Lemmy server delivers its user's thread to the community
    response = await post(alpha, encoded(_create(nutomic, page)), nutomic)
    assert response.status_code == 202
    await settle(alpha, gamma)
    # Then it is a thread titled with its summary, not "(untitled)", and no content warning
    thread = await stored(alpha, page["id"])
    assert thread is not None and thread.thread_id is None
    assert thread.title == "Hello Federation!"
    assert thread.summary == ""
    assert thread.sensitive is False
    # And members elsewhere keep it under the same title
    relayed = await stored(gamma, page["id"])
    assert relayed is not None
    assert (relayed.title, relayed.summary) == ("Hello Federation!", "")


async def test_an_edited_old_lemmy_page_keeps_its_title_and_gets_no_content_warning(
    setting: Setting,
) -> None:
    alpha, gamma, lemmy, _ = setting
    nutomic = _lemmy_person(lemmy, "nutomic")
    page = _old_lemmy_page(lemmy, f"{alpha.base}/c/stewards")
    assert (await post(alpha, encoded(_create(nutomic, page)), nutomic)).status_code == 202
    await settle(alpha, gamma)
    # When its author edits it, the title still in `summary`
    edited = {**page, "summary": "Hello again, Federation!", "content": "<p>Now with a body.</p>"}
    update = {**_create(nutomic, edited), "type": "Update"}
    update["id"] = f"{lemmy.origin}/activities/update/{uuid.uuid4()}"
    assert (await post(alpha, encoded(update), nutomic)).status_code == 202
    await settle(alpha, gamma)
    # Then the new summary is its new title, not a content warning
    thread = await stored(alpha, page["id"])
    assert thread is not None
    assert (thread.title, thread.summary) == ("Hello again, Federation!", "")
    assert "Now with a body." in thread.content


async def test_a_long_html_summary_becomes_one_trimmed_line(setting: Setting) -> None:
    alpha, gamma, lemmy, _ = setting
    nutomic = _lemmy_person(lemmy, "nutomic")
    words = " ".join(f"word{n}" for n in range(60))
    page = _old_lemmy_page(
        lemmy,
        f"{alpha.base}/c/stewards",
        type="Article",
        summary=f"<p>  Retention\n schedules &amp; <b>{words}</b></p>",
        content="<p>The body.</p>",
    )
    assert (await post(alpha, encoded(_create(nutomic, page)), nutomic)).status_code == 202
    await settle(alpha, gamma)
    thread = await stored(alpha, page["id"])
    assert thread is not None
    assert thread.title == f"Retention schedules & {words}"[:MAX_TITLE]
    assert len(thread.title) == MAX_TITLE
    assert "The body." in thread.content


async def test_a_page_with_a_name_keeps_it_and_its_summary(setting: Setting) -> None:
    alpha, gamma, lemmy, _ = setting
    # lotide's shape: name and summary both carry the title
    nutomic = _lemmy_person(lemmy, "nutomic")
    page = _old_lemmy_page(
        lemmy, f"{alpha.base}/c/stewards", name="Shelf life", summary="A summary"
    )
    assert (await post(alpha, encoded(_create(nutomic, page)), nutomic)).status_code == 202
    await settle(alpha, gamma)
    thread = await stored(alpha, page["id"])
    assert thread is not None
    assert (thread.title, thread.summary) == ("Shelf life", "A summary")


async def test_a_mastodon_content_warning_stays_a_content_warning(setting: Setting) -> None:
    alpha, gamma, _, masto = setting
    community = f"{alpha.base}/c/stewards"
    mention = (
        f'<span class="h-card"><a href="{community}" class="u-url mention">'
        "@<span>stewards</span></a></span>"
    )
    # When mona posts behind a content warning, mentioning the community (Mastodon's shape)
    note = masto.status(
        f"<p>{mention} Our DSpace migration failed</p><p>Here is what went wrong.</p>",
        summary="Work frustration",
        sensitive=True,
        cc=[f"{masto.user}/followers", community],
        tag=[{"type": "Mention", "href": community, "name": f"@stewards@{alpha.config.domain}"}],
    )
    assert note["to"] == [PUBLIC]
    response = await post(alpha, encoded(masto.create(note)), masto.sender)
    assert response.status_code == 202
    await settle(alpha, gamma)
    # Then the title is the first line of the text; the warning is kept as the summary
    thread = await stored(alpha, note["id"])
    assert thread is not None and thread.thread_id is None
    assert thread.title == "Our DSpace migration failed"
    assert thread.summary == "Work frustration"
    assert thread.sensitive is True
