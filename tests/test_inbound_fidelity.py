"""Inbound posts in every valid shape peers send, kept as Mastodon would keep them.

Each case is one shape, sent as a signed Create from a Lemmy-shaped server (tests/group_server)
to a community on a live node (alpha, over TCP), and checked where a member looks: what is
stored, the thread page on the web, the status in the client API.

    text only in contentMap                 -> its first text, the language from its key
    url / attachment / inReplyTo as Links   -> their href (text/html preferred among urls)
    sensitive: true with pictures           -> kept sensitive: behind a warning on the web,
                                               `sensitive` media in the client API
    as:Note, as:Hashtag, full AS IRIs       -> the same as Note, Hashtag
    language / @language                    -> kept, shown as `lang` and `language`
    a content warning of markup only        -> no content warning
    attributedTo (and others) null          -> absent; the sender is the author (same host)
    a reply whose parent is not here        -> the conversation above it fetched and threaded,
                                               when it is for someone here; else not kept,
                                               with the reason logged
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from fedcop.db.embedded import EmbeddedPostgres
from fedcop.services import accounts, follows, placement
from fedcop.store import actors as actor_store
from federation.keys import load_private_key
from federation.vocab import PUBLIC
from tests.conftest import fresh_database
from tests.group_server import GroupServer, group_server
from tests.live_node import LiveNode, live_node
from tests.paths import MASTODON_OPENAPI
from tests.scene import settle, stored
from tests.signed_requests import Sender, encoded, post

AS = "https://www.w3.org/ns/activitystreams#"
_DESCRIBED = json.loads(MASTODON_OPENAPI.read_text())
STATUS_SCHEMA = Draft202012Validator({**_DESCRIBED, "$ref": "#/components/schemas/Status"})
Setting = tuple[LiveNode, GroupServer]


@pytest.fixture
async def setting(pg_cluster: EmbeddedPostgres) -> AsyncIterator[Setting]:
    """stewards on alpha (founded by fa); a Lemmy-shaped server whose people post into it."""
    async with fresh_database(pg_cluster) as dsn, live_node(dsn, "alpha") as alpha:
        await accounts.create_user(alpha.pool, alpha.config, "fa", "long enough")
        await accounts.create_community(
            alpha.pool, alpha.config, "stewards", title="Data Stewards", owner="fa"
        )
        with group_server("lemmy") as lemmy:
            yield alpha, lemmy


def _person(lemmy: GroupServer, name: str = "nutomic") -> Sender:
    uri = lemmy.person(name)
    return Sender(uri, f"{uri}#main-key", load_private_key(lemmy.keys.private_pem))


def _note(lemmy: GroupServer, alpha: LiveNode, **fields: Any) -> dict[str, Any]:
    """A public Note for the community, served at its id; `fields` replace or add (None
    values are sent as null)."""
    note = {
        "id": f"{lemmy.origin}/post/{uuid.uuid4().int % 10**9}",
        "type": "Note",
        "attributedTo": lemmy.person("nutomic"),
        "to": [PUBLIC],
        "cc": [f"{alpha.base}/c/stewards"],
        "audience": f"{alpha.base}/c/stewards",
        "name": "A thread from elsewhere",
        "content": "<p>The body.</p>",
        "published": "2026-03-01T10:00:00Z",
        **fields,
    }
    lemmy.documents[note["id"]] = note
    return note


def _create(sender: Sender, note: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{sender.origin}/activities/create/{uuid.uuid4()}",
        "type": "Create",
        "actor": sender.uri,
        "to": note.get("to") or [PUBLIC],
        "object": note,
        **fields,
    }


async def _deliver(alpha: LiveNode, sender: Sender, activity: dict[str, Any]) -> None:
    response = await post(alpha, encoded(activity), sender)
    assert response.status_code == 202, response.text
    await settle(alpha)


async def _status(alpha: LiveNode, post_id: int) -> dict[str, Any]:
    response = await alpha.get(f"/api/v1/statuses/{post_id}")
    assert response.status_code == 200, response.text
    entity: dict[str, Any] = response.json()
    return entity


async def _inbound_outcome(alpha: LiveNode, activity_id: str) -> tuple[str, str | None]:
    async with alpha.pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT state, last_error FROM inbound_activities WHERE activity_id = $1",
            activity_id,
        )
    assert row is not None
    return str(row["state"]), row["last_error"]


# -- text, language ----------------------------------------------------------------------------


async def test_text_only_in_content_map_is_kept_with_its_language(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    # When a post comes with its text only in contentMap (no content), in German first
    note = _note(
        lemmy,
        alpha,
        content=None,
        contentMap={"de": "<p>Guten Tag, Verwalter.</p>", "en": "<p>Good day, stewards.</p>"},
    )
    await _deliver(alpha, nutomic, _create(nutomic, note))
    # Then the first text is kept, and its language with it
    kept = await stored(alpha, note["id"])
    assert kept is not None
    assert kept.content == "<p>Guten Tag, Verwalter.</p>"
    assert kept.language == "de"
    # And the web shows it in that language, and the client API says so
    page = await alpha.get(f"/t/{kept.id}")
    assert '<div class="content" lang="de"><p>Guten Tag, Verwalter.</p></div>' in page.text
    assert (await _status(alpha, kept.id))["language"] == "de"


async def test_an_und_content_map_gives_text_and_no_language(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    note = _note(lemmy, alpha, content=None, contentMap={"und": "<p>Some words.</p>"})
    await _deliver(alpha, nutomic, _create(nutomic, note))
    kept = await stored(alpha, note["id"])
    assert kept is not None
    assert (kept.content, kept.language) == ("<p>Some words.</p>", None)
    assert (await _status(alpha, kept.id))["language"] is None


async def test_language_and_context_language_are_kept(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    # When one post says `language` and another declares `@language` in its context
    said = _note(lemmy, alpha, language="fr", content="<p>Bonjour.</p>")
    declared = _note(
        lemmy,
        alpha,
        content="<p>Hola.</p>",
        **{"@context": ["https://www.w3.org/ns/activitystreams", {"@language": "es"}]},
    )
    await _deliver(alpha, nutomic, _create(nutomic, said))
    await _deliver(alpha, nutomic, _create(nutomic, declared))
    # Then each keeps its language
    kept_said, kept_declared = await stored(alpha, said["id"]), await stored(alpha, declared["id"])
    assert kept_said is not None and kept_said.language == "fr"
    assert kept_declared is not None and kept_declared.language == "es"


# -- links -------------------------------------------------------------------------------------


async def test_url_as_links_prefers_the_html_page(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    page = f"{lemmy.origin}/w/1"
    note = _note(
        lemmy,
        alpha,
        url=[
            {"type": "Link", "href": f"{lemmy.origin}/v/1.mp4", "mediaType": "video/mp4"},
            {"type": "Link", "href": page, "mediaType": "text/html"},
        ],
    )
    await _deliver(alpha, nutomic, _create(nutomic, note))
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.url == page
    # The client API's url is the page people open
    assert (await _status(alpha, kept.id))["url"] == page


async def test_a_single_link_object_as_url(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    # A link post: its url is the article it links to, on another server
    note = _note(lemmy, alpha, url={"type": "Link", "href": "https://news.example/story/9"})
    await _deliver(alpha, nutomic, _create(nutomic, note))
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.url == "https://news.example/story/9"
    # The client API's url stays the post's own (as Mastodon: another server's page is not it)
    assert (await _status(alpha, kept.id))["url"] == note["id"]


async def test_attachments_as_links_and_documents_with_link_urls(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    note = _note(
        lemmy,
        alpha,
        attachment=[
            {"type": "Link", "href": "https://news.example/article"},
            {
                "type": "Document",
                "mediaType": "image/png",
                "url": {"type": "Link", "href": "https://files.example/chart.png"},
                "name": "A bar chart of retention periods",
            },
            "https://files.example/notes.pdf",
        ],
    )
    await _deliver(alpha, nutomic, _create(nutomic, note))
    kept = await stored(alpha, note["id"])
    assert kept is not None
    assert [(a["type"], a["url"], a["mediaType"], a["name"]) for a in kept.attachments] == [
        ("Link", "https://news.example/article", "", ""),
        (
            "Document",
            "https://files.example/chart.png",
            "image/png",
            "A bar chart of retention periods",
        ),
        ("Link", "https://files.example/notes.pdf", "", ""),
    ]
    # The picture is media in the client API (shown through this node's media proxy, its
    # origin as remote_url); the links stay links in the text
    status = await _status(alpha, kept.id)
    proxied = f"{alpha.base}/media/proxy/{kept.attachments[1]['proxy']}"
    assert [
        (m["type"], m["url"], m["remote_url"], m["description"])
        for m in status["media_attachments"]
    ] == [
        (
            "image",
            proxied,
            "https://files.example/chart.png",
            "A bar chart of retention periods",
        )
    ]
    assert "https://news.example/article" in status["content"]
    assert "https://files.example/chart.png" not in status["content"]


async def test_in_reply_to_as_a_link_threads_the_reply(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    thread = _note(lemmy, alpha)
    await _deliver(alpha, nutomic, _create(nutomic, thread))
    reply = _note(
        lemmy,
        alpha,
        name=None,
        content="<p>An answer.</p>",
        inReplyTo={"type": "Link", "href": thread["id"]},
    )
    await _deliver(alpha, nutomic, _create(nutomic, reply))
    kept_thread, kept_reply = await stored(alpha, thread["id"]), await stored(alpha, reply["id"])
    assert kept_thread is not None and kept_reply is not None
    assert (kept_reply.thread_id, kept_reply.parent_id) == (kept_thread.id, kept_thread.id)
    assert kept_reply.in_reply_to_uri == thread["id"]


# -- sensitive media ---------------------------------------------------------------------------


async def test_sensitive_pictures_stay_sensitive(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    note = _note(
        lemmy,
        alpha,
        sensitive=True,
        attachment=[
            {"type": "Image", "mediaType": "image/jpeg", "url": "https://files.example/a.jpg"}
        ],
    )
    await _deliver(alpha, nutomic, _create(nutomic, note))
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.sensitive is True
    assert [(a["url"], a["sensitive"]) for a in kept.attachments] == [
        ("https://files.example/a.jpg", True)
    ]
    # The web shows the picture (through this node's media proxy) only behind a warning
    page = (await alpha.get(f"/t/{kept.id}")).text
    warning = page.index('<details class="sensitive"><summary>Sensitive media')
    proxied = f'src="/media/proxy/{kept.attachments[0]["proxy"]}"'
    assert warning < page.index(proxied) < page.index("</details>")
    # The client API marks the status sensitive and gives the picture as media, not a link
    status = await _status(alpha, kept.id)
    assert status["sensitive"] is True
    assert [(m["url"], m["remote_url"]) for m in status["media_attachments"]] == [
        (f"{alpha.base}/media/proxy/{kept.attachments[0]['proxy']}", "https://files.example/a.jpg")
    ]
    assert "https://files.example/a.jpg" not in status["content"]
    # And the status is what Mastodon's API description says a Status is
    assert [error.message for error in STATUS_SCHEMA.iter_errors(status)] == []


# -- types -------------------------------------------------------------------------------------


async def test_compact_and_full_type_names_are_the_same_types(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    community = f"{alpha.base}/c/stewards"
    note = _note(
        lemmy,
        alpha,
        type="as:Note",
        tag=[
            {"type": "as:Hashtag", "name": "#Records"},
            {"type": f"{AS}Hashtag", "name": "#Retention"},
            {"type": "as:Mention", "href": community},
        ],
    )
    activity = {**_create(nutomic, note), "type": f"{AS}Create"}
    await _deliver(alpha, nutomic, activity)
    kept = await stored(alpha, note["id"])
    assert kept is not None and kept.object_type == "Note"
    assert kept.tags == ["records", "retention"]


# -- content warnings --------------------------------------------------------------------------


async def test_a_content_warning_of_markup_only_is_no_content_warning(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    note = _note(lemmy, alpha, summary="<p></p>", content="<p>Plain news.</p>")
    page = _note(lemmy, alpha, type="Page", name=None, summary="<br>", content="<p>Minutes</p>")
    await _deliver(alpha, nutomic, _create(nutomic, note))
    await _deliver(alpha, nutomic, _create(nutomic, page))
    kept = await stored(alpha, note["id"])
    assert kept is not None and (kept.summary, kept.sensitive) == ("", False)
    status = await _status(alpha, kept.id)
    assert (status["spoiler_text"], status["sensitive"]) == ("", False)
    assert "Plain news." in status["content"]
    # A Page whose summary is markup takes its title from its text, which stays whole
    kept_page = await stored(alpha, page["id"])
    assert kept_page is not None
    assert (kept_page.title, kept_page.summary, kept_page.content) == (
        "Minutes",
        "",
        "<p>Minutes</p>",
    )


# -- null fields, authors ----------------------------------------------------------------------


async def test_null_fields_are_absent_and_the_sender_is_the_author(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    note = _note(
        lemmy,
        alpha,
        attributedTo=None,
        name=None,
        summary=None,
        tag=None,
        attachment=None,
        url=None,
        inReplyTo=None,
        sensitive=None,
        content="<p>Written without an author field.</p>",
    )
    await _deliver(alpha, nutomic, _create(nutomic, note))
    kept = await stored(alpha, note["id"])
    assert kept is not None
    async with alpha.pool.acquire() as conn:
        author = await actor_store.find_by_id(conn, kept.author_id)
    assert author is not None and author.uri == nutomic.uri
    assert (kept.summary, kept.attachments, kept.url, kept.sensitive) == ("", [], None, False)
    assert kept.title == "Written without an author field."


async def test_an_object_without_author_from_another_host_is_refused_with_why(
    setting: Setting,
) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    with group_server("other") as other:
        # Given a post on another server that names no author
        foreign = {
            "id": f"{other.origin}/post/1",
            "type": "Note",
            "attributedTo": None,
            "to": [PUBLIC],
            "cc": [f"{alpha.base}/c/stewards"],
            "content": "<p>Whose is this?</p>",
        }
        other.documents[foreign["id"]] = foreign
        # When nutomic's server sends a Create naming it by id
        create = _create(nutomic, foreign, object=foreign["id"])
        await _deliver(alpha, nutomic, create)
    # Then it is rejected, and the reason says what is missing
    state, reason = await _inbound_outcome(alpha, create["id"])
    assert state == "rejected"
    assert reason == (
        f"{foreign['id']} names no author (attributedTo is empty) and is not on the origin of "
        f"{nutomic.uri}"
    )
    assert await stored(alpha, foreign["id"]) is None


async def test_an_author_mismatch_names_both(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    note = _note(lemmy, alpha, attributedTo=lemmy.person("someone_else"))
    create = _create(nutomic, note)
    await _deliver(alpha, nutomic, create)
    state, reason = await _inbound_outcome(alpha, create["id"])
    assert state == "rejected"
    assert reason == (
        f"{note['id']} is attributed to {lemmy.person('someone_else')}, not to {nutomic.uri} "
        "who sent it"
    )
    assert await stored(alpha, note["id"]) is None


# -- replies whose parent is not here ------------------------------------------------------------


async def test_a_reply_to_the_community_brings_the_conversation_above_it(setting: Setting) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    # Given a thread and a first comment on the Lemmy server, neither ever sent here
    top = _note(lemmy, alpha, type="Page", name="Retention of e-mail")
    first = _note(lemmy, alpha, name=None, content="<p>First.</p>", inReplyTo=top["id"])
    # When a second comment, addressed to the community, arrives
    second = _note(lemmy, alpha, name=None, content="<p>Second.</p>", inReplyTo=first["id"])
    await _deliver(alpha, nutomic, _create(nutomic, second))
    # Then the conversation above it was fetched and kept, and it is threaded under it
    kept_top, kept_first = await stored(alpha, top["id"]), await stored(alpha, first["id"])
    kept_second = await stored(alpha, second["id"])
    assert kept_top is not None and kept_first is not None and kept_second is not None
    assert (kept_top.thread_id, kept_top.title) == (None, "Retention of e-mail")
    assert (kept_first.thread_id, kept_first.parent_id) == (kept_top.id, kept_top.id)
    assert (kept_second.thread_id, kept_second.parent_id) == (kept_top.id, kept_first.id)
    # And the thread page shows both answers
    page = (await alpha.get(f"/t/{kept_top.id}")).text
    assert "First." in page and "Second." in page


async def test_a_reply_mentioning_a_person_here_is_threaded_where_its_conversation_is(
    setting: Setting,
) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    fa = f"{alpha.base}/u/fa"
    # Given a thread of the community that this node never received
    top = _note(lemmy, alpha, type="Page", name="Shared drives")
    # When an answer to it arrives, addressed only to fa (a mention), not to the community
    answer = _note(
        lemmy,
        alpha,
        name=None,
        to=[fa],
        cc=[PUBLIC],
        audience=None,
        content="<p>@fa what do you think?</p>",
        tag=[{"type": "Mention", "href": fa}],
        inReplyTo=top["id"],
    )
    await _deliver(alpha, nutomic, _create(nutomic, answer))
    # Then it is kept under the thread it answers, in the community that thread is for
    kept_top, kept_answer = await stored(alpha, top["id"]), await stored(alpha, answer["id"])
    assert kept_top is not None and kept_answer is not None
    assert kept_answer.parent_id == kept_top.id


async def test_a_reply_for_no_one_here_is_not_kept_and_says_why(
    setting: Setting, caplog: pytest.LogCaptureFixture
) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    elsewhere = f"{lemmy.origin}/c/other"
    top = _note(lemmy, alpha, to=[PUBLIC], cc=[elsewhere], audience=elsewhere)
    reply = _note(
        lemmy,
        alpha,
        name=None,
        to=[PUBLIC],
        cc=[elsewhere],
        audience=elsewhere,
        inReplyTo=top["id"],
    )
    caplog.set_level(logging.INFO, logger="fedcop")
    create = _create(nutomic, reply)
    await _deliver(alpha, nutomic, create)
    assert await stored(alpha, reply["id"]) is None and await stored(alpha, top["id"]) is None
    assert await _inbound_outcome(alpha, create["id"]) == ("ignored", None)
    assert any(
        f"post {reply['id']} not kept: it answers {top['id']}, which is not kept here, and is "
        "addressed to no one here" in record.getMessage()
        for record in caplog.records
    )


async def test_a_conversation_deeper_than_the_limit_is_not_kept(
    setting: Setting, caplog: pytest.LogCaptureFixture
) -> None:
    alpha, lemmy = setting
    nutomic = _person(lemmy)
    above = _note(lemmy, alpha, type="Page", name="Very long")
    for _ in range(placement.MAX_DEPTH):
        above = _note(lemmy, alpha, name=None, inReplyTo=above["id"])
    reply = _note(lemmy, alpha, name=None, inReplyTo=above["id"])
    caplog.set_level(logging.INFO, logger="fedcop")
    await _deliver(alpha, nutomic, _create(nutomic, reply))
    assert await stored(alpha, reply["id"]) is None
    async with alpha.pool.acquire() as conn:
        assert await conn.fetchval("SELECT count(*) FROM posts") == 0
    assert any(
        f"more than {placement.MAX_DEPTH} posts deep" in record.getMessage()
        for record in caplog.records
    )


async def test_members_servers_fetch_the_conversation_a_relayed_reply_needs(
    pg_cluster: EmbeddedPostgres,
) -> None:
    # Given stewards on alpha, with gus on gamma a member
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
        with group_server("lemmy") as lemmy:
            nutomic = _person(lemmy)
            # When a comment on a thread neither node has arrives at the community
            top = _note(lemmy, alpha, type="Page", name="Disposal schedules")
            reply = _note(lemmy, alpha, name=None, content="<p>Ours.</p>", inReplyTo=top["id"])
            response = await post(alpha, encoded(_create(nutomic, reply)), nutomic)
            assert response.status_code == 202
            await settle(alpha, gamma)
            # Then alpha keeps the conversation, relays the comment, and gamma, given only the
            # comment, fetches the thread from its origin and threads it the same way
            for node in (alpha, gamma):
                kept_top, kept_reply = (
                    await stored(node, top["id"]),
                    await stored(node, reply["id"]),
                )
                assert kept_top is not None and kept_reply is not None, node.base
                assert kept_top.title == "Disposal schedules"
                assert (kept_reply.thread_id, kept_reply.parent_id) == (kept_top.id, kept_top.id)
